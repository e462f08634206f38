/**
 * Getting the request body as the bytes the client sent, whether or not a body parser ran first.
 *
 * 1. `express.json({ verify: captureRawBody })` (or `raw`/`text`/`urlencoded`): the parser hands
 *    us the bytes it read; nothing is read twice.
 * 2. No parser consumed the stream yet: read it here and push the bytes back into the stream
 *    (`unshift` before its `end` event), so parsers and handlers that run later read it as usual.
 * 3. A parser already consumed the stream without `verify`: the bytes are gone; fall back to the
 *    parsed `req.body`. For JSON that gives the same fingerprint as the raw bytes (both are hashed
 *    in canonical form); for other types it differs from what the raw bytes would give, which only
 *    matters if the same key reaches differently configured apps.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { RequestBody } from '@idemkit/core/http'

const RAW_BODY = Symbol.for('idemkit.rawBody')

type WithRawBody = IncomingMessage & { [RAW_BODY]?: Uint8Array; body?: unknown }

/**
 * A body-parser `verify` function that keeps the raw body bytes for the idempotency fingerprint.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { captureRawBody } from '@idemkit/adapter-express'
 *
 * app.use(express.json({ verify: captureRawBody }))
 * ```
 */
export function captureRawBody(req: IncomingMessage, _res: unknown, buffer: Uint8Array): void {
  ;(req as WithRawBody)[RAW_BODY] = buffer
}

/** The request body, by the first of the three ways above that applies. */
export async function readRequestBody(req: IncomingMessage): Promise<RequestBody> {
  const captured = (req as WithRawBody)[RAW_BODY]
  if (captured !== undefined) return { bytes: captured }
  if (req.readableDidRead || req.readableEnded) return { parsed: (req as WithRawBody).body }
  if (!hasBody(req)) return { bytes: new Uint8Array(0) }
  const bytes = await readAndPutBack(req)
  ;(req as WithRawBody)[RAW_BODY] = bytes
  return { bytes }
}

/** The same test body-parser uses: a body exists when it is framed by length or chunking. */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0'
}

/**
 * Read the whole body, then `unshift` it back before the stream emits `end`, so a later reader
 * (body-parser, `req.pipe`, `for await`) sees the untouched stream. Reading in paused mode with
 * `read()` is what makes this possible: `end` is only emitted on the tick after the last `read()`
 * found the stream empty, and the bytes are back by then.
 */
function readAndPutBack(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const onReadable = (): void => {
      for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) chunks.push(chunk)
      if (!req.complete) return
      cleanup()
      const body = Buffer.concat(chunks)
      if (body.length > 0) req.unshift(body)
      resolve(body)
    }
    const onError = (error: Error): void => {
      cleanup()
      reject(error)
    }
    const onClose = (): void => {
      if (req.complete) return
      cleanup()
      reject(new Error('The client closed the connection before sending the whole request body'))
    }
    const cleanup = (): void => {
      req.off('readable', onReadable)
      req.off('error', onError)
      req.off('close', onClose)
    }
    req.on('readable', onReadable)
    req.on('error', onError)
    req.on('close', onClose)
  })
}
