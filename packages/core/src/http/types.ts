/**
 * The neutral request and response shapes every adapter translates to and from. They carry only
 * what idempotency needs, so an adapter is a thin translation and all behaviour lives in core.
 *
 * @module
 */

/** Header fields as `[lower-case name, value]` pairs; a name may repeat. */
export type HeaderPairs = Array<[name: string, value: string]>

/**
 * The request body as the adapter could obtain it: the raw bytes (preferred: fingerprinting the
 * bytes the client sent) or, when a body parser already consumed the stream without keeping the
 * bytes, the parsed value.
 */
export type RequestBody = { bytes: Uint8Array } | { parsed: unknown }

/** An incoming request, as the HTTP layer sees it. */
export interface HttpRequest {
  /** The request method, any case. */
  method: string
  /** The value of a header field (repeated lines joined with `,`), or `undefined`. */
  header(name: string): string | undefined
  /**
   * The route that identifies the operation: the matched route pattern (e.g. `/payments/:id`) when
   * the framework knows it, else the URL path without the query string.
   */
  route: string
  /** Path parameters of the matched route (e.g. `{ id: '42' }`); part of the default fingerprint. */
  params?: Readonly<Record<string, string>>
  /** Read the body. Called at most once, and only for requests the layer protects. */
  readBody(): Promise<RequestBody>
}

/** A complete response: our problem documents and replays. */
export interface HttpResponse {
  /** HTTP status code. */
  status: number
  /** Header fields to send. */
  headers: HeaderPairs
  /** The exact body bytes (empty for none). */
  readonly body: Uint8Array
  /**
   * The same body as a string, when it is UTF-8 text (`body` is its UTF-8 encoding). Adapters may
   * send it instead of `body`: a replay then skips encoding it.
   */
  readonly text?: string
}
