/**
 * Translation between the Fetch API (`Request`/`Response`, on every runtime) and the neutral
 * types, plus the whole exchange for Web-standard handlers. Used by {@link withIdempotency} and
 * `@idemkit/adapter-hono`.
 *
 * @module
 */
import { REPLAYED_HEADER, statusAllowsBody } from './captured-response.js'
import type { HttpIdempotency } from './handler.js'
import type { Execution } from './response-recording.js'
import type { HeaderPairs, HttpRequest, HttpResponse, RequestBody } from './types.js'

/** How a Web request maps to the neutral request. */
export interface WebRequestRoute {
  /** The route pattern; default the URL path (a bare handler has no router). */
  route?: string
  /** Path parameters of the route, if any. */
  params?: Readonly<Record<string, string>>
  /** Read the body another way (e.g. from a framework's body cache); default a clone of the request. */
  readBody?: () => Promise<RequestBody>
}

/** The neutral view of a Fetch `Request`. Its body is read from a clone, so the handler can still read it. */
export function fromWebRequest(request: Request, route: WebRequestRoute = {}): HttpRequest {
  return {
    method: request.method,
    header: (name) => request.headers.get(name) ?? undefined,
    route: route.route ?? new URL(request.url).pathname,
    ...(route.params === undefined ? {} : { params: route.params }),
    readBody:
      route.readBody ??
      (async () => ({ bytes: request.body === null ? new Uint8Array(0) : new Uint8Array(await request.clone().arrayBuffer()) })),
  }
}

/** A Fetch `Response` for a neutral response (a replay or a problem). */
export function toWebResponse(response: HttpResponse): Response {
  const headers = new Headers()
  for (const [name, value] of response.headers) headers.append(name, value)
  // An empty body is sent as `null`: some servers (e.g. @hono/node-server) add a default
  // Content-Type to an empty byte body, which the original bodiless response did not have.
  const body = statusAllowsBody(response.status) && response.body.length > 0 ? (response.body as Uint8Array<ArrayBuffer>) : null
  return new Response(body, { status: response.status, headers })
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
 */
export async function recordWebResponse(response: Response, execution: Execution): Promise<Response> {
  const headers = new Headers(response.headers)
  headers.delete(REPLAYED_HEADER)
  const init: ResponseInit = { status: response.status, statusText: response.statusText, headers }
  const pairs: HeaderPairs = []
  headers.forEach((value, name) => pairs.push([name, value]))
  if (response.body === null || !execution.stores(response.status)) {
    await execution.end(response.status, pairs)
    return new Response(response.body, init)
  }
  const reader = response.body.getReader()
  let output!: ReadableStreamDefaultController<Uint8Array>
  let cancelled = false
  let wantMore: (() => void) | undefined
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      output = controller
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
        const { done, value } = await reader.read()
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
      await execution.end(response.status, pairs)
      if (!cancelled) output.close()
    } catch (error) {
      await execution.fail(error)
      if (!cancelled) output.error(error)
    }
  }
  void pump()
  return new Response(stream, init)
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
