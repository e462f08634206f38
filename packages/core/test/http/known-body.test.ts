/** knownBody only trusts the exact shape of @hono/node-server's lightweight Response cache. */
import { describe, expect, test } from 'vitest'
import { knownBody } from '../../src/http/known-body.js'

/** A stand-in shaped like @hono/node-server's lightweight Response: `[status, body, headers]` under Symbol('cache'). */
function lightweight(body: unknown, status = 201, cacheStatus = status): Response {
  const response = Object.create(Response.prototype, { status: { value: status } }) as Response
  ;(response as unknown as Record<symbol, unknown>)[Symbol('cache')] = [cacheStatus, body, { 'content-type': 'application/json' }]
  return response
}

describe('knownBody', () => {
  test('a standard Response is read the standard way', () => {
    expect(knownBody(new Response('abc'))).toBeUndefined()
    expect(knownBody(Response.json({ a: 1 }))).toBeUndefined()
  })

  test('a cached string, bytes or null body is known', () => {
    expect(knownBody(lightweight('{"a":1}'))).toBe('{"a":1}')
    const bytes = new Uint8Array([1, 2, 3])
    expect(knownBody(lightweight(bytes))).toBe(bytes)
    expect(knownBody(lightweight(null))).toBeNull()
  })

  test('a cached stream or Blob, or a cache that disagrees with the status, is not', () => {
    expect(knownBody(lightweight(new ReadableStream()))).toBeUndefined()
    expect(knownBody(lightweight(new Blob(['x'])))).toBeUndefined()
    expect(knownBody(lightweight('x', 201, 200))).toBeUndefined()
  })
})
