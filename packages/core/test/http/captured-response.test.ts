import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { decodeStoredResponse, encodeStoredResponse, encodeTooLarge, replayOf, storableHeaders } from '../../src/http/captured-response.js'
import { problemResponse } from '../../src/http/problem.js'

describe('stored responses', () => {
  test('any body round-trips byte for byte (UTF-8 as text, anything else as base64)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 4096 }), fc.string().map((text) => new TextEncoder().encode(`\uFEFF${text}`))), fc.integer({ min: 200, max: 499 }), (body, status) => {
        const decoded = decodeStoredResponse(encodeStoredResponse(status, [['content-type', 'x/y']], body))
        expect(decoded.kind).toBe('response')
        if (decoded.kind !== 'response') return
        expect(decoded.response.status).toBe(status)
        expect(Buffer.from(decoded.response.body).equals(Buffer.from(body))).toBe(true)
      }),
    )
  })

  test('a string body stands for its UTF-8 bytes: same replay bytes, text and Content-Length as the bytes would give', () => {
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: anyUnit }), fc.string({ unit: 'binary' })), (text) => {
        const bytes = new TextEncoder().encode(text) // lone surrogates become U+FFFD, as Node sends them
        const fromString = decodeStoredResponse(encodeStoredResponse(201, [['content-type', 'text/plain']], text))
        const fromBytes = decodeStoredResponse(encodeStoredResponse(201, [['content-type', 'text/plain']], bytes))
        if (fromString.kind !== 'response' || fromBytes.kind !== 'response') throw new Error('expected responses')
        expect(Buffer.from(fromString.response.body).equals(Buffer.from(bytes))).toBe(true)
        expect(fromString.response.text).toBe(new TextDecoder().decode(bytes))
        const replay = replayOf(fromString.response)
        expect(replay.headers).toContainEqual(['content-length', String(bytes.length)])
        expect(replayOf(fromBytes.response).headers).toContainEqual(['content-length', String(bytes.length)])
        expect(Buffer.from(replay.body).equals(Buffer.from(bytes))).toBe(true)
      }),
    )
  })

  test('a body with line feeds and a head-like first line is read back whole', () => {
    const text = 'H{"s":500}\n\nsecond line\n'
    const decoded = decodeStoredResponse(encodeStoredResponse(200, [], text))
    expect(decoded.kind === 'response' && decoded.response.text).toBe(text)
  })

  test('the earlier inline form (body inside the JSON head) still decodes', () => {
    const decoded = decodeStoredResponse('H{"s":201,"h":[["content-type","application/json"]],"b":"{\\"ok\\":true}","e":"utf8"}')
    if (decoded.kind !== 'response') throw new Error('expected a response')
    expect(new TextDecoder().decode(decoded.response.body)).toBe('{"ok":true}')
    expect(replayOf(decoded.response).headers).toContainEqual(['content-length', '11'])
  })

  test('text bodies are stored readable, binary ones as base64', () => {
    expect(encodeStoredResponse(200, [], new TextEncoder().encode('{"ok":true}'))).toContain('"e":"utf8"')
    expect(encodeStoredResponse(200, [], new Uint8Array([0xff]))).toContain('"e":"base64"')
  })

  test('hop-by-hop, Set-Cookie, credentials, Date, Content-Length, Idempotent-Replayed and Connection-named headers are not stored', () => {
    const kept = storableHeaders([
      ['Content-Type', 'application/json'],
      ['Connection', 'keep-alive, X-Hop'],
      ['x-hop', '1'],
      ['Keep-Alive', 'timeout=5'],
      ['Transfer-Encoding', 'chunked'],
      ['Set-Cookie', 'a=b'],
      ['Authorization', 'Bearer x'],
      ['Cookie', 'a=b'],
      ['Date', 'Thu, 01 Jan 1970 00:00:00 GMT'],
      ['Content-Length', '10'],
      ['Idempotent-Replayed', 'true'],
      ['ETag', '"v1"'],
      ['Vary', 'accept'],
      ['Vary', 'origin'],
    ])
    expect(kept).toEqual([
      ['content-type', 'application/json'],
      ['etag', '"v1"'],
      ['vary', 'accept'],
      ['vary', 'origin'],
    ])
  })

  test('a replay is marked and has a recomputed Content-Length; a 204 has neither body nor length', () => {
    const replay = replayOf({ status: 201, headers: [['content-type', 'text/plain']], body: new Uint8Array([1, 2, 3]) })
    expect(replay.headers).toEqual([
      ['content-type', 'text/plain'],
      ['idempotent-replayed', 'true'],
      ['content-length', '3'],
    ])
    const empty = replayOf({ status: 204, headers: [], body: new Uint8Array(0) })
    expect(empty.headers).toEqual([['idempotent-replayed', 'true']])
  })

  test('the too-large marker decodes as such; text not written here is refused', () => {
    expect(decodeStoredResponse(encodeTooLarge(201, 5000, 4096))).toEqual({ kind: 'too_large', status: 201, bytes: 5000, limit: 4096 })
    expect(() => decodeStoredResponse('v{"a":1}')).toThrow(/Unrecognised stored HTTP response/)
  })
})

describe('problem documents', () => {
  test('Retry-After is whole seconds, at least 1', () => {
    const header = (ms: number) => problemResponse('in_flight', 'x', { retryAfterMs: ms }).headers.find(([name]) => name === 'retry-after')?.[1]
    expect(header(0)).toBe('1')
    expect(header(1000)).toBe('1')
    expect(header(1001)).toBe('2')
    expect(header(59_500)).toBe('60')
  })

  test('documents carry type, title, status and detail as application/problem+json', () => {
    const response = problemResponse('fingerprint_mismatch', 'reused')
    expect(response.status).toBe(422)
    expect(response.headers).toContainEqual(['content-type', 'application/problem+json'])
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({
      type: 'https://idemkit.dev/problems/fingerprint_mismatch',
      title: 'Idempotency key reused for a different request',
      status: 422,
      detail: 'reused',
    })
  })
})
