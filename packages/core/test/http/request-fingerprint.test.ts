import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { requestFingerprint } from '../../src/http/request-fingerprint.js'
import type { HttpRequest, RequestBody } from '../../src/http/types.js'

function request(body: RequestBody, init: { method?: string; route?: string; params?: Record<string, string>; headers?: Record<string, string> } = {}): HttpRequest {
  const headers = { 'content-type': 'application/json', ...init.headers }
  return {
    method: init.method ?? 'POST',
    route: init.route ?? '/payments',
    ...(init.params === undefined ? {} : { params: init.params }),
    header: (name) => headers[name as keyof typeof headers],
    readBody: async () => body,
  }
}

const bytes = (text: string) => ({ bytes: new TextEncoder().encode(text) })
const print = (req: HttpRequest, scope?: string, headers: string[] = []) => requestFingerprint(req, { scope, headers })

describe('requestFingerprint', () => {
  test('JSON bodies: key order and whitespace do not matter, and a parsed body gives the same fingerprint', async () => {
    const a = await print(request(bytes('{"a":1,"b":[true,null]}')))
    expect(await print(request(bytes('{ "b": [true, null],\n "a": 1 }')))).toBe(a)
    expect(await print(request({ parsed: { b: [true, null], a: 1 } }))).toBe(a)
  })

  test('a JSON body kept as text or bytes by a parser (express.text, express.raw) fingerprints like the raw bytes', async () => {
    const a = await print(request(bytes('{"a":2,"b":1}')))
    expect(await print(request({ parsed: '{ "b": 1, "a": 2 }' }))).toBe(a)
    expect(await print(request({ parsed: new TextEncoder().encode('{"b":1,"a":2}') }))).toBe(a)
  })

  test('a body that is JSON differs from the same text sent as raw bytes, and from its hash as a string', async () => {
    const json = await print(request(bytes('"x"')))
    const raw = await print(request(bytes('"x"'), { headers: { 'content-type': 'text/plain' } }))
    expect(json).not.toBe(raw)
  })

  test('method, route, params, scope, chosen headers and body each change it', async () => {
    const base = await print(request(bytes('{}'), { params: { id: '1' } }))
    const variants = [
      await print(request(bytes('{}'), { params: { id: '1' }, method: 'PATCH' })),
      await print(request(bytes('{}'), { params: { id: '1' }, route: '/refunds' })),
      await print(request(bytes('{}'), { params: { id: '2' } })),
      await print(request(bytes('{}'), { params: { id: '1' } }), 'tenant-a'),
      await print(request(bytes('{}'), { params: { id: '1' }, headers: { 'x-v': '1' } }), undefined, ['x-v']),
      await print(request(bytes('{"a":1}'), { params: { id: '1' } })),
    ]
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1)
  })

  test('non-JSON content types hash raw bytes; a JSON-looking text body is not canonicalised', async () => {
    const text = (body: string) => request(bytes(body), { headers: { 'content-type': 'text/plain' } })
    expect(await print(text('{"a":1, "b":2}'))).not.toBe(await print(text('{"b":2,"a":1}')))
  })

  test('any bytes with any content type: a fingerprint, never an error; same input, same fingerprint', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom('application/json', 'application/vnd.api+json; charset=utf-8', 'text/plain', '', 'garbage;;'),
        async (body, type) => {
          const req = request({ bytes: body }, { headers: { 'content-type': type } })
          const first = await print(req)
          expect(first).toMatch(/^[0-9a-f]{64}$/)
          expect(await print(req)).toBe(first)
        },
      ),
    )
  })

  test('JSON nested deeper than the canonicaliser allows falls back to raw bytes', async () => {
    const deep = `${'['.repeat(2000)}${']'.repeat(2000)}`
    expect(await print(request(bytes(deep)))).toMatch(/^[0-9a-f]{64}$/)
  })
})
