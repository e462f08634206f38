/**
 * Scenario 6, hostile input: fuzzed requests (fast-check) against an Express and a Hono worker:
 * keys valid and not (quoted, too long, empty, non-ASCII, control characters, several differing
 * values on duplicated header lines), bodies of every content type (valid and broken JSON, invalid
 * UTF-8, forms, multipart, binary), plus 10 MB bodies and slow-loris bodies. Nothing may crash a
 * worker, nothing may answer an unexpected 5xx, and every rejection must be a documented problem
 * document. Where the answer is certain from the key alone, it is checked too (an oracle).
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { forEachConcurrent, isSuccess, send, type Attempt } from '../http-client.js'
import { openLedgerReader } from '../ledger.js'
import { rawRequest } from '../raw-http.js'
import { n, type Row, type ScenarioContext } from '../scenario.js'
import { ledgerConfig, openTarget } from '../targets.js'
import { APP_ERROR_HEADER } from '../worker/config.js'
import { mount, type Mounted, type Worker } from '../workers.js'

/** Every `type` idemkit documents (packages/core/src/http/problem.ts), with its status. */
const DOCUMENTED: Record<string, number> = {
  invalid_key: 400,
  missing_key: 400,
  in_flight: 409,
  fingerprint_mismatch: 422,
  response_too_large: 409,
}
const PROBLEM_BASE = 'https://idemkit.dev/problems/'

type KeyCase = 'valid' | 'quoted' | 'dup-same' | 'dup-different' | 'too-long' | 'empty' | 'non-ascii' | 'control' | 'none'

/** One fuzzed request. */
interface Fuzzed {
  method: string
  path: string
  keyCase: KeyCase
  keys: string[]
  contentType: string | undefined
  body: Buffer
  /** The body is JSON-typed but not valid JSON (Express' parser rejects it before idemkit sees it). */
  brokenJson: boolean
}

const token = fc.stringMatching(/^[A-Za-z0-9_.~-]{1,64}$/)
/** A small shared pool so keys are reused: replays, 409s and 422 mismatches happen too. */
const pooledKey = fc.integer({ min: 0, max: 199 }).map((i) => `pool-${i}`)

const keyArbitrary: fc.Arbitrary<{ keyCase: KeyCase; keys: string[] }> = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(token, pooledKey).map((k) => ({ keyCase: 'valid' as const, keys: [k] })) },
  { weight: 2, arbitrary: fc.oneof(token, pooledKey).map((k) => ({ keyCase: 'quoted' as const, keys: [`"${k}"`] })) },
  { weight: 1, arbitrary: token.map((k) => ({ keyCase: 'dup-same' as const, keys: [k, k] })) },
  { weight: 1, arbitrary: fc.tuple(token, token).filter(([a, b]) => a !== b).map(([a, b]) => ({ keyCase: 'dup-different' as const, keys: [a, b] })) },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 2_000 }).map((length) => ({ keyCase: 'too-long' as const, keys: ['k'.repeat(length)] })) },
  { weight: 1, arbitrary: fc.constant(null).map(() => ({ keyCase: 'empty' as const, keys: [''] })) },
  { weight: 1, arbitrary: fc.tuple(token, fc.constantFrom('é', 'ü', '\u00a0', 'ÿ')).map(([k, c]) => ({ keyCase: 'non-ascii' as const, keys: [`${k}${c}`] })) },
  { weight: 1, arbitrary: fc.tuple(token, fc.constantFrom('\u0001', '\u0000', '\u001b', '\u007f', '\r')).map(([k, c]) => ({ keyCase: 'control' as const, keys: [`${k}${c}x`] })) },
  { weight: 1, arbitrary: fc.constant(null).map(() => ({ keyCase: 'none' as const, keys: [] as string[] })) },
)

const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xa0, 0xa1], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0xbc], [0xed, 0xa0, 0x80]]

const bodyArbitrary: fc.Arbitrary<{ contentType: string | undefined; body: Buffer; brokenJson: boolean }> = fc.oneof(
  fc.record({ amount: fc.integer(), note: fc.string({ unit: 'grapheme', maxLength: 40 }) }).map((value) => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(value)), brokenJson: false })),
  // express.json() is strict: a top-level primitive (`null`, `3`) is refused by the app's parser first.
  fc.json({ maxDepth: 3 }).map((text) => ({ contentType: 'application/json; charset=utf-8', body: Buffer.from(text), brokenJson: !/^\s*[[{]/.test(text) })),
  fc.string({ maxLength: 60 }).filter((text) => !isJson(text)).map((text) => ({ contentType: 'application/json', body: Buffer.from(text), brokenJson: true })),
  fc.tuple(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...INVALID_UTF8)).map(([text, bad]) => ({
    contentType: 'application/json',
    body: Buffer.concat([Buffer.from(`{"amount":1,"note":"${text.replace(/["\\]/g, '')}`), Buffer.from(bad), Buffer.from('"}')]),
    brokenJson: true,
  })),
  fc.tuple(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom(...INVALID_UTF8), fc.constantFrom('text/plain; charset=utf-8', undefined, 'text/plain; charset=iso-8859-1')).map(([text, bad, contentType]) => ({
    contentType,
    body: Buffer.concat([Buffer.from(text), Buffer.from(bad)]),
    brokenJson: false,
  })),
  fc.string({ maxLength: 80 }).map((text) => ({ contentType: 'application/x-www-form-urlencoded', body: Buffer.from(`a=1&b=${text}&c=%ZZ&d`), brokenJson: false })),
  fc.string({ maxLength: 80 }).map((text) => ({
    contentType: 'multipart/form-data; boundary=XyZ',
    body: Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="f"\r\n\r\n${text}\r\n--XyZ--\r\n`),
    brokenJson: false,
  })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ contentType: 'application/octet-stream', body: Buffer.from(bytes), brokenJson: false })),
  fc.constantFrom('image/png', 'garbage', 'application/problem+json', undefined).map((contentType) => ({ contentType, body: Buffer.alloc(0), brokenJson: false })),
)

const fuzzedArbitrary: fc.Arbitrary<Fuzzed> = fc
  .record({
    method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'PATCH', 'PUT', 'GET'),
    path: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', 'd').map((id) => `/ops/${id}`) },
      { weight: 1, arbitrary: fc.constantFrom('/ops/%ZZ', '/ops/%E2%28', '/nope', '/ops/', '/ops/a%2Fb', '/ops/x?y=1&y=2') },
    ),
    key: keyArbitrary,
    body: bodyArbitrary,
  })
  .map(({ method, path, key, body }) => ({ method, path, keyCase: key.keyCase, keys: key.keys, ...body }))

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Counters of the fuzz run. */
interface Tally {
  requests: number
  succeeded: number
  documented: number
  appRejections: number
  parserRejections: number
  /** Parser rejections seen as a connection reset instead of the 400 (see classify). */
  parserResets: number
  unexpected5xx: number
  undocumented: number
  oracleMismatches: number
  dropped: number
  samples: string[]
}

/** What an answer is. */
function classify(request: Fuzzed | undefined, attempt: Attempt, tally: Tally): void {
  tally.requests++
  const note = (what: string) => {
    if (tally.samples.length < 8) tally.samples.push(`${what}: ${request === undefined ? 'special' : `${request.method} ${request.path} key=${request.keyCase} ct=${request.contentType}`} → ${attempt.kind === 'answer' ? `${attempt.status} ${attempt.body.subarray(0, 160).toString()}` : attempt.message}`)
  }
  if (attempt.kind !== 'answer' && request?.keyCase === 'control' && /ECONNRESET|EPIPE/.test(attempt.message)) {
    // Node's parser rejects the header before any app code runs and closes with the body unread;
    // the reset that follows can destroy its 400 before the client reads it.
    tally.parserRejections++
    tally.parserResets++
    return
  }
  if (attempt.kind !== 'answer') {
    tally.dropped++
    note('no answer')
    return
  }
  const contentType = String(attempt.headers['content-type'] ?? '')
  let type: string | undefined
  if (contentType.startsWith('application/problem+json')) {
    try {
      type = (JSON.parse(attempt.body.toString('utf8')) as { type?: string }).type
    } catch {
      type = undefined
    }
  }
  const code = type?.startsWith(PROBLEM_BASE) ? type.slice(PROBLEM_BASE.length) : undefined
  if (isSuccess(attempt)) tally.succeeded++
  else if (attempt.status >= 500) {
    tally.unexpected5xx++
    note('5xx')
  } else if (code !== undefined && DOCUMENTED[code] === attempt.status) tally.documented++
  else if (type === 'about:blank' && attempt.headers[APP_ERROR_HEADER] === '1') tally.appRejections++
  else if (attempt.status === 400 && attempt.body.length === 0 && request?.keyCase === 'control') tally.parserRejections++
  else {
    tally.undocumented++
    note('undocumented')
  }
  // The oracle: only for protected requests whose body reaches idemkit.
  if (request === undefined || request.method !== 'POST' || !/^\/ops\/[abcd]$/.test(request.path) || request.brokenJson) return
  const expected: Record<KeyCase, (c: string | undefined) => boolean> = {
    valid: (c) => c !== 'invalid_key' && c !== 'missing_key',
    quoted: (c) => c !== 'invalid_key' && c !== 'missing_key',
    'dup-same': (c) => c !== 'invalid_key' && c !== 'missing_key',
    'dup-different': (c) => c === 'invalid_key',
    'too-long': (c) => c === 'invalid_key',
    empty: (c) => c === 'invalid_key',
    'non-ascii': (c) => c === 'invalid_key',
    control: (c) => c === undefined, // Node's HTTP parser answers 400 before any app code runs
    none: (c) => c === 'missing_key',
  }
  if (!expected[request.keyCase](code)) {
    tally.oracleMismatches++
    note(`oracle (${request.keyCase})`)
  }
}

function headOf(site: Mounted, request: Fuzzed, port: number): Buffer {
  const lines = [`${request.method} /m/${site.name}${request.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Content-Length: ${request.body.length}`]
  if (request.contentType !== undefined) lines.push(`Content-Type: ${request.contentType}`)
  for (const key of request.keys) lines.push(`Idempotency-Key: ${key}`)
  return Buffer.from(lines.join('\r\n'), 'latin1')
}

function sendFuzzed(site: Mounted, worker: Worker, request: Fuzzed): Promise<Attempt> {
  if (request.keyCase === 'control') return rawRequest(worker.port, headOf(site, request, worker.port), request.body, { timeoutMs: 15_000 })
  const headers: Record<string, string | string[]> = {}
  if (request.contentType !== undefined) headers['content-type'] = request.contentType
  if (request.keys.length === 1) headers['idempotency-key'] = request.keys[0] as string
  else if (request.keys.length > 1) headers['idempotency-key'] = request.keys
  return send(worker.url, { method: request.method, path: `/m/${site.name}${request.path}`, headers, body: request.body, timeoutMs: 15_000 })
}

/** Run the fuzzer against an Express and a Hono worker on Redis. */
export async function hostileInput(context: ScenarioContext): Promise<Row> {
  const { requests, bigBodies, slowLoris, concurrency } = context.sizes.hostile
  const target = await openTarget('redis', context.servers)
  const ledgerSettings = ledgerConfig('redis')
  const site = await mount(context.pool.slice(0, 2), { store: target.config, ledger: ledgerSettings, cookieSecret: context.cookieSecret })
  const workers = site.workers
  const tally: Tally = { requests: 0, succeeded: 0, documented: 0, appRejections: 0, parserRejections: 0, parserResets: 0, unexpected5xx: 0, undocumented: 0, oracleMismatches: 0, dropped: 0, samples: [] }
  const started = Date.now()
  try {
    // Generated in batches so 100,000 requests never sit in memory at once.
    const batch = 5_000
    for (let offset = 0; offset < requests; offset += batch) {
      const size = Math.min(batch, requests - offset)
      const fuzzed = fc.sample(fuzzedArbitrary, { numRuns: size, seed: 0x1de + offset })
      await forEachConcurrent(fuzzed, concurrency, async (request, i) => classify(request, await sendFuzzed(site, workers[(offset + i) % 2] as Worker, request), tally))
    }
    // 10 MB bodies, JSON and binary, each with a fresh key: must execute.
    const big = Array.from({ length: bigBodies }, (_, i) => i)
    await forEachConcurrent(big, 2, async (i) => {
      const json = i % 2 === 0
      const body = json ? Buffer.from(JSON.stringify({ amount: i, pad: 'x'.repeat(10 * 1024 * 1024) })) : Buffer.alloc(10 * 1024 * 1024, i)
      const answer = await send((workers[i % 2] as Worker).url, {
        path: site.path(`big-${i}`),
        headers: { 'content-type': json ? 'application/json' : 'application/octet-stream', 'idempotency-key': `big-${randomUUID()}` },
        body,
        timeoutMs: 60_000,
      })
      classify(undefined, answer, tally)
      if (!isSuccess(answer)) tally.samples.push(`10 MB body not executed: ${answer.kind === 'answer' ? answer.status : answer.message}`)
    })
    // Slow-loris: bodies dripped 10 bytes per 250 ms; half are abandoned mid-body.
    let slowAnswered = 0
    await Promise.all(
      Array.from({ length: slowLoris }, async (_, i) => {
        const worker = workers[i % 2] as Worker
        const body = Buffer.from(JSON.stringify({ amount: i, note: 'drip'.repeat(20) }))
        const request: Fuzzed = { method: 'POST', path: `/ops/loris-${i}`, keyCase: 'valid', keys: [`loris-${randomUUID()}`], contentType: 'application/json', body, brokenJson: false }
        const abandon = i % 2 === 1
        const answer = await rawRequest(worker.port, headOf(site, request, worker.port), body, {
          timeoutMs: 60_000,
          drip: { bytes: 10, everyMs: 250, ...(abandon ? { abortAfter: 40 } : {}) },
        })
        if (!abandon) {
          classify(request, answer, tally)
          if (isSuccess(answer)) slowAnswered++
        }
      }),
    )
    // Still serving after all that?
    for (const worker of workers) {
      const probe = await send(worker.url, { path: site.path('probe'), headers: { 'content-type': 'application/json', 'idempotency-key': `probe-${randomUUID()}` }, body: '{"amount":1}', timeoutMs: 15_000 })
      if (!isSuccess(probe)) tally.samples.push(`probe after fuzzing failed on ${worker.framework}`)
      classify(undefined, probe, tally)
    }
    const crashed = workers.filter((worker) => worker.crashed).length
    for (const sample of tally.samples) context.log(`  sample: ${sample}`)
    context.log(
      `hostile: ${n(tally.requests)} requests in ${((Date.now() - started) / 1000).toFixed(0)} s: ${n(tally.succeeded)} 2xx, ${n(tally.documented)} idemkit problems, ` +
        `${n(tally.appRejections)} app problems, ${n(tally.parserRejections)} Node parser 400s; slow-loris completed ${slowAnswered}`,
    )
    return {
      scenario: '6. Hostile input',
      store: 'Redis (Express + Hono)',
      figure:
        `${n(tally.requests)} fuzzed requests (incl. ${bigBodies} × 10 MB, ${slowLoris} slow-loris): crashes **${crashed}**, unexpected 5xx **${tally.unexpected5xx}**, ` +
        `undocumented rejections **${tally.undocumented}**, key-oracle mismatches ${tally.oracleMismatches}, dropped ${tally.dropped}; ` +
        `${n(tally.documented)} idemkit problem+json, ${n(tally.appRejections)} app problem+json, ${n(tally.parserRejections)} Node parser 400s (${n(tally.parserResets)} of them seen as a reset), ${n(tally.succeeded)} 2xx`,
      checks: [
        { name: 'crashed workers', value: crashed, max: 0 },
        { name: 'unexpected 5xx', value: tally.unexpected5xx, max: 0 },
        { name: 'undocumented rejections', value: tally.undocumented, max: 0 },
        { name: 'key-oracle mismatches', value: tally.oracleMismatches, max: 0 },
        { name: 'requests without an answer', value: tally.dropped, max: 0 },
      ],
    }
  } finally {
    await site.unmount()
    const ledger = await openLedgerReader(ledgerSettings)
    await ledger.drop()
    await ledger.close()
    await target.close()
  }
}
