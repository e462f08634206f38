/**
 * Cross-process race: WORKERS processes × KEYS keys × DUPLICATES concurrent duplicates each, all on
 * the same keys at the same time. The protected function inserts into a counter table WITHOUT a
 * unique constraint, so only the store can keep it at one row per key: 0 duplicates, 0 lost results,
 * and every caller, in every process, gets the one execution's result.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { drizzle } from 'drizzle-orm/postgres-js'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { assertServerReachable, client, DATABASE_URL, freshTable, uniqueTableName } from './support/database.js'

const WORKERS = 4
const KEYS = 2_000
const DUPLICATES = 8
const WORKER = fileURLToPath(new URL('./workers/race-worker.ts', import.meta.url))

interface WorkerReport {
  workerId: string
  elapsedMs: number
  executions: number
  errors: number
  inFlightRetries: number
  statements: number
  results: Record<string, string[]>
}

const sql = client({ max: 2 })
let table: Awaited<ReturnType<typeof freshTable>>
const counterTable = uniqueTableName('race_counter')

beforeAll(async () => {
  await assertServerReachable()
  table = await freshTable(drizzle(sql), sql, 'race')
  await sql.unsafe(`create table "${counterTable}" (id bigserial primary key, key text not null, executor text not null)`)
})

afterAll(async () => {
  await table?.drop()
  await sql.unsafe(`drop table if exists "${counterTable}"`)
  await sql.end({ timeout: 5 })
})

function startWorker(workerId: number) {
  const child = spawn(
    process.execPath,
    ['--conditions=@idemkit/source', '--import', 'tsx', WORKER, DATABASE_URL, table.name, counterTable, String(KEYS), String(DUPLICATES), String(workerId)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => stdout.includes('ready\n') && resolve())
    child.once('exit', (code) => reject(new Error(`worker ${workerId} exited (${code}) before it was ready: ${stderr}`)))
  })
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'))
      if (code !== 0 || line === undefined) reject(new Error(`worker ${workerId} failed (${code}): ${stderr.slice(0, 2_000)}`))
      else resolve(JSON.parse(line) as WorkerReport)
    })
  })
  return { child, ready, report }
}

test(
  `${WORKERS} processes × ${KEYS} keys × ${DUPLICATES} concurrent duplicates: each side effect happens exactly once`,
  async () => {
    const workers = Array.from({ length: WORKERS }, (_, index) => startWorker(index))
    try {
      await Promise.all(workers.map((worker) => worker.ready))
      for (const worker of workers) worker.child.stdin.end('go\n')
      const reports = await Promise.all(workers.map((worker) => worker.report))

      const [counts] = await sql.unsafe<{ rows: string; keys: string }[]>(
        `select count(*) as rows, count(distinct key) as keys from "${counterTable}"`,
      )
      const duplicates = await sql.unsafe<{ key: string }[]>(`select key from "${counterTable}" group by key having count(*) > 1`)
      const executed = new Map(
        (await sql.unsafe<{ key: string; executor: string }[]>(`select key, executor from "${counterTable}"`)).map((row) => [row.key, row.executor]),
      )

      expect(duplicates).toEqual([])
      expect(Number(counts?.keys)).toBe(KEYS)
      expect(Number(counts?.rows)).toBe(KEYS)
      expect(reports.reduce((sum, report) => sum + report.executions, 0)).toBe(KEYS)
      expect(reports.map((report) => report.errors)).toEqual(reports.map(() => 0))
      // 0 lost results: every caller in every process got exactly the one execution's result.
      let callsWithResult = 0
      for (const report of reports) {
        expect(Object.keys(report.results)).toHaveLength(KEYS)
        for (const [key, executors] of Object.entries(report.results)) {
          expect(executors, key).toEqual([executed.get(key)])
        }
        callsWithResult += Object.keys(report.results).length * DUPLICATES
      }
      expect(callsWithResult).toBe(WORKERS * KEYS * DUPLICATES)

      const slowest = Math.max(...reports.map((report) => report.elapsedMs))
      const statements = reports.reduce((sum, report) => sum + report.statements, 0)
      console.log(
        `race: ${WORKERS}×${KEYS}×${DUPLICATES} = ${WORKERS * KEYS * DUPLICATES} calls in ${(slowest / 1000).toFixed(1)} s; ` +
          `${KEYS} executions, 0 duplicates, 0 lost; ${reports.reduce((sum, report) => sum + report.inFlightRetries, 0)} calls answered 409 in flight and retried; ` +
          `${statements} statements in all (incl. counter inserts)`,
      )
    } finally {
      for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL')
    }
  },
  170_000,
)
