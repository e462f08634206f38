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
  res.statusCode = response.status
  const { headers } = response
  for (let index = 0; index < headers.length; index++) {
    const [name, value] = headers[index] as [string, string]
    const repeats = repeatsOf(headers, name, index)
    // A repeated field (e.g. two Link lines) is set once, at its first line, with all its values in order.
    if (repeats === FIRST_OF_MANY) res.setHeader(name, valuesOf(headers, name, index))
    else if (repeats === ONLY) res.setHeader(name, value)
  }
  if (!statusAllowsBody(response.status)) res.end()
  // Text goes as a string: no encode here, and Node writes it together with the head in one call.
  else if (response.text !== undefined) res.end(response.text, 'utf8')
  else res.end(Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength))
}

const ONLY = 0
const FIRST_OF_MANY = 1
const LATER = 2

/** Whether the field at `index` is the only line of its name, the first of several, or a later one. */
function repeatsOf(headers: HeaderPairs, name: string, index: number): number {
  for (let other = 0; other < index; other++) if ((headers[other] as [string, string])[0] === name) return LATER
  for (let other = index + 1; other < headers.length; other++) if ((headers[other] as [string, string])[0] === name) return FIRST_OF_MANY
  return ONLY
}

/** Every value of `name` from `from` on (its first occurrence). */
function valuesOf(headers: HeaderPairs, name: string, from: number): string[] {
  const values = [(headers[from] as [string, string])[1]]
  for (let index = from + 1; index < headers.length; index++) {
    const pair = headers[index] as [string, string]
    if (pair[0] === name) values.push(pair[1])
  }
  return values
}

/** Keep `Idempotent-Replayed` off a fresh response, however the handler or a client tries to set it. */
export function stripReplayedHeader(res: ServerResponse): void {
  const writeHead = res.writeHead
  res.writeHead = function writeHeadWithoutReplayed(this: ServerResponse, ...args: unknown[]) {
    withoutReplayed(this, headersArgument(args))
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args)
  } as ServerResponse['writeHead']
}

function withoutReplayed(res: ServerResponse, headers: OutgoingHttpHeaders | unknown[] | undefined): void {
  res.removeHeader(REPLAYED_HEADER)
  if (headers !== undefined && !Array.isArray(headers)) {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === REPLAYED_HEADER) delete headers[name]
  }
}

/**
 * The recording of each recorded response (one object; the wrappers below are shared). A WeakMap,
 * not a property: every property added to an Express `res` costs ~2.8 µs on Node 20 (measured).
 * Express swaps each response's prototype and then adds `locals`, and V8 caches no transition from
 * a map made by a prototype swap, so every `res` gets a hidden class of its own and each added
 * property builds a new one. The three method overrides below pay that (~8.5 µs of a new key's
 * cost); a per-prototype swap instead would cost ~3 µs, but a mounted sub-app (`app.use('/v1',
 * express())`) swaps the prototype again and the response would go out unrecorded.
 */
const recordings = new WeakMap<ServerResponse, Recording>()

/** The state of one recorded response. */
interface Recording {
  readonly execution: Execution
  /** The head as the handler sent it, once taken. */
  head: HeaderPairs | undefined
  ended: boolean
  /** The methods the wrappers call on: whatever `res` had before (Node's, or another middleware's). */
  readonly writeHead: (...args: unknown[]) => ServerResponse
  readonly write: (...args: unknown[]) => boolean
  readonly end: (...args: unknown[]) => ServerResponse
}

/**
 * Record what the handler sends into `execution`. Chunks go out as they are written; only the final
 * `end` waits for the `complete` round trip, so a retry that starts after the client got its
 * response always finds the result stored.
 *
 * The wrappers are module functions that look their state up, not closures made per request: a
 * request then costs one small object instead of four functions.
 */
export function recordResponse(res: ServerResponse, execution: Execution): void {
  recordings.set(res, {
    execution,
    head: undefined,
    ended: false,
    writeHead: res.writeHead as Recording['writeHead'],
    write: res.write as Recording['write'],
    end: res.end as Recording['end'],
  })
  res.writeHead = recordingWriteHead as ServerResponse['writeHead']
  res.write = recordingWrite as ServerResponse['write']
  res.end = recordingEnd as ServerResponse['end']
  // An error after the headers went out makes Express destroy the socket without `end`; a client
  // may also hang up while the handler still runs. Either way the execution decides (see abandon()).
  res.on('close', abandonUnlessEnded)
}

// The headers are taken when the handler's head goes out, before the inner writeHead runs: that is
// what the handler sent. Middleware mounted before this one (compression) may add headers in its own
// writeHead hook (Content-Encoding) for bytes it transforms after we recorded them; a replay of our
// bytes under its header would be corrupt. The wrapper also strips `Idempotent-Replayed` (as
// stripReplayedHeader does).
function recordingWriteHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
  const recording = recordings.get(this) as Recording
  const given = headersArgument(args)
  withoutReplayed(this, given)
  if (recording.head === undefined) recording.head = currentHeaders(this, given)
  return recording.writeHead.apply(this, args)
}

function recordingWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
  const recording = recordings.get(this) as Recording
  recording.execution.write(toChunk(chunk, rest[0]))
  return recording.write.call(this, chunk, ...rest)
}

function abandonUnlessEnded(this: ServerResponse): void {
  const recording = recordings.get(this) as Recording
  if (!recording.ended) recording.execution.abandon()
}

function recordingEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
  const recording = recordings.get(this) as Recording
  recording.ended = true
  // No copy of the last chunk: execution.end() encodes what it stores synchronously, before this
  // returns, so the caller cannot change the bytes in between.
  if (args.length > 0 && typeof args[0] !== 'function') recording.execution.write(toChunk(args[0], args[1], false))
  // The real end() below calls writeHead() (implicitly) again: the head is taken, do not rebuild it.
  recording.head ??= currentHeaders(this, undefined)
  void recording.execution.end(this.statusCode, recording.head).then(() => {
    try {
      recording.end.apply(this, args)
    } catch (error) {
      this.destroy(error as Error) // e.g. an invalid chunk: nobody is left to catch it after the await
    }
  })
  return this
}

/**
 * The response's headers: those set so far plus those given to `writeHead` (which are not visible
 * through getHeaders() when nothing was set before).
 */
function currentHeaders(res: ServerResponse, given: OutgoingHttpHeaders | unknown[] | undefined): HeaderPairs {
  const pairs: HeaderPairs = []
  const set = res.getHeaders()
  if (given === undefined) {
    // The usual case (res.json, res.send, res.end): only the headers set so far.
    for (const name in set) pushHeader(pairs, name, set[name])
    return pairs
  }
  const givenPairs: HeaderPairs = []
  if (Array.isArray(given)) {
    for (let index = 0; index + 1 < given.length; index += 2) givenPairs.push([String(given[index]).toLowerCase(), String(given[index + 1])])
  } else {
    for (const [name, value] of Object.entries(given)) pushHeader(givenPairs, name, value)
  }
  const overridden = new Set(givenPairs.map(([name]) => name))
  for (const name in set) if (!overridden.has(name)) pushHeader(pairs, name, set[name])
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

/** A written chunk as the recording takes it: UTF-8 text stays a string (no encode), the rest bytes. */
function toChunk(chunk: unknown, encoding: unknown, copy = true): Uint8Array | string {
  if (chunk === undefined || chunk === null) return new Uint8Array(0)
  if (typeof chunk === 'string') {
    if (typeof encoding !== 'string' || isUtf8(encoding)) return chunk
    return Buffer.from(chunk, encoding as BufferEncoding)
  }
  // Copy a written chunk: the caller may reuse its buffer once write() returns, and the stored bytes must not change.
  if (chunk instanceof Uint8Array) return copy ? Uint8Array.prototype.slice.call(chunk) : chunk
  return new Uint8Array(0) // not a valid chunk: Node's own write/end rejects it with its usual error
}

function isUtf8(encoding: string): boolean {
  const lower = encoding.toLowerCase()
  return lower === 'utf8' || lower === 'utf-8'
}
