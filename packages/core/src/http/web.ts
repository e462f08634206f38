/**
 * Translation between the Fetch API (`Request`/`Response`, on every runtime) and the neutral
 * types, plus the whole exchange for Web-standard handlers. Used by {@link withIdempotency} and
 * `@idemkit/adapter-hono`.
 *
 * @module
 */
import { REPLAYED_HEADER, statusAllowsBody } from './captured-response.js'
import type { HttpIdempotency } from './handler.js'
import { knownBody } from './known-body.js'
import { readRequestBody } from './request-body.js'
import type { Execution } from './response-recording.js'
import type { HeaderPairs, HttpRequest, HttpResponse, RequestBody } from './types.js'

/** How a Web request maps to the neutral request. */
export interface WebRequestRoute {
  /** The route pattern; default the URL path (a bare handler has no router). */
  route?: string
  /** Path parameters of the route, if any. */
  params?: Readonly<Record<string, string>>
  /** Read the body another way (e.g. from a framework's body cache); default {@link readRequestBody}. */
  readBody?: () => Promise<RequestBody>
}

/** The neutral view of a Fetch `Request`. Its body is read so that the handler can still read it ({@link readRequestBody}). */
export function fromWebRequest(request: Request, route: WebRequestRoute = {}): HttpRequest {
  return {
    method: request.method,
    header: (name) => request.headers.get(name) ?? undefined,
    // Read only for a protected request: a pass-through parses no URL and asks the router nothing.
    get route() {
      return route.route ?? new URL(request.url).pathname
    },
    get params() {
      return route.params
    },
    readBody: route.readBody ?? (async () => ({ bytes: await readRequestBody(request) })),
  }
}

/** A Fetch `Response` for a neutral response (a replay or a problem). */
export function toWebResponse(response: HttpResponse): Response {
  // An empty body is sent as `null`: some servers (e.g. @hono/node-server) add a default
  // Content-Type to an empty byte body, which the original bodiless response did not have.
  if (!statusAllowsBody(response.status)) return new Response(null, { status: response.status, headers: response.headers })
  // A text body goes as a string (no encode here; @hono/node-server writes it in one call), but only
  // with a Content-Type: for a string, `Response` would add `text/plain` where the original had none.
  const { text } = response
  if (text !== undefined && text.length > 0 && response.headers.some(([name]) => name === 'content-type')) {
    return new Response(text, { status: response.status, headers: response.headers })
  }
  const body = response.body.length > 0 ? (response.body as Uint8Array<ArrayBuffer>) : null
  return new Response(body, { status: response.status, headers: response.headers })
}

/**
 * A fresh response without any `Idempotent-Replayed` header: only a replay may carry it, so neither
 * a handler nor a client (through an echoed header) can make a fresh response look replayed.
 */
export function withoutReplayedHeader(response: Response): Response {
  if (!response.headers.has(REPLAYED_HEADER)) return response
  const headers = new Headers(response.headers)
  headers.delete(REPLAYED_HEADER)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

/**
 * Send `response` through unchanged while recording it into `execution`, then store it.
 *
 * The body is teed, not buffered: every chunk is passed on as soon as the handler produces it, and
 * the stream closes right after the `complete` round trip. The source is drained even if nobody
 * reads the response (or the client goes away), so the record is completed either way and a retry
 * replays instead of waiting for a lease to lapse. Once the body is over the storable size, the
 * stream follows the reader's pace again, since nothing more is kept.
 *
 * A body that is already complete (built from a string or bytes: `c.json`, `c.text`,
 * `Response.json`; its chunks are there within a few microtasks, without waiting on the handler) is
 * sent as bytes after the `complete` round trip, as the streamed form would end then too. That
 * skips a Web stream, a reader pump and a stream-backed Response, which on Node 20 cost more than
 * the rest of a protected request, and lets `@hono/node-server` write it in one call.
 */
export async function recordWebResponse(response: Response, execution: Execution): Promise<Response> {
  let headers = response.headers
  const replayedHeader = headers.has(REPLAYED_HEADER)
  if (replayedHeader) {
    headers = new Headers(headers)
    headers.delete(REPLAYED_HEADER)
  }
  const pairs: HeaderPairs = []
  headers.forEach((value, name) => pairs.push([name, value]))
  // A body the runtime holds as a string or bytes (see knownBody): record it and pass the response
  // on untouched, after the `complete` round trip.
  const known = replayedHeader ? undefined : knownBody(response)
  if (known !== undefined) {
    if (known !== null && execution.stores(response.status)) execution.write(known)
    await execution.end(response.status, pairs)
    return response
  }
  const init: ResponseInit = { status: response.status, statusText: response.statusText, headers }
  if (response.body === null || !execution.stores(response.status)) {
    await execution.end(response.status, pairs)
    return new Response(response.body, init)
  }
  const reader = response.body.getReader()
  const early: Uint8Array[] = []
  let pending: Promise<ReadableStreamReadResult<unknown>> | undefined
  for (let attempt = 0; attempt < EAGER_READS; attempt++) {
    const read = reader.read()
    const result = await settledSoon(read)
    if (result === undefined) {
      pending = read // not there yet (or failing): stream it, starting with this read
      break
    }
    if (result.done) {
      await execution.end(response.status, pairs)
      return new Response(joined(early) as Uint8Array<ArrayBuffer>, init)
    }
    const chunk = toBytes(result.value)
    execution.write(chunk)
    early.push(chunk)
  }
  return new Response(teed(reader, early, pending, response.status, pairs, execution), init)
}

/** Reads tried before a body counts as streamed; each may take {@link EAGER_TICKS} microtasks. */
const EAGER_READS = 4
const EAGER_TICKS = 4

/** The result of `promise` if it fulfils within a few microtasks, else `undefined` (also when it rejects). */
async function settledSoon<T>(promise: Promise<T>): Promise<T | undefined> {
  let settled = false
  let value: T | undefined
  promise.then(
    (result) => {
      settled = true
      value = result
    },
    () => undefined, // whoever reads `promise` next sees the rejection
  )
  for (let tick = 0; tick < EAGER_TICKS && !settled; tick++) await undefined
  return value
}

function joined(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/** The output stream of a streamed body: `early` chunks (already recorded), then the rest of `reader`. */
function teed(
  reader: ReadableStreamDefaultReader<unknown>,
  early: Uint8Array[],
  pending: Promise<ReadableStreamReadResult<unknown>> | undefined,
  status: number,
  pairs: HeaderPairs,
  execution: Execution,
): ReadableStream<Uint8Array> {
  let output!: ReadableStreamDefaultController<Uint8Array>
  let cancelled = false
  let wantMore: (() => void) | undefined
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      output = controller
      for (const chunk of early) controller.enqueue(chunk)
    },
    pull() {
      wantMore?.()
    },
    cancel() {
      cancelled = true
      wantMore?.()
    },
  })
  const pump = async (): Promise<void> => {
    try {
      for (;;) {
        const { done, value } = await (pending ?? reader.read())
        pending = undefined
        if (done) break
        const chunk = toBytes(value)
        execution.write(chunk)
        if (!cancelled) output.enqueue(chunk)
        if (execution.overLimit) {
          if (cancelled) {
            await reader.cancel()
            break
          }
          if ((output.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (wantMore = resolve))
        }
      }
      await execution.end(status, pairs)
      if (!cancelled) output.close()
    } catch (error) {
      await execution.fail(error)
      if (!cancelled) output.error(error)
    }
  }
  void pump()
  return stream
}

/**
 * One complete exchange for a Web-standard handler: decide, answer or run `handler`, record.
 * `failed()` tells whether the handler failed although a response exists (Hono turns a thrown error
 * into its error handler's response): such a response is passed on, and the key released.
 */
export async function exchangeWeb<Req>(
  http: HttpIdempotency<Req>,
  req: Req,
  request: HttpRequest,
  handler: () => Promise<Response>,
  failed: () => boolean = () => false,
): Promise<Response> {
  const decision = await http.begin(req, request)
  if (decision.kind === 'respond') return toWebResponse(decision.response)
  if (decision.kind === 'pass') return withoutReplayedHeader(await handler())
  const { execution } = decision
  let response: Response
  try {
    response = await handler()
  } catch (error) {
    await execution.fail(error)
    throw error
  }
  if (failed()) {
    await execution.fail(new Error('handler failed'))
    return withoutReplayedHeader(response)
  }
  return recordWebResponse(response, execution)
}

const encoder = new TextEncoder()

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  if (typeof chunk === 'string') return encoder.encode(chunk)
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk)
  throw new TypeError(`A response body chunk must be bytes, got ${typeof chunk}`)
}
