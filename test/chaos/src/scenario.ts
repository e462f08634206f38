/**
 * What a scenario returns: one report row per store with a human figure and the machine checks the
 * reduced CI run asserts (each check passes when `value <= max`).
 *
 * @module
 */
import type { Sizes } from './sizes.js'
import type { Servers } from './targets.js'
import type { Worker } from './workers.js'

/** One asserted number. */
export interface Check {
  name: string
  value: number
  /** Largest acceptable value (0 for "zero duplicates"). */
  max: number
}

/** One row of the report. */
export interface Row {
  scenario: string
  store: string
  /** What the reader sees, e.g. `duplicates executed 0 of 80 000 requests`. */
  figure: string
  checks: Check[]
}

/** What every scenario gets. */
export interface ScenarioContext {
  sizes: Sizes
  servers: Servers
  /** The shared workers (Express, Hono, Express, Hono), started once per run. */
  pool: Worker[]
  /** A secret set as `Set-Cookie` on every answer: it must never reach a store. */
  cookieSecret: string
  log(line: string): void
}

/** True when every check of the row passes. */
export function passed(row: Row): boolean {
  return row.checks.every((check) => check.value <= check.max)
}

/** `12345` → `12,345`. */
export function n(value: number): string {
  return value.toLocaleString('en-US')
}
