/**
 * CPU µs of each step of a protected request, MemoryStore, 1 KB JSON, interleaved in one process:
 * where the HTTP layer's overhead goes (fingerprint, claim and complete, store encoding, replay
 * decoding), next to what the bare framework work costs.
 *
 * Usage (in `bench/`): `node --conditions=@idemkit/source --import tsx src/profile-http-parts.ts [rounds]`
 */
import { MemoryStore, createIdempotency, fingerprint } from '@idemkit/core'
import { decodeStoredResponse, encodeStoredResponse, readRequestBody, replayOf, requestFingerprint } from '@idemkit/core/http'
import { median } from './compare/measure.js'
import { ORDER_RESPONSE, REQUEST_BODY } from './compare/payloads.js'
import { cpuRounds } from './support/cpu-rounds.js'

const rounds = Number(process.argv[2] ?? 5)
const engine = createIdempotency({ store: new MemoryStore({ maxEntries: 2_000_000 }) })
const bodyBytes = new TextEncoder().encode(REQUEST_BODY)
const responseText = JSON.stringify(ORDER_RESPONSE)
const responseBytes = new TextEncoder().encode(responseText)
const headers: Array<[string, string]> = [['content-type', 'application/json; charset=utf-8']]
const stored = encodeStoredResponse(201, headers, responseBytes)
const request = {
  method: 'POST',
  header: (name: string) => (name === 'content-type' ? 'application/json' : undefined),
  route: '/orders',
  readBody: async () => ({ bytes: bodyBytes }),
}
let n = 0
const tasks = new Map<string, () => Promise<unknown>>([
  ['JSON.parse + JSON.stringify 1 KB (bare handler work)', async () => JSON.stringify(JSON.parse(REQUEST_BODY))],
  ['readRequestBody (Request from a string)', async () => readRequestBody(new Request('http://x/orders', { method: 'POST', body: REQUEST_BODY }))],
  ['new Request (baseline of the line above)', async () => new Request('http://x/orders', { method: 'POST', body: REQUEST_BODY })],
  ['requestFingerprint (JSON body: parse, canonicalise, sha256)', async () => requestFingerprint(request, { scope: undefined, headers: [] })],
  ['sha256 of the raw 1 KB body only', async () => fingerprint(bodyBytes)],
  ['engine.begin + complete (new key)', async () => {
    const begun = await engine.begin(`k${n++}`, 'f')
    if (begun.kind === 'execute') await begun.lease.complete(stored)
  }],
  ['engine.begin (replay)', async () => engine.begin('k0', 'f')],
  ['encodeStoredResponse 1 KB', async () => encodeStoredResponse(201, headers, responseBytes)],
  ['decodeStoredResponse + replayOf 1 KB', async () => {
    const decoded = decodeStoredResponse(stored)
    if (decoded.kind === 'response') return replayOf(decoded.response)
  }],
])
const results = await cpuRounds(tasks, { rounds, calls: 5_000, warmup: 2_000 })
console.log('| step | CPU µs (median of rounds) |\n| --- | ---: |')
for (const [name, values] of results) console.log(`| ${name} | ${median(values).toFixed(1)} |`)
