/**
 * The side effect every handler performs, and how the orchestrator counts it: a row in a PostgreSQL
 * ledger table (or an `INCR` in Redis) per execution, keyed by the operation id. Duplicates are
 * counted from this data, never from logs or responses.
 *
 * @module
 */
import { Redis } from 'ioredis'
import postgres from 'postgres'
import type { LedgerConfig } from './worker/config.js'

/** Writes one execution of an operation. */
export interface LedgerWriter {
  record(op: string, exec: string): Promise<void>
  close(): Promise<void>
}

/** Executions per operation id, read back from the ledger. */
export interface LedgerReader {
  /** op → number of executions. */
  counts(): Promise<Map<string, number>>
  /** Drop the table / delete the keys. */
  drop(): Promise<void>
  close(): Promise<void>
}

/** One PostgreSQL ledger row. */
export interface LedgerRow {
  op: string
  exec: string
  at: Date
}

function quote(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(identifier)) throw new Error(`chaos: unsafe identifier ${identifier}`)
  return `"${identifier}"`
}

/** The ledger table's DDL (no unique constraint: a duplicate must be insertable to be counted). */
export function ledgerTableSql(table: string): string {
  return `create table if not exists ${quote(table)} (op text not null, exec text not null, worker int not null, at timestamptz not null default clock_timestamp())`
}

/** The INSERT a handler runs (also inside a transaction, see the transactional route). */
export function ledgerInsertSql(table: string): string {
  return `insert into ${quote(table)} (op, exec, worker) values ($1, $2, $3)`
}

/** The worker's side of the ledger. */
export function openLedgerWriter(config: LedgerConfig): LedgerWriter {
  if (config.kind === 'postgres') {
    const sql = postgres(config.url, { max: 2, onnotice: () => {} })
    const insert = ledgerInsertSql(config.table)
    return {
      async record(op, exec) {
        await sql.unsafe(insert, [op, exec, process.pid])
      },
      async close() {
        await sql.end({ timeout: 1 })
      },
    }
  }
  const client = new Redis(config.url, { maxRetriesPerRequest: 2 })
  return {
    async record(op) {
      await client.incr(config.prefix + op)
    },
    async close() {
      client.disconnect()
    },
  }
}

/** The orchestrator's side: create, count, drop. */
export async function openLedgerReader(
  config: LedgerConfig,
): Promise<LedgerReader & { rows?: () => Promise<LedgerRow[]>; executed?: (op: string) => Promise<boolean> }> {
  if (config.kind === 'postgres') {
    const sql = postgres(config.url, { max: 2, onnotice: () => {} })
    await sql.unsafe(ledgerTableSql(config.table))
    const table = quote(config.table)
    return {
      async counts() {
        const rows = await sql.unsafe<Array<{ op: string; n: number }>>(`select op, count(*)::int as n from ${table} group by op`)
        return new Map(rows.map((row) => [row.op, row.n]))
      },
      async rows() {
        return sql.unsafe<LedgerRow[]>(`select op, exec, at from ${table} order by at`)
      },
      async executed(op: string) {
        return (await sql.unsafe(`select 1 from ${table} where op = $1 limit 1`, [op])).length > 0
      },
      async drop() {
        await sql.unsafe(`drop table if exists ${table}`)
      },
      async close() {
        await sql.end({ timeout: 1 })
      },
    }
  }
  const client = new Redis(config.url, { maxRetriesPerRequest: 2 })
  const keys = async (): Promise<string[]> => {
    const found: string[] = []
    // SCAN instead of KEYS: KEYS blocks the server for every other client while it walks the keyspace.
    let cursor = '0'
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${config.prefix}*`, 'COUNT', 1000)
      cursor = next
      found.push(...batch)
    } while (cursor !== '0')
    return found
  }
  return {
    async counts() {
      const all = await keys()
      const counts = new Map<string, number>()
      for (let i = 0; i < all.length; i += 500) {
        const batch = all.slice(i, i + 500)
        const values = await client.mget(...batch)
        batch.forEach((key, j) => counts.set(key.slice(config.prefix.length), Number(values[j] ?? 0)))
      }
      return counts
    },
    async drop() {
      const all = await keys()
      for (let i = 0; i < all.length; i += 500) await client.del(...all.slice(i, i + 500))
    },
    async close() {
      client.disconnect()
    },
  }
}

/** Σ max(0, n − 1): side effects executed more than once. */
export function duplicatesIn(counts: Map<string, number>): number {
  let duplicates = 0
  for (const n of counts.values()) duplicates += Math.max(0, n - 1)
  return duplicates
}
