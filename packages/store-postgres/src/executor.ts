/**
 * Runs the store's fixed statements through whatever drizzle PostgreSQL database the user passes
 * (postgres.js, node-postgres, PGlite, …), as NAMED prepared statements, and turns each driver's
 * result shape into plain rows.
 *
 * Why prepared, and why through the session rather than `db.execute(sql)`: `db.execute` sends an
 * unnamed statement, and postgres.js (v4) then describes every query with parameters before running
 * it, a second round trip on every call. A named statement is parsed and described once per
 * connection; every later call is a single Bind/Execute round trip. node-postgres and PGlite accept
 * the same named statements. The statement objects are built once per database handle, so a call
 * costs no SQL building and no schema introspection.
 *
 * @module
 */
import { sql, type Query } from 'drizzle-orm'

/**
 * Any drizzle PostgreSQL database or transaction: `drizzle(postgresJsClient)`, `drizzle(pgPool)`,
 * `drizzle(pglite)`, or the `tx` a drizzle transaction callback receives, whatever its schema.
 * Only its session is used (to prepare statements), so the type asks for nothing else.
 */
export interface DrizzlePgDatabase {
  /** drizzle's internals; `_.session` runs the queries. */
  readonly _: {
    readonly session: {
      prepareQuery(
        query: Query,
        fields: undefined,
        name: string | undefined,
        isResponseInArrayMode: boolean,
      ): { execute(placeholderValues?: Record<string, unknown>): Promise<unknown> }
    }
  }
}

/** One row as the drivers return it: column name → driver value. */
export type Row = Record<string, unknown>

/** A statement bound to one database handle, ready to run with positional values. */
export type PreparedStatement = (values: readonly unknown[]) => Promise<Row[]>

/**
 * Prepare `text` (SQL with `$1`…`$n`) on `db` under `name`. The name must identify the text: the same
 * name is never used for two different texts (node-postgres refuses that).
 */
export function prepareStatement(db: DrizzlePgDatabase, name: string, text: string, parameterCount: number): PreparedStatement {
  const names = Array.from({ length: parameterCount }, (_, index) => `p${index + 1}`)
  const prepared = db._.session.prepareQuery(
    { sql: text, params: names.map((placeholder) => sql.placeholder(placeholder)) },
    undefined,
    name,
    false,
  )
  return async (values) => {
    const byName: Record<string, unknown> = {}
    for (const [index, placeholder] of names.entries()) byName[placeholder] = values[index]
    try {
      return rowsOf(await prepared.execute(byName))
    } catch (error) {
      throw unwrap(error)
    }
  }
}

/** postgres.js returns an array of rows; node-postgres and PGlite a result object with `rows`. */
function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[]
  if (typeof result === 'object' && result !== null && Array.isArray((result as { rows?: unknown }).rows)) {
    return (result as { rows: Row[] }).rows
  }
  throw new TypeError('postgres store: the drizzle driver returned an unrecognised result shape')
}

/**
 * drizzle wraps driver errors in `DrizzleQueryError`, whose message embeds the full SQL and every
 * parameter, i.e. users' keys and stored responses would end up in logs. Throw the driver's own error
 * (it carries the PostgreSQL `code` and a short message); the core wraps it as `store_unavailable`.
 */
function unwrap(error: unknown): unknown {
  // Recognised by shape, not `instanceof`: an app may load drizzle's CJS build while we load its ESM one.
  const isDrizzleQueryError =
    error instanceof Error && error.message.startsWith('Failed query:') && 'params' in error && error.cause !== undefined
  return isDrizzleQueryError ? error.cause : error
}

/** Short stable hash of a statement text, to name its prepared statement (FNV-1a, 32 bits). */
export function statementHash(text: string): string {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(36)
}
