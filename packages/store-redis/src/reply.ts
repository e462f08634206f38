/**
 * Turning script and `HMGET` replies into records. Every shape is checked explicitly: a client set up
 * with `stringNumbers`, RESP2 vs RESP3, or a foreign value under our key must fail loudly, never be
 * read as "acquired" or as a half-empty record.
 *
 * @module
 */
import type { AcquireResult, IdempotencyRecord, RecordStatus } from '@idemkit/core'

/** Read a script's integer reply (`1`/`0`), as a number or, with `stringNumbers`, a string. */
export function parseFlag(reply: unknown, script: string): boolean {
  if (reply === 1 || reply === '1') return true
  if (reply === 0 || reply === '0') return false
  throw new Error(`[redis] unexpected reply from the ${script} script: ${describe(reply)}`)
}

/** Read the acquire script's reply: `1` when claimed, else the live record's six fields. */
export function parseAcquireReply(key: string, reply: unknown): AcquireResult {
  if (reply === 1 || reply === '1') return { acquired: true }
  if (!Array.isArray(reply) || reply.length !== 6) {
    throw new Error(`[redis] unexpected reply from the acquire script: ${describe(reply)}`)
  }
  const [status, fingerprint, token, lockedUntil, expiresAt, result] = reply as unknown[]
  return { acquired: false, record: toRecord(key, { status, fingerprint, token, lockedUntil, expiresAt, result }) }
}

/** Read `HMGET status fingerprint token lockedUntil expiresAt result`; `undefined` when absent. */
export function parseHashReply(key: string, reply: unknown): IdempotencyRecord | undefined {
  if (!Array.isArray(reply) || reply.length !== 6) throw new Error(`[redis] unexpected HMGET reply: ${describe(reply)}`)
  const [status, fingerprint, token, lockedUntil, expiresAt, result] = reply as unknown[]
  if (status === null || status === undefined) return undefined
  return toRecord(key, { status, fingerprint, token, lockedUntil, expiresAt, result })
}

/** The hash fields in the order {@link parseHashReply} expects them. */
export const RECORD_FIELDS = ['status', 'fingerprint', 'token', 'lockedUntil', 'expiresAt', 'result'] as const

type RawFields = Record<(typeof RECORD_FIELDS)[number], unknown>

function toRecord(key: string, raw: RawFields): IdempotencyRecord {
  const status = parseStatus(raw.status)
  const record: IdempotencyRecord = {
    key,
    status,
    fingerprint: expectString(raw.fingerprint, 'fingerprint'),
    token: expectString(raw.token, 'token'),
    lockedUntil: parseMillis(raw.lockedUntil, 'lockedUntil'),
    expiresAt: parseMillis(raw.expiresAt, 'expiresAt'),
  }
  if (status === 'completed') record.result = expectString(raw.result, 'result')
  return record
}

function parseStatus(value: unknown): RecordStatus {
  if (value === 'in_progress' || value === 'completed') return value
  throw new Error(`[redis] record has an unknown status: ${describe(value)}`)
}

function expectString(value: unknown, field: string): string {
  if (typeof value === 'string') return value
  throw new Error(`[redis] record field "${field}" is not a string: ${describe(value)}`)
}

function parseMillis(value: unknown, field: string): number {
  const millis = typeof value === 'string' && value !== '' ? Number(value) : Number.NaN
  if (Number.isFinite(millis)) return millis
  throw new Error(`[redis] record field "${field}" is not epoch milliseconds: ${describe(value)}`)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
  if (Array.isArray(value)) return `an array of ${value.length}`
  return value === null ? 'null' : typeof value
}
