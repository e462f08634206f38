/**
 * The HTTP behaviour suite (DESIGN.md §6), written once. Each integration's test file runs it with
 * its harness; every test builds its own app on a fresh, namespaced store.
 */
import { PROBLEM_TYPE_BASE } from '@idemkit/core/http'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { freshKey, gate, init, receive, send, stableHeaders, type Received } from './client.js'
import type { HandlerInput, HttpHarness, Reply, RunningApp, SuiteOptions, SuiteRoute } from './harness.js'
import { hangingStore, refusingStore, type SuiteStore } from './stores.js'

/** Run the whole suite for `harness` on each of `stores`. */
export function runHttpSuite(harness: HttpHarness, stores: Array<SuiteStore & { connect?(): Promise<void> }>): void {
  for (const store of stores) {
    describe(`${harness.name} on ${store.name}`, () => {
      beforeAll(async () => {
        await store.connect?.()
      })
      afterAll(async () => {
        await store.cleanup()
      })
      defineTests(harness, store)
    })
  }
}

function defineTests(harness: HttpHarness, store: SuiteStore): void {
  const running: RunningApp[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()))
  })

  /** Start an app whose routes count their executions. */
  async function start(routes: SuiteRoute[], options: Partial<SuiteOptions> = {}): Promise<RunningApp> {
    const full = { store: store.create(), scope: (req: never) => harness.requestHeader(req, 'x-tenant'), ...options } as SuiteOptions
    const app = await harness.start(routes, full)
    running.push(app)
    return app
  }

  /** One POST route at `path` answering `reply`, with its execution count. */
  function counted(path: string, reply: (input: HandlerInput, n: number) => Reply | Promise<Reply>, method: SuiteRoute['method'] = 'POST') {
    const route = { calls: 0, inputs: [] as HandlerInput[] } as SuiteRoute & { calls: number; inputs: HandlerInput[] }
    route.method = method
    route.path = path
    route.handler = (input) => {
      route.calls++
      route.inputs.push(input)
      return reply(input, route.calls)
    }
    return route
  }

  function expectProblem(received: Received, status: number, code: string): Record<string, unknown> {
    expect(received.status).toBe(status)
    expect(received.headers.get('content-type')).toBe('application/problem+json')
    const document = received.json() as Record<string, unknown>
    expect(document).toMatchObject({ type: PROBLEM_TYPE_BASE + code, status })
    expect(typeof document.title).toBe('string')
    expect(typeof document.detail).toBe('string')
    return document
  }

  function expectReplayOf(replay: Received, first: Received): void {
    expect(replay.status).toBe(first.status)
    expect(Buffer.from(replay.bytes).equals(Buffer.from(first.bytes))).toBe(true)
    expect(stableHeaders(replay.headers)).toEqual(stableHeaders(first.headers))
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    if (replay.status !== 204 && replay.status !== 304) {
      expect(replay.headers.get('content-length')).toBe(String(replay.bytes.length))
    }
  }

  const payment = { amount: 1000, currency: 'EUR', customer: 'cus_1' }
  const created = (n: number): Reply => ({ type: 'json', status: 201, value: { id: `pay_${n}`, ...payment } })

  describe('the key header', () => {
    test('a request without a key passes through unprotected (runs every time, never marked replayed)', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route])
      const first = await send(app, '/payments', { body: JSON.stringify(payment), contentType: 'application/json' })
      const second = await send(app, '/payments', { body: JSON.stringify(payment), contentType: 'application/json' })
      expect([first.status, second.status]).toEqual([201, 201])
      expect(route.calls).toBe(2)
      expect(second.headers.get('idempotent-replayed')).toBeNull()
    })

    test('required: a missing key is a 400 missing_key problem and the handler does not run', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route], { required: true })
      expectProblem(await send(app, '/payments', { body: '{}', contentType: 'application/json' }), 400, 'missing_key')
      expect(route.calls).toBe(0)
    })

    const invalid: Array<[string, string]> = [
      ['empty', ''],
      ['256 characters', 'a'.repeat(256)],
      ['an empty sf-string', '""'],
      ['an unterminated sf-string', '"abc'],
      ['an sf-string with parameters', '"abc";v=1'],
      ['a bad escape', '"a\\nb"'],
      ['two different values', 'abc, abd'],
      ['a stray quote', 'ab"c'],
      ['an empty list member', 'abc,'],
    ]
    if (harness.rawHeaderValues) {
      invalid.push(['a control character', 'a\tb'], ['non-ASCII', 'caf\u00e9'], ['non-ASCII in an sf-string', '"caf\u00e9"'])
    }
    test.each(invalid)('%s → 400 invalid_key, handler not run', async (_, value) => {
      const route = counted('/payments', (_input, n) => created(n))
      const app = await start([route])
      expectProblem(await send(app, '/payments', { body: '{}', contentType: 'application/json', headers: { 'idempotency-key': value } }), 400, 'invalid_key')
      expect(route.calls).toBe(0)
    })

    test('repeated header lines with different keys → 400', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route])
      const headers = new Headers()
      headers.append('idempotency-key', 'first')
      headers.append('idempotency-key', 'second')
      expectProblem(await receive(await app.fetch('/payments', { method: 'POST', headers, body: '{}' })), 400, 'invalid_key')
      expect(route.calls).toBe(0)
    })

    test('identical repeats, quoted or bare, are one key; sf-string escapes are unquoted', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route])
      const body = { body: JSON.stringify(payment), contentType: 'application/json' }
      const first = await send(app, '/payments', { ...body, headers: { 'idempotency-key': 'same-key, "same-key"' } })
      const replay = await send(app, '/payments', { ...body, key: 'same-key' })
      expect(first.status).toBe(201)
      expectReplayOf(replay, first)
      const escaped = await send(app, '/payments', { ...body, headers: { 'idempotency-key': '"a\\"b\\\\c"' } })
      const escapedReplay = await send(app, '/payments', { ...body, headers: { 'idempotency-key': '"a\\"b\\\\c"' } })
      expect(escaped.status).toBe(201)
      expectReplayOf(escapedReplay, escaped)
      expect(route.calls).toBe(2)
    })

    test('a 255-character key is accepted; a custom header name is honoured', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route], { header: 'X-Request-Key' })
      const key = 'k'.repeat(255)
      const first = await send(app, '/payments', { body: '{}', contentType: 'application/json', headers: { 'x-request-key': key } })
      const replay = await send(app, '/payments', { body: '{}', contentType: 'application/json', headers: { 'x-request-key': key } })
      expectReplayOf(replay, first)
      expect(route.calls).toBe(1)
    })
  })

  describe('replay', () => {
    test('the first request executes; a retry gets the same status, headers and bytes, marked Idempotent-Replayed', async () => {
      const route = counted('/payments', (_, n) => ({ type: 'json', status: 201, value: { id: `pay_${n}` }, headers: { 'x-request-id': `req_${n}`, location: `/payments/pay_${n}` } }))
      const app = await start([route])
      const key = freshKey()
      const first = await send(app, '/payments', { key, body: JSON.stringify(payment), contentType: 'application/json' })
      const replay = await send(app, '/payments', { key, body: JSON.stringify(payment), contentType: 'application/json' })
      expect(first.status).toBe(201)
      expect(first.json()).toEqual({ id: 'pay_1' })
      expect(first.headers.get('x-request-id')).toBe('req_1')
      expectReplayOf(replay, first)
      expect(route.calls).toBe(1)
    })

    const replies: Array<[string, Reply]> = [
      ['text', { type: 'text', status: 200, text: 'ok: ünïcödé ✓' }],
      ['binary (invalid UTF-8)', { type: 'bytes', status: 200, bytes: new Uint8Array([0, 0xff, 0xfe, 0x80, 10, 13, 0xc3]), contentType: 'application/octet-stream' }],
      ['UTF-8 with a BOM', { type: 'bytes', status: 200, bytes: new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]), contentType: 'text/plain; charset=utf-8' }],
      ['a stream of chunks', { type: 'stream', status: 200, chunks: ['alpha,', 'beta,', 'gamma'], contentType: 'text/csv' }],
      ['a stream of non-ASCII text chunks', { type: 'stream', status: 200, chunks: ['ünï', 'cödé ✓', '😀'], contentType: 'text/plain; charset=utf-8' }],
      // Each chunk is encoded on its own (a lone surrogate goes out as U+FFFD): the replay must
      // repeat those bytes, not the character the two halves would make together.
      ['a surrogate pair split across two chunks', { type: 'stream', status: 200, chunks: ['a\ud83d', '\ude00b'], contentType: 'text/plain; charset=utf-8' }],
      ['text with a lone surrogate', { type: 'text', status: 200, text: 'x\ud800y' }],
      ['a redirect', { type: 'redirect', location: '/payments/pay_1' }],
      ['204 with no body', { type: 'empty', status: 204 }],
      ['201 with no body', { type: 'empty', status: 201 }],
      ['a stored 4xx (402)', { type: 'json', status: 402, value: { error: 'card_declined' } }],
      ...harness.nativeResponders.map((name): [string, Reply] => [`native: ${name}`, { type: 'native', name }]),
    ]
    test.each(replies)('%s is replayed byte for byte', async (_, reply) => {
      const route = counted('/payments', () => reply)
      const app = await start([route])
      const key = freshKey()
      const first = await send(app, '/payments', { key, body: 'x', contentType: 'text/plain' })
      const replay = await send(app, '/payments', { key, body: 'x', contentType: 'text/plain' })
      expect(first.status).toBeLessThan(500)
      expectReplayOf(replay, first)
      expect(route.calls).toBe(1)
    })

    test('Set-Cookie is never replayed (nor Date); other headers are', async () => {
      const route = counted('/payments', () => ({ type: 'json', status: 201, value: { ok: true }, headers: { 'set-cookie': 'session=secret; HttpOnly', 'x-kept': 'yes' } }))
      const app = await start([route])
      const key = freshKey()
      const first = await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      const replay = await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      expect(first.headers.get('set-cookie')).toContain('session=secret')
      expect(replay.headers.get('set-cookie')).toBeNull()
      expect(replay.headers.get('x-kept')).toBe('yes')
      expectReplayOf(replay, first)
    })

    test('the handler still reads the body the client sent', async () => {
      const route = counted('/payments', (input) => ({ type: 'text', status: 200, text: input.body }))
      const app = await start([route])
      const sent = { b: [1, 2, { c: 'ü' }], a: 'x' }
      const first = await send(app, '/payments', { key: freshKey(), body: JSON.stringify(sent), contentType: 'application/json' })
      expect(JSON.parse(first.text)).toEqual(sent)
    })

    test('a streamed response is teed: the first chunk reaches the client before the handler finishes', async () => {
      const hold = gate()
      const route = counted('/export', () => ({ type: 'stream', status: 200, chunks: ['first;', 'second;', 'third'], contentType: 'text/plain', between: () => hold.promise }))
      const app = await start([route])
      const key = freshKey()
      const response = await app.fetch('/export', init({ key, body: 'x', contentType: 'text/plain' }))
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      const firstChunk = await reader.read()
      expect(new TextDecoder().decode(firstChunk.value)).toBe('first;')
      hold.open()
      let rest = ''
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value)
      expect(rest).toBe('second;third')
      const replay = await send(app, '/export', { key, body: 'x', contentType: 'text/plain' })
      expect(replay.text).toBe('first;second;third')
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(route.calls).toBe(1)
    })

    test('a fresh response never carries Idempotent-Replayed, even if the handler sets it', async () => {
      const route = counted('/payments', () => ({ type: 'json', status: 201, value: {}, headers: { 'idempotent-replayed': 'true' } }))
      const app = await start([route])
      const withKey = await send(app, '/payments', { key: freshKey(), body: '{}', contentType: 'application/json' })
      const withoutKey = await send(app, '/payments', { body: '{}', contentType: 'application/json' })
      expect(withKey.headers.get('idempotent-replayed')).toBeNull()
      expect(withoutKey.headers.get('idempotent-replayed')).toBeNull()
    })
  })

  describe('the fingerprint', () => {
    test('same key, different body → 422 fingerprint_mismatch; the record is unchanged', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route])
      const key = freshKey()
      const first = await send(app, '/payments', { key, body: JSON.stringify(payment), contentType: 'application/json' })
      expectProblem(await send(app, '/payments', { key, body: JSON.stringify({ ...payment, amount: 1 }), contentType: 'application/json' }), 422, 'fingerprint_mismatch')
      expectReplayOf(await send(app, '/payments', { key, body: JSON.stringify(payment), contentType: 'application/json' }), first)
      expect(route.calls).toBe(1)
    })

    test('JSON is compared in canonical form: key order and whitespace do not matter', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route])
      const key = freshKey()
      const first = await send(app, '/payments', { key, body: '{"amount":1000,"currency":"EUR"}', contentType: 'application/json' })
      const replay = await send(app, '/payments', { key, body: '{ "currency" : "EUR",\n "amount": 1000 }', contentType: 'application/json; charset=utf-8' })
      expectReplayOf(replay, first)
    })

    test('same key on another route → 422; on the same route pattern with other path parameters → 422', async () => {
      const payments = counted('/payments', (_, n) => created(n))
      const refunds = counted('/refunds', (_, n) => created(n))
      const orders = counted('/orders/:id', (input) => ({ type: 'json', status: 200, value: { order: input.params.id } }), 'PATCH')
      const app = await start([payments, refunds, orders])
      const key = freshKey()
      await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      expectProblem(await send(app, '/refunds', { key, body: '{}', contentType: 'application/json' }), 422, 'fingerprint_mismatch')
      const orderKey = freshKey()
      const one = await send(app, '/orders/1', { method: 'PATCH', key: orderKey, body: '{}', contentType: 'application/json' })
      expect(one.json()).toEqual({ order: '1' })
      expectProblem(await send(app, '/orders/2', { method: 'PATCH', key: orderKey, body: '{}', contentType: 'application/json' }), 422, 'fingerprint_mismatch')
      expect([payments.calls, refunds.calls, orders.calls]).toEqual([1, 0, 1])
    })

    test('the query string is not part of the fingerprint: /payments?x=1 replays /payments', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route])
      const key = freshKey()
      const first = await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      expectReplayOf(await send(app, '/payments?x=1', { key, body: '{}', contentType: 'application/json' }), first)
      expect(route.calls).toBe(1)
    })

    test('malformed JSON and invalid UTF-8 bodies are fingerprinted as raw bytes, never a crash', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route])
      const rawKey = freshKey()
      const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])
      const first = await send(app, '/payments', { key: rawKey, body: invalidUtf8, contentType: 'text/plain' })
      expect(first.status).toBe(201)
      expectReplayOf(await send(app, '/payments', { key: rawKey, body: invalidUtf8, contentType: 'text/plain' }), first)
      expectProblem(await send(app, '/payments', { key: rawKey, body: new Uint8Array([0x7b, 0xff, 0x7d]), contentType: 'text/plain' }), 422, 'fingerprint_mismatch')
      const jsonKey = freshKey()
      const malformed = await send(app, '/payments', { key: jsonKey, body: '{"amount": 10', contentType: 'application/json' })
      if (harness.rejectsMalformedJson) {
        expect(malformed.status).toBe(400) // the app's JSON parser answered before the middleware ran
      } else {
        expect(malformed.status).toBe(201)
        expectReplayOf(await send(app, '/payments', { key: jsonKey, body: '{"amount": 10', contentType: 'application/json' }), malformed)
        expectProblem(await send(app, '/payments', { key: jsonKey, body: '{"amount": 11', contentType: 'application/json' }), 422, 'fingerprint_mismatch')
      }
    })

    test('fingerprintHeaders adds header values; a custom fingerprint replaces the default', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route], { fingerprintHeaders: ['X-Variant'] })
      const key = freshKey()
      await send(app, '/payments', { key, body: '{}', contentType: 'application/json', headers: { 'x-variant': 'a' } })
      expectProblem(await send(app, '/payments', { key, body: '{}', contentType: 'application/json', headers: { 'x-variant': 'b' } }), 422, 'fingerprint_mismatch')
      const custom = counted('/payments', (_, n) => created(n))
      const customApp = await start([custom], { fingerprint: (req: never) => harness.requestHeader(req, 'x-operation') })
      const first = await send(customApp, '/payments', { key, body: '{"a":1}', contentType: 'application/json', headers: { 'x-operation': 'op1' } })
      expectReplayOf(await send(customApp, '/payments', { key, body: '{"a":2}', contentType: 'application/json', headers: { 'x-operation': 'op1' } }), first)
      expectProblem(await send(customApp, '/payments', { key, body: '{"a":1}', contentType: 'application/json', headers: { 'x-operation': 'op2' } }), 422, 'fingerprint_mismatch')
    })
  })

  describe('what is stored', () => {
    test('a 5xx response releases the key: the retry executes again', async () => {
      const route = counted('/payments', (_, n) => (n === 1 ? { type: 'json', status: 503, value: { error: 'upstream down' } } : created(n)))
      const app = await start([route])
      const key = freshKey()
      expect((await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })).status).toBe(503)
      const retry = await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      expect(retry.status).toBe(201)
      expect(retry.headers.get('idempotent-replayed')).toBeNull()
      expect(route.calls).toBe(2)
    })

    test('a thrown error reaches the framework error handler unchanged and releases the key', async () => {
      const route = counted('/payments', (_, n) => (n === 1 ? { type: 'throw', message: 'boom-42' } : created(n)))
      const app = await start([route])
      const key = freshKey()
      const failed = await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      expect(failed.status).toBe(500)
      expect(failed.text).toContain('boom-42')
      const retry = await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      expect(retry.status).toBe(201)
      expect(route.calls).toBe(2)
    })

    test('storeResponse decides per status: a 4xx it refuses is not replayed', async () => {
      const route = counted('/payments', (_, n) => (n === 1 ? { type: 'json', status: 409, value: { error: 'busy' } } : created(n)))
      const app = await start([route], { storeResponse: (status: number) => status < 300 })
      const key = freshKey()
      expect((await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })).status).toBe(409)
      expect((await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })).status).toBe(201)
      expect(route.calls).toBe(2)
    })

    test('a response over maxResponseBytes reaches its client in full; its replay is a 409 response_too_large, never a re-execution', async () => {
      const big = 'x'.repeat(5_000)
      const route = counted('/export', () => ({ type: 'stream', status: 201, chunks: [big, big, big], contentType: 'text/plain' }))
      const app = await start([route], { maxResponseBytes: 4_096 })
      const key = freshKey()
      const first = await send(app, '/export', { key, body: 'x', contentType: 'text/plain' })
      expect(first.status).toBe(201)
      expect(first.text).toBe(big.repeat(3))
      const replay = await send(app, '/export', { key, body: 'x', contentType: 'text/plain' })
      const document = expectProblem(replay, 409, 'response_too_large')
      expect(document.originalStatus).toBe(201)
      expect(replay.headers.get('retry-after')).toBeNull()
      expect(route.calls).toBe(1)
    })
  })

  describe('in flight and concurrency', () => {
    test('a retry while the first runs → 409 in_flight with Retry-After; afterwards it replays', async () => {
      const hold = gate()
      const route = counted('/payments', async (_, n) => {
        await hold.promise
        return created(n)
      })
      const app = await start([route])
      const key = freshKey()
      const firstPending = send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      await waitFor(() => route.calls === 1)
      const conflict = await send(app, '/payments', { key, body: '{}', contentType: 'application/json' })
      expectProblem(conflict, 409, 'in_flight')
      expect(Number(conflict.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(conflict.headers.get('retry-after')).toMatch(/^\d+$/)
      hold.open()
      const first = await firstPending
      expectReplayOf(await send(app, '/payments', { key, body: '{}', contentType: 'application/json' }), first)
      expect(route.calls).toBe(1)
    })

    test('50 simultaneous requests with one key: the handler runs once, the other 49 get 409', async () => {
      // The first execution holds until the other 49 were turned away, so the outcome cannot depend
      // on how the transport staggers the requests.
      let rejected = 0
      const route = counted('/payments', async (_, n) => {
        await waitFor(() => rejected >= 49, 10_000).catch(() => undefined)
        return created(n)
      })
      const app = await start([route], { hooks: { onInFlight: () => void rejected++ } })
      const key = freshKey()
      const all = await Promise.all(Array.from({ length: 50 }, () => send(app, '/payments', { key, body: JSON.stringify(payment), contentType: 'application/json' })))
      expect(route.calls).toBe(1)
      const statuses = all.map((received) => received.status).sort()
      expect(statuses.filter((status) => status === 201)).toHaveLength(1)
      expect(statuses.filter((status) => status === 409)).toHaveLength(49)
      for (const received of all.filter((r) => r.status === 409)) expect(received.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    }, 30_000)

    test('wait mode: 50 simultaneous requests all get the one response; the handler runs once', async () => {
      const route = counted('/payments', async (_, n) => {
        await sleep(50)
        return created(n)
      })
      const app = await start([route], { inFlight: { wait: { timeoutMs: 5_000, pollMs: 10 } } })
      const key = freshKey()
      const all = await Promise.all(Array.from({ length: 50 }, () => send(app, '/payments', { key, body: JSON.stringify(payment), contentType: 'application/json' })))
      expect(route.calls).toBe(1)
      const fresh = all.filter((received) => received.headers.get('idempotent-replayed') === null)
      expect(fresh).toHaveLength(1)
      for (const received of all) {
        expect(received.status).toBe(201)
        expect(received.text).toBe((fresh[0] as Received).text)
      }
    }, 30_000)
  })

  describe('store failures', () => {
    test('an unreachable store → 503 store_unavailable within the store timeout; nothing runs', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route], { store: hangingStore(), storeTimeout: 150 })
      const started = Date.now()
      expectProblem(await send(app, '/payments', { key: freshKey(), body: '{}', contentType: 'application/json' }), 503, 'store_unavailable')
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(route.calls).toBe(0)
    })

    test('failOpen: the handler runs unprotected and onStoreError fires', async () => {
      const route = counted('/payments', (_, n) => created(n))
      const errors: string[] = []
      const app = await start([route], { store: refusingStore(), failOpen: true, hooks: { onStoreError: (event) => void errors.push(event.error.code) } })
      const received = await send(app, '/payments', { key: freshKey(), body: '{}', contentType: 'application/json' })
      expect(received.status).toBe(201)
      expect(received.headers.get('idempotent-replayed')).toBeNull()
      expect(route.calls).toBe(1)
      expect(errors).toContain('store_unavailable')
    })
  })

  describe('scope and methods', () => {
    test("a key used by tenant A never replays to tenant B", async () => {
      const route = counted('/payments', (_, n) => created(n))
      const app = await start([route])
      const key = freshKey()
      const body = { key, body: JSON.stringify(payment), contentType: 'application/json' }
      const a = await send(app, '/payments', { ...body, headers: { 'x-tenant': 'tenant-a' } })
      const b = await send(app, '/payments', { ...body, headers: { 'x-tenant': 'tenant-b' } })
      expect(a.json()).toMatchObject({ id: 'pay_1' })
      expect(b.json()).toMatchObject({ id: 'pay_2' })
      expect(b.headers.get('idempotent-replayed')).toBeNull()
      expectReplayOf(await send(app, '/payments', { ...body, headers: { 'x-tenant': 'tenant-a' } }), a)
      expectReplayOf(await send(app, '/payments', { ...body, headers: { 'x-tenant': 'tenant-b' } }), b)
      expect(route.calls).toBe(2)
    })

    test('GET is not protected by default; PUT is when listed in methods', async () => {
      const get = counted('/things', (_, n) => ({ type: 'json', status: 200, value: { n } }), 'GET')
      const app = await start([get])
      const key = freshKey()
      await send(app, '/things', { method: 'GET', key })
      const second = await send(app, '/things', { method: 'GET', key })
      expect(second.json()).toEqual({ n: 2 })
      const put = counted('/things/:id', (_, n) => ({ type: 'json', status: 200, value: { n } }), 'PUT')
      const putApp = await start([put], { methods: ['put'] })
      const first = await send(putApp, '/things/1', { method: 'PUT', key, body: '{}', contentType: 'application/json' })
      expectReplayOf(await send(putApp, '/things/1', { method: 'PUT', key, body: '{}', contentType: 'application/json' }), first)
      expect(put.calls).toBe(1)
    })
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(2)
  }
}
