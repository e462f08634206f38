/**
 * What every worker route does, whatever the framework: sleep as told, perform the REAL side effect
 * (a ledger write), sleep again, and answer with a body unique to this execution, so a replay can be
 * checked byte for byte and told apart from a re-execution.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { problemResponse, type HttpResponse } from '@idemkit/core/http'
import { IdempotencyError, type IdempotencyEngine } from '@idemkit/core'
import { runInTransaction } from '@idemkit/store-postgres'
import { sql } from 'drizzle-orm'
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import type { LedgerWriter } from '../ledger.js'
import type { Framework, MountConfig, MountStats } from './config.js'

/** One operation request, as the route parsed it. */
export interface OperationInput {
  op: string
  tenant: string | undefined
  delayBeforeMs: number
  delayAfterMs: number
  /** `amount` from a JSON body, if any: echoed so tenants' different bodies give different answers. */
  amount: unknown
}

/** The answer of an executed operation. */
export interface OperationAnswer {
  status: number
  contentType: string
  body: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The framework-neutral route logic of a worker. */
export class Operations {
  constructor(
    private readonly framework: Framework,
    private readonly config: MountConfig,
    private readonly ledger: LedgerWriter,
    readonly stats: MountStats,
    private readonly engine: IdempotencyEngine,
    private readonly db: PostgresJsDatabase | undefined,
  ) {}

  /** The tenant a bearer token acts for (the idempotency scope), or undefined. */
  tenantOf(authorization: string | undefined): string | undefined {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined
    return token === undefined ? undefined : this.config.tenants?.[token]
  }

  /** The `Set-Cookie` every answer carries: a secret that must never be stored. */
  get setCookie(): string {
    return `chaos_sid=${this.config.cookieSecret}; HttpOnly; Path=/`
  }

  /** Run the operation behind the idempotency middleware: side effect first, then the answer. */
  async perform(input: OperationInput): Promise<OperationAnswer> {
    this.stats.inside++
    // When this execution began (right after its claim): tells the fencing check which of two
    // executions claimed last, whatever order their requests were sent in.
    const started = Date.now()
    try {
      if (input.delayBeforeMs > 0) await sleep(input.delayBeforeMs)
      const exec = randomUUID()
      await this.ledger.record(input.op, exec)
      this.stats.executed++
      if (input.delayAfterMs > 0) await sleep(input.delayAfterMs)
      return this.answer(input, exec, started)
    } finally {
      this.stats.inside--
    }
  }

  /**
   * The same operation with transactional completion (`runInTransaction` of store-postgres): the
   * ledger row and the completed record commit together or not at all.
   */
  async performTransactional(key: string | undefined, input: OperationInput): Promise<HttpResponse | OperationAnswer> {
    const db = this.db
    const table = this.config.ledger.kind === 'postgres' ? this.config.ledger.table : undefined
    if (db === undefined || table === undefined || key === undefined) {
      return { status: 400, contentType: 'text/plain', body: 'transactional route needs the postgres store and ledger and a key' }
    }
    this.stats.inside++
    try {
      const answer = await runInTransaction(this.engine, db, key, { op: input.op, amount: input.amount }, async (tx) => {
        if (input.delayBeforeMs > 0) await sleep(input.delayBeforeMs)
        const exec = randomUUID()
        await tx.execute(sql`insert into ${sql.identifier(table)} (op, exec, worker) values (${input.op}, ${exec}, ${process.pid})`)
        this.stats.executed++
        if (input.delayAfterMs > 0) await sleep(input.delayAfterMs)
        return this.answer(input, exec)
      }, input.tenant === undefined ? {} : { scope: input.tenant })
      return answer
    } catch (error) {
      if (!(error instanceof IdempotencyError)) throw error
      switch (error.code) {
        case 'in_flight':
          return problemResponse('in_flight', error.message, { retryAfterMs: (error as IdempotencyError & { retryAfterMs: number }).retryAfterMs })
        case 'fingerprint_mismatch':
        case 'store_unavailable':
        case 'invalid_key':
          return problemResponse(error.code, error.message)
        default:
          throw error
      }
    } finally {
      this.stats.inside--
    }
  }

  private answer(input: OperationInput, exec: string, started = Date.now()): OperationAnswer {
    const body = JSON.stringify({ op: input.op, exec, started, worker: process.pid, framework: this.framework, tenant: input.tenant ?? null, amount: input.amount ?? null })
    return { status: 201, contentType: 'application/json', body }
  }
}

/** A problem document for the app's OWN errors (body parser, 404): `about:blank`, marked as the app's. */
export function appProblem(status: number, detail: string): OperationAnswer {
  return { status, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'App error', status, detail }) }
}

/** Parse a control header as a bounded number of milliseconds. */
export function delayOf(value: string | undefined): number {
  const ms = Number(value ?? 0)
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 60_000) : 0
}

/** `amount` from a JSON text, or undefined for anything else (fuzzed bodies are often not JSON). */
export function amountOf(text: string | undefined): unknown {
  if (text === undefined || text.length === 0 || text.length > 100_000) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === 'object' && parsed !== null && 'amount' in parsed ? (parsed as { amount: unknown }).amount : undefined
  } catch {
    return undefined
  }
}
