/**
 * Property tests: whatever header value, body or content type a client sends, the answer is a
 * documented one (201 or a 400 problem for keys; 201 then a byte-exact replay for bodies), never
 * a 500 from the middleware.
 */
import { PROBLEM_TYPE_BASE } from '@idemkit/core/http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { freshKey, send } from './client.js'
import type { HttpHarness, RunningApp } from './harness.js'
import type { SuiteStore } from './stores.js'

/** Generous: hundreds of requests per property, on a machine that may be busy. */
const TIMEOUT = 120_000

/** Run the property tests for `harness` on `store`, `runs` cases per property. */
export function runHttpFuzz(harness: HttpHarness, store: SuiteStore & { connect?(): Promise<void> }, runs: number): void {
  describe(`${harness.name} on ${store.name}: property tests`, () => {
    let app: RunningApp
    let calls = 0
    beforeAll(async () => {
      await store.connect?.()
      app = await harness.start(
        [{ method: 'POST', path: '/fuzz', handler: (input) => ({ type: 'json', status: 201, value: { n: ++calls, length: input.body.length } }) }],
        { store: store.create() },
      )
    })
    afterAll(async () => {
      await app?.close()
      await store.cleanup()
    })

    // Characters a client can put in a header value at all: in process, any byte but NUL, CR and LF
    // (the Fetch Headers rules); over HTTP, what an HTTP client sends (tab, visible ASCII, 0x80–0xFF).
    const headerChar = harness.inProcess
      ? fc.integer({ min: 1, max: 0xff }).filter((code) => code !== 10 && code !== 13).map((code) => String.fromCharCode(code))
      : fc.oneof(fc.constant(9), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((code) => String.fromCharCode(code))
    const headerValue = fc.oneof(
      fc.string({ unit: headerChar, maxLength: 300 }),
      fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\\', ' ', ';', '='), maxLength: 12 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,255}$/),
    )

    test('any key header value → 201 or a 400 invalid_key problem, never anything else', async () => {
      await fc.assert(
        fc.asyncProperty(headerValue, async (value) => {
          const received = await send(app, '/fuzz', { body: '{}', contentType: 'application/json', headers: { 'idempotency-key': `${value}` }, key: undefined })
          expect([201, 400]).toContain(received.status)
          if (received.status === 400) {
            expect((received.json() as { type: string }).type).toBe(`${PROBLEM_TYPE_BASE}invalid_key`)
          }
          const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '')
          // Outside printable ASCII (beyond list whitespace) there is no valid key: it must be refused.
          if (/[^\x20-\x7e\t]/.test(trimmed) || trimmed === '') expect(received.status).toBe(400)
          if (/^[A-Za-z0-9_-]{1,255}$/.test(trimmed)) expect(received.status).not.toBe(400)
        }),
        { numRuns: runs },
      )
    }, TIMEOUT)

    const contentType = fc.constantFrom(
      undefined,
      'application/json',
      'application/json; charset=utf-8',
      'application/merge-patch+json',
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'garbage/;;',
    )
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 2_048 }),
      fc.json().map((text) => new TextEncoder().encode(text)),
      fc.constant(new Uint8Array(0)),
    )

    test('any body and content type → 201, then a byte-exact replay; a different body → 422', async () => {
      await fc.assert(
        fc.asyncProperty(body, contentType, async (bytes, type) => {
          const key = freshKey('fuzz')
          const request = { key, body: bytes, ...(type === undefined ? {} : { contentType: type }) }
          const first = await send(app, '/fuzz', request)
          if (harness.rejectsMalformedJson && first.status === 400) return // the app's own JSON parser refused it, before the middleware
          expect(first.status).toBe(201)
          const replay = await send(app, '/fuzz', request)
          expect(replay.status).toBe(201)
          expect(replay.headers.get('idempotent-replayed')).toBe('true')
          expect(replay.text).toBe(first.text)
          const other = new Uint8Array([...bytes, 0x20, 0x78])
          const mismatch = await send(app, '/fuzz', { ...request, body: other })
          expect([422, 400]).toContain(mismatch.status)
        }),
        { numRuns: runs },
      )
    }, TIMEOUT)

    test('a 2 MB body is fingerprinted and replayed', async () => {
      const big = new Uint8Array(2 * 1024 * 1024).map((_, index) => index % 251)
      const key = freshKey('big')
      const first = await send(app, '/fuzz', { key, body: big, contentType: 'application/octet-stream' })
      expect(first.status).toBe(201)
      const replay = await send(app, '/fuzz', { key, body: big, contentType: 'application/octet-stream' })
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(replay.text).toBe(first.text)
    }, TIMEOUT)
  })
}
