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
  // Headers passed straight to writeHead() are not visible through getHeaders() when nothing was
  // set before: keep them here so they are stored too.
  const headArgs: HeaderPairs = []
  const writeHead = res.writeHead
  res.writeHead = function recordingWriteHead(this: ServerResponse, ...args: unknown[]) {
    const headers = headersArgument(args)
    if (Array.isArray(headers)) {
      for (let index = 0; index + 1 < headers.length; index += 2) headArgs.push([String(headers[index]).toLowerCase(), String(headers[index + 1])])
    } else if (headers !== undefined) {
      for (const [name, value] of Object.entries(headers)) pushHeader(headArgs, name, value)
    }
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
    const headers: HeaderPairs = []
    for (const [name, value] of Object.entries(this.getHeaders())) pushHeader(headers, name, value)
    const seen = new Set(headers.map(([name]) => name))
    for (const pair of headArgs) if (!seen.has(pair[0])) headers.push(pair)
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
