/** Reading a request body for the fingerprint leaves it readable, once, exactly as an unread body. */
import { describe, expect, test, vi } from 'vitest'
import { MemoryStore } from '../../src/index.js'
import { readRequestBody, withIdempotency } from '../../src/http/index.js'

const json = '{"amount":100,"currency":"EUR"}'
const post = (body: BodyInit | null = json, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('http://localhost/payments', { method: 'POST', headers, body })

describe('readRequestBody', () => {
  test('returns the bytes, and every body reader of the request still gets them', async () => {
    const readers: Array<[string, (request: Request) => Promise<unknown>, unknown]> = [
      ['json', (request) => request.json(), JSON.parse(json)],
      ['text', (request) => request.text(), json],
      ['arrayBuffer', async (request) => new TextDecoder().decode(await request.arrayBuffer()), json],
      ['body', (request) => new Response(request.body).text(), json],
      ['clone', (request) => request.clone().text(), json],
    ]
    for (const [name, read, expected] of readers) {
      const request = post()
      const bytes = await readRequestBody(request)
      expect(new TextDecoder().decode(bytes), name).toBe(json)
      expect(request.bodyUsed, name).toBe(false)
      expect(request instanceof Request, name).toBe(true)
      expect(await read(request), name).toEqual(expected)
    }
  })

  test('blob() carries the content type and the bytes', async () => {
    const request = post()
    await readRequestBody(request)
    const blob = await request.blob()
    expect([blob.type, await blob.text()]).toEqual(['application/json', json])
  })

  test('a second read fails as it would on an unread body read twice', async () => {
    const request = post()
    await readRequestBody(request)
    await request.text()
    expect(request.bodyUsed).toBe(true)
    await expect(request.json()).rejects.toThrow(TypeError)
    await expect(request.arrayBuffer()).rejects.toThrow(TypeError)
    expect(() => request.clone()).toThrow(TypeError)
  })

  test('reading the stream marks the body used, like a real body', async () => {
    const request = post()
    await readRequestBody(request)
    expect(await new Response(request.body).text()).toBe(json)
    expect(request.bodyUsed).toBe(true)
    await expect(request.text()).rejects.toThrow(TypeError)
  })

  test('formData parses a restored form body', async () => {
    const request = post('a=1&b=%C3%A9', { 'content-type': 'application/x-www-form-urlencoded' })
    await readRequestBody(request)
    const form = await request.formData()
    expect([form.get('a'), form.get('b')]).toEqual(['1', 'é'])
  })

  test('bytes that are not UTF-8 come back byte for byte; a BOM is stripped by text() as usual', async () => {
    const raw = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69, 0xff])
    const request = post(raw, { 'content-type': 'application/octet-stream' })
    expect([...(await readRequestBody(request))]).toEqual([...raw])
    expect(await request.text()).toBe(await new Response(raw).text())
  })

  test('no body: empty bytes, the request is untouched', async () => {
    const request = new Request('http://localhost/payments', { method: 'POST' })
    expect((await readRequestBody(request)).length).toBe(0)
    expect(request.body).toBeNull()
    expect(Object.getPrototypeOf(request)).toBe(Request.prototype)
  })

  test('reading twice (nested wrappers) gives the same bytes and leaves the body readable', async () => {
    const request = post()
    const first = await readRequestBody(request)
    const second = await readRequestBody(request)
    expect(second).toEqual(first)
    expect(await request.json()).toEqual(JSON.parse(json))
  })

  test('a frozen request is read from a clone and stays readable', async () => {
    const request = Object.freeze(post())
    expect(new TextDecoder().decode(await readRequestBody(request))).toBe(json)
    expect(await request.text()).toBe(json)
  })

  describe('after the default fingerprint decoded a JSON body', () => {
    const keyed = (body: BodyInit = json) =>
      new Request('http://localhost/payments', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }, body })

    test('json() answers with the decoded value instead of parsing the bytes again', async () => {
      const seen: unknown[] = []
      const handler = withIdempotency(
        async (request) => {
          const parse = vi.spyOn(JSON, 'parse')
          try {
            seen.push(await request.json())
            seen.push(parse.mock.calls.length)
          } finally {
            parse.mockRestore()
          }
          return new Response('ok', { status: 201 })
        },
        { store: new MemoryStore() },
      )
      expect((await handler(keyed())).status).toBe(201)
      expect(seen).toEqual([JSON.parse(json), 0])
    })

    test('text() gets the decoded text (BOM stripped as the Fetch standard does); a second read still fails', async () => {
      const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(json)])
      const results: unknown[] = []
      const handler = withIdempotency(
        async (request) => {
          results.push(await request.text())
          results.push(await request.json().catch((error: unknown) => (error as Error).name))
          return new Response('ok', { status: 201 })
        },
        { store: new MemoryStore() },
      )
      expect((await handler(keyed(withBom))).status).toBe(201)
      expect(results).toEqual([json, 'TypeError'])
    })

    test('arrayBuffer() and the stream still give the exact bytes', async () => {
      const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(json)])
      for (const read of [async (r: Request) => new Uint8Array(await r.arrayBuffer()), async (r: Request) => new Uint8Array(await new Response(r.body).arrayBuffer())]) {
        let got: Uint8Array | undefined
        const handler = withIdempotency(
          async (request) => {
            got = await read(request)
            return new Response('ok', { status: 201 })
          },
          { store: new MemoryStore() },
        )
        await handler(keyed(withBom))
        expect(got).toEqual(withBom)
      }
    })
  })
})

