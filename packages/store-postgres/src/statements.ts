/**
 * The SQL of every store operation, one statement each, built once per table. Parameters are
 * positional (`$1`…) and cast explicitly, so every driver (postgres.js, node-postgres, PGlite) can
 * prepare them without guessing types.
 *
 * @module
 */

/** Columns every statement reads back, in record order. */
const RECORD_COLUMNS = 'key, status, fingerprint, token, locked_until, expires_at, result'

/** The SQL text of each store statement for one table. */
export interface Statements {
  /** `$1` key, `$2` fingerprint, `$3` token, `$4` now, `$5` locked_until, `$6` expires_at → one record row. */
  acquire: string
  /** `$1` key, `$2` token, `$3` result bytes, `$4` expires_at → one row when completed. */
  complete: string
  /** `$1` key, `$2` token → one row when released. */
  release: string
  /** `$1` key, `$2` token, `$3` locked_until → one row when extended. */
  extend: string
  /** `$1` key → the record row, if any. */
  get: string
  /** `$1` now, `$2` batch size → one row `{ deleted }`. */
  purge: string
}

/** Quote a PostgreSQL identifier (doubling embedded quotes), so any table or schema name is safe. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `"schema"."name"`, or `"name"` when no schema is given. */
export function qualifiedName(name: string, schema: string | undefined): string {
  return schema === undefined ? quoteIdentifier(name) : `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`
}

/**
 * "Is this row live at `now`?" for a row reference such as `existing` (see `IdempotencyStore` in
 * `@idemkit/core`): an in-progress lease that has not lapsed, or a completed result inside its
 * retention window. Both are strict `>`: at exactly the deadline the record is dead.
 */
function live(row: string, now: string): string {
  return `(CASE ${row}.status WHEN 'in_progress' THEN ${row}.locked_until > ${now} ELSE ${row}.expires_at > ${now} END)`
}

/** Build the statements for the table `qualified` (already quoted, see {@link qualifiedName}). */
export function buildStatements(qualified: string): Statements {
  const now = '$4::bigint'
  const keepIfLive = (column: string, replacement: string): string =>
    `${column} = CASE WHEN ${live('existing', now)} THEN existing.${column} ELSE ${replacement} END`

  /*
   * acquire: claim-or-read in ONE statement (one round trip). Why it is atomic, and why every caller
   * gets exactly one row back, under READ COMMITTED (the default; the statement runs on its own):
   *
   * 1. `visible` reads the key's row from the statement's snapshot and keeps it only if it is live.
   *    This is the common replay / in-flight path: the row committed before we started, so we answer
   *    from it and write NOTHING (no row lock, no new row version, no WAL), and `claim` inserts no row
   *    (`WHERE NOT EXISTS (SELECT 1 FROM visible)`).
   *
   * 2. Otherwise `claim` tries to insert our in-progress row. The primary key serialises every writer
   *    of this key: if another transaction inserted or changed the row concurrently, ON CONFLICT
   *    waits for it to finish and then locks the LATEST committed version, even one committed after
   *    our snapshot was taken and so invisible to step 1 (the classic pitfall: a plain SELECT in the
   *    same statement would return nothing for it, and the loser would get neither "acquired" nor the
   *    record). Every `SET` expression is evaluated on that locked latest version (`existing`):
   *    - not live → the columns take our values: we took over a dead record (lapsed lease, expired
   *      result) and RETURNING shows our token;
   *    - live → every column keeps its value (a no-op update, needed only so RETURNING hands the
   *      winner's row to us in this same statement).
   *    Because the row is locked while the CASE is evaluated, two takeovers of one dead record cannot
   *    both see it dead: the second waits for the first, re-checks the new version, finds it live.
   *    If the row was deleted meanwhile (a release), ON CONFLICT retries the insert, which succeeds.
   *
   * 3. Exactly one of `claim` and `visible` yields a row, so the statement returns exactly one row;
   *    the caller acquired the key iff that row carries the caller's fresh random token.
   *
   * Under REPEATABLE READ or SERIALIZABLE (e.g. `default_transaction_isolation` set on the role), step
   * 2 raises a serialization failure instead of waiting: the call fails as `store_unavailable` and a
   * client retry succeeds; correctness is unaffected.
   */
  const acquire = `WITH visible AS (
  SELECT ${RECORD_COLUMNS} FROM ${qualified} AS existing
  WHERE existing.key = $1::text AND ${live('existing', now)}
), claim AS (
  INSERT INTO ${qualified} AS existing (${RECORD_COLUMNS})
  SELECT $1::text, 'in_progress', $2::text, $3::text, $5::bigint, $6::bigint, NULL
  WHERE NOT EXISTS (SELECT 1 FROM visible)
  ON CONFLICT (key) DO UPDATE SET
    ${keepIfLive('status', 'excluded.status')},
    ${keepIfLive('fingerprint', 'excluded.fingerprint')},
    ${keepIfLive('token', 'excluded.token')},
    ${keepIfLive('locked_until', 'excluded.locked_until')},
    ${keepIfLive('expires_at', 'excluded.expires_at')},
    ${keepIfLive('result', 'NULL')}
  RETURNING ${RECORD_COLUMNS}
)
SELECT ${RECORD_COLUMNS} FROM claim
UNION ALL
SELECT ${RECORD_COLUMNS} FROM visible`

  // Fenced by token AND status: only the in-progress record this caller owns can be completed, so a
  // stale worker (lease taken over) or a second completion changes nothing.
  const complete = `UPDATE ${qualified}
SET status = 'completed', result = $3::bytea, expires_at = $4::bigint
WHERE key = $1::text AND token = $2::text AND status = 'in_progress'
RETURNING 1 AS done`

  // Also fenced by status: release exists to free an in-progress key for a retry. Refusing to delete
  // a COMPLETED record means a release sent after a commit whose outcome was unknown (connection lost
  // during COMMIT of `runInTransaction`) can never erase a result that did commit, which would let the
  // retry execute the side effect a second time.
  const release = `DELETE FROM ${qualified}
WHERE key = $1::text AND token = $2::text AND status = 'in_progress'
RETURNING 1 AS done`

  // expires_at follows the lease so `purgeExpired` (which deletes by expires_at) can never collect a
  // record whose lease was extended past its original retention deadline.
  const extend = `UPDATE ${qualified}
SET locked_until = $3::bigint, expires_at = GREATEST(expires_at, $3::bigint)
WHERE key = $1::text AND token = $2::text AND status = 'in_progress'
RETURNING 1 AS done`

  const get = `SELECT ${RECORD_COLUMNS} FROM ${qualified} WHERE key = $1::text`

  // One bounded batch: the expires_at index finds the candidates in order (the liveness filter only
  // skips the rare in-progress row whose lease outlives its expires_at, so a batch stays full); SKIP
  // LOCKED leaves rows a claim is changing right now alone; the DELETE re-checks liveness on the
  // locked row, so a record that became live again is never deleted.
  const purge = `WITH doomed AS (
  SELECT key FROM ${qualified} AS existing
  WHERE existing.expires_at <= $1::bigint AND NOT ${live('existing', '$1::bigint')}
  ORDER BY existing.expires_at
  LIMIT $2::integer
  FOR UPDATE SKIP LOCKED
), deleted AS (
  DELETE FROM ${qualified} AS existing
  USING doomed
  WHERE existing.key = doomed.key AND NOT ${live('existing', '$1::bigint')}
  RETURNING 1
)
SELECT count(*)::integer AS deleted FROM deleted`

  return { acquire, complete, release, extend, get, purge }
}
