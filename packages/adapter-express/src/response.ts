/**
 * Express responses: sending a neutral response (replay, problem), and recording the handler's
 * response byte for byte whichever way it is sent (`res.json`, `res.send`, `res.write` + `res.end`,
 * `res.sendFile`, `res.redirect`, `res.sendStatus`, …). Every one of those ends in Node's
 * `writeHead`/`write`/`end`, so those three are the only methods wrapped.
 *
 * @module
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { REPLAYED_HEADER, statusAllowsBody, type Execution, type HeaderPairs, type HttpResponse } from '@idemkit/core/http'

/** Send a complete neutral response. */
export function sendResponse(res: ServerResponse, response: HttpResponse): void {
  const grouped = new Map<string, string[]>()
  for (const [name, value] of response.headers) grouped.set(name, [...(grouped.get(name) ?? []), value])
  res.statusCode = response.status
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? (values[0] as string) : values)
  res.end(statusAllowsBody(response.status) ? Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength) : undefined)
}

/** Keep `Idempotent-Replayed` off a fresh response, however the handler or a client tries to set it. */
export function stripReplayedHeader(res: ServerResponse): void {
  const writeHead = res.writeHead
  res.writeHead = function writeHeadWithoutReplayed(this: ServerResponse, ...args: unknown[]) {
    this.removeHeader(REPLAYED_HEADER)
    const headers = headersArgument(args)
    if (headers !== undefined && !Array.isArray(headers)) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === REPLAYED_HEADER) delete headers[name]
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args)
  } as ServerResponse['writeHead']
}

/**
 * Record what the handler sends into `execution`. Chunks go out as they are written; only the final
 * `end` waits for the `complete` round trip, so a retry that starts after the client got its
 * response always finds the result stored.
 */
export function recordResponse(res: ServerResponse, execution: Execution): void {
  stripReplayedHeader(res)
  // The headers are taken when the handler's head goes out, before the inner writeHead runs: that
  // is what the handler sent. Middleware mounted before this one (compression) may add headers in
  // its own writeHead hook (Content-Encoding) for bytes it transforms after we recorded them; a
  // replay of our bytes under its header would be corrupt.
  let head: HeaderPairs | undefined
  const writeHead = res.writeHead
  res.writeHead = function recordingWriteHead(this: ServerResponse, ...args: unknown[]) {
    if (head === undefined) head = currentHeaders(this, headersArgument(args))
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args)
  } as ServerResponse['writeHead']

  const write = res.write
  res.write = function recordingWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    execution.write(toBytes(chunk, rest[0]))
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest)
  } as ServerResponse['write']

  let ended = false
  // An error after the headers went out makes Express destroy the socket without `end`; a client
  // may also hang up while the handler still runs. Either way the execution decides (see abandon()).
  res.once('close', () => {
    if (!ended) execution.abandon()
  })

  const end = res.end
  res.end = function recordingEnd(this: ServerResponse, ...args: unknown[]) {
    ended = true
    if (args.length > 0 && typeof args[0] !== 'function') execution.write(toBytes(args[0], args[1]))
    const headers = head ?? currentHeaders(this, undefined)
    void execution.end(this.statusCode, headers).then(() => {
      try {
        ;(end as (...a: unknown[]) => ServerResponse).apply(this, args)
      } catch (error) {
        this.destroy(error as Error) // e.g. an invalid chunk: nobody is left to catch it after the await
      }
    })
    return this
  } as ServerResponse['end']
}

/**
 * The response's headers: those set so far plus those given to `writeHead` (which are not visible
 * through getHeaders() when nothing was set before).
 */
function currentHeaders(res: ServerResponse, given: OutgoingHttpHeaders | unknown[] | undefined): HeaderPairs {
  const pairs: HeaderPairs = []
  const givenPairs: HeaderPairs = []
  if (Array.isArray(given)) {
    for (let index = 0; index + 1 < given.length; index += 2) givenPairs.push([String(given[index]).toLowerCase(), String(given[index + 1])])
  } else if (given !== undefined) {
    for (const [name, value] of Object.entries(given)) pushHeader(givenPairs, name, value)
  }
  const overridden = new Set(givenPairs.map(([name]) => name))
  for (const [name, value] of Object.entries(res.getHeaders())) if (!overridden.has(name)) pushHeader(pairs, name, value)
  return [...pairs, ...givenPairs]
}

/** The headers object or raw array given to `writeHead(status, [message,] headers)`. */
function headersArgument(args: unknown[]): OutgoingHttpHeaders | unknown[] | undefined {
  const candidate = typeof args[1] === 'string' ? args[2] : args[1]
  return typeof candidate === 'object' && candidate !== null ? (candidate as OutgoingHttpHeaders | unknown[]) : undefined
}

function pushHeader(pairs: HeaderPairs, name: string, value: unknown): void {
  if (value === undefined) return
  const lower = name.toLowerCase()
  if (Array.isArray(value)) for (const item of value) pairs.push([lower, String(item)])
  else pairs.push([lower, String(value)])
}

function toBytes(chunk: unknown, encoding: unknown): Uint8Array {
  if (chunk === undefined || chunk === null) return new Uint8Array(0)
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
  // Copy: the caller may reuse its buffer once write() returns, and the stored bytes must not change.
  if (chunk instanceof Uint8Array) return Uint8Array.prototype.slice.call(chunk)
  return new Uint8Array(0) // not a valid chunk: Node's own write/end rejects it with its usual error
}
