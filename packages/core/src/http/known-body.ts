/**
 * The body of a Response that is known to be complete without reading it, when the runtime keeps
 * it: `@hono/node-server` replaces the global `Response` with a lightweight one that holds the
 * string or bytes it was built from (`[status, body, headers]` under its own `Symbol('cache')`) and
 * writes them to the socket in one call. Reading such a response through the Fetch API would first
 * build a full undici Response and a Web stream, which on Node 20 costs more than the whole rest of
 * a protected request; with the body known, the response is recorded from it and passed on as it
 * is, as fast as without idempotency.
 *
 * This reads a private detail of that package, so it is guarded: anything that does not look
 * exactly like that cache (another runtime, another version, a stream or Blob body, a response
 * already turned into a full one) answers `undefined`, and the caller reads the body the standard way.
 *
 * @module
 */

const CACHE_DESCRIPTION = 'cache'

/**
 * The complete body of `response` (`null` for none) if it is held as a string or bytes, else
 * `undefined` (then read it through the Fetch API).
 */
export function knownBody(response: Response): string | Uint8Array | null | undefined {
  for (const symbol of Object.getOwnPropertySymbols(response)) {
    if (symbol.description !== CACHE_DESCRIPTION) continue
    const cache = (response as unknown as Record<symbol, unknown>)[symbol]
    if (!Array.isArray(cache) || cache.length !== 3 || cache[0] !== response.status) return undefined
    const body: unknown = cache[1]
    if (body === null || typeof body === 'string' || body instanceof Uint8Array) return body
    return undefined
  }
  return undefined
}
