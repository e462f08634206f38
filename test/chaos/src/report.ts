/**
 * The report: one table (scenario × store → figure), printed and written as docs/reliability.md
 * with the machine, the date and the sizes it was measured with.
 *
 * @module
 */
import os from 'node:os'
import { passed, type Row } from './scenario.js'
import type { Sizes } from './sizes.js'

/** The markdown table of `rows`. */
export function table(rows: readonly Row[]): string {
  const lines = ['| scenario | store / adapter | figure | zeros hold |', '| --- | --- | --- | --- |']
  for (const row of rows) {
    const failed = row.checks.filter((check) => check.value > check.max)
    const verdict = failed.length === 0 ? 'yes' : `**NO**: ${failed.map((check) => `${check.name} ${check.value} (max ${check.max})`).join('; ')}`
    lines.push(`| ${row.scenario} | ${row.store} | ${row.figure.replaceAll('|', '\\|')} | ${verdict} |`)
  }
  return lines.join('\n')
}

/** One line describing the machine. */
export function machine(): string {
  const cpus = os.cpus()
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`
}

/** The whole docs/reliability.md page. */
export function reliabilityPage(rows: readonly Row[], sizes: Sizes, startedAt: Date, elapsedMs: number, note?: string): string {
  const allPassed = rows.every(passed)
  return `# Reliability

What we test to back the promise: for one key, within its retention window, the side effect happens
at most once per lease, retries get the first result byte for byte, and a different request with the
same key is rejected, whichever process, framework or store serves the retry.

## How it is checked

- **The store conformance suite** (\`@idemkit/store-conformance\`), run by every store against a real
  server: atomic claims under N-way races, what losers see, expiry and lease takeover with a driven
  clock, fencing of \`complete\`, \`release\` and \`extend\`, exact round trips of results. See
  [Writing a custom store](./stores/custom).
- **Property tests** (fast-check) of the state machine, canonical JSON and fingerprints.
- **HTTP tests** of every status and header in [HTTP semantics](./http), for each adapter.
- **The chaos suite** (\`test/chaos\`, below): the whole system attacked the way production is.

## The chaos suite

Real worker processes (Express via \`@idemkit/adapter-express\` and Hono on \`@hono/node-server\` via
\`@idemkit/adapter-hono\`, alternating) serve one operation route protected by idemkit, with the
store under test. Every handler performs a **real side effect**: a row in a PostgreSQL ledger table
keyed by the operation id (an \`INCR\` in Redis for the Redis-only runs), so duplicates are counted
**from the data**, not from logs. A load client sends logical operations the way a mobile client
does: concurrent duplicates, retries after a client-side timeout, retries after an answer arrived.
Faults come from a TCP proxy of our own between the workers and the store (added latency, dropped
connections, a full cut), from \`SIGKILL\`, and from a fuzzer.

\`pnpm test:chaos\` runs the full size below and regenerates this page; \`pnpm test\` runs the same
scenarios in a reduced size (\`pnpm --filter @idemkit/chaos test\`) and fails on any non-zero.

- **Measured:** ${startedAt.toISOString()} on ${machine()}, shared with other jobs; the run took ${Math.round(elapsedMs / 60_000)} min.${note === undefined ? '' : ` ${note}`}
- **Sizes (${sizes.name}):** storm ${sizes.storm.ops} ops × ${sizes.storm.duplicates} duplicates over ${sizes.storm.workers} workers;
  crash ${sizes.crash.ops} ops inside handlers; fencing ${sizes.fencing.takeovers} takeovers; outage cut ${sizes.outage.cutMs / 1000} s
  with ${sizes.outage.clients} clients; slow store +${sizes.slow.latencyMs} ms on ${sizes.slow.ops} ops; hostile input ${sizes.hostile.requests}
  requests; tenants ${sizes.tenants.keys} shared keys; soak ${sizes.soak.ms / 60_000} min at ~${sizes.soak.rate} req/s.
- **All zeros hold:** ${allPassed ? 'yes' : '**no** (see the last column)'}.

${table(rows)}

### Reading the figures

- *Duplicates executed* counts ledger entries beyond the first per operation.
- *Crash*: a plain handler whose side effect committed but whose result was not yet stored is executed
  again after the lease lapses: that is the documented **at most once per lease** boundary.
  \`runInTransaction\` (store-postgres) closes it: the ledger row and the stored result commit
  together, so every operation has exactly one row.
- *Fencing*: a stale owner (lease lapsed, heartbeat off) finishing after a takeover must not
  overwrite the new owner's record; the replay after both finished must return the new owner's answer.
- *Outage*: "during the cut" are requests that started after the cut and ended before the restore;
  "hanging" are requests slower than 3 store timeouts plus the handler time.
- *Hostile input*: a "documented rejection" is idemkit's \`application/problem+json\` with a
  \`https://idemkit.dev/problems/…\` type, or the app's own \`about:blank\` problem (body parser, 404).
`
}
