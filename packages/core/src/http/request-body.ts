/**
 * Reading a Fetch `Request`'s body for the fingerprint while leaving it readable for the handler.
 *
 * The obvious way, `request.clone().arrayBuffer()`, tees the body stream: on Node 20 every Web
 * stream, tee and cloned `Request` (with its `AbortSignal`) is expensive, and it cost more than
 * everything else a protected request does (and forces `@hono/node-server` to build a full Request
 * and a Web stream from its Node stream, instead of reading the socket directly). So the body is
 * read once with `arrayBuffer()` and then "put back": the request's prototype becomes one that adds
 * `body`, `bodyUsed`, `arrayBuffer`, `bytes`, `text`, `json`, `blob`, `formData` and `clone` members (in
 * front of the original prototype, so `instanceof Request` holds) that serve the
 * same bytes with the same semantics (read once, then "Body is unusable"). `text`/`json`/
 * `arrayBuffer`/`bytes` answer from the bytes directly; the stream members (`body`, `clone`,
 * `blob`, `formData`) build an equivalent Request from the bytes the first time they are used.
 *
 * One limit: APIs that read a Request's internal state rather than its members (`new
 * Request(request)`, `fetch(request)` with the request as input) still see the consumed body; pass
 * `request.clone()` to them instead. A request object that cannot be changed (frozen, sealed) is
 * read from a clone instead.
 *
 * @module
 */

const BODY = Symbol('idemkit.restoredBody')

interface RestoredBody {
  bytes: Uint8Array
  used: boolean
  replacement: Request | undefined
}

type WithRestoredBody = Request & { [BODY]: RestoredBody }

const utf8 = new TextDecoder()

/**
 * The body bytes of `request`; afterwards the request's body reads as if it had never been read.
 *
 * @example
 * ```ts
 * const bytes = await readRequestBody(request)
 * await request.json() // still works: parsed from the same bytes
 * ```
 */
export async function readRequestBody(request: Request): Promise<Uint8Array> {
  const restored = (request as Partial<WithRestoredBody>)[BODY]
  // Already put back by an outer reader and not read since: the same bytes, nothing to redo.
  if (restored !== undefined && !restored.used && restored.replacement === undefined) return restored.bytes
  if (!Object.isExtensible(request)) {
    return request.body === null ? new Uint8Array(0) : new Uint8Array(await request.clone().arrayBuffer())
  }
  const bytes = new Uint8Array(await request.arrayBuffer())
  // A request without a body is not disturbed by reading it: nothing to put back.
  if (request.bodyUsed) {
    ;(request as WithRestoredBody)[BODY] = { bytes, used: false, replacement: undefined }
    // One prototype swap (to a shared prototype holding the members, cached per original
    // prototype) instead of defining nine own members on every request, which cost several µs.
    Object.setPrototypeOf(request, restoredPrototypeOf(Object.getPrototypeOf(request) as object, 'bytes' in request))
  }
  return bytes
}

const restoredPrototypes = new WeakMap<object, object>()

/** `prototype` with the restored-body members in front of it (`instanceof Request` still holds). */
function restoredPrototypeOf(prototype: object, withBytes: boolean): object {
  let restored = restoredPrototypes.get(prototype)
  if (restored === undefined) {
    // Only the members this runtime's Request has (`bytes()` is recent): add nothing new.
    restored = Object.create(prototype, withBytes ? RESTORED_MEMBERS : RESTORED_MEMBERS_WITHOUT_BYTES) as object
    restoredPrototypes.set(prototype, restored)
  }
  return restored
}

function stateOf(request: Request): RestoredBody {
  return (request as WithRestoredBody)[BODY]
}

/** Take the bytes for one read; a second read fails as a real body does. */
function consume(state: RestoredBody): Uint8Array {
  if (state.used) throw new TypeError('Body is unusable: Body has already been read')
  state.used = true
  return state.bytes
}

/**
 * The Request the stream members delegate to, built from the bytes on first use. If the restored
 * body was already read through a fast member, the replacement is read too, so it reports the same.
 */
function replacementOf(request: Request, state: RestoredBody): Request {
  if (state.replacement === undefined) {
    state.replacement = new Request(request, { body: state.bytes as Uint8Array<ArrayBuffer> })
    if (state.used) void state.replacement.arrayBuffer().catch(() => undefined)
  }
  return state.replacement
}

const RESTORED_MEMBERS: PropertyDescriptorMap = {
  body: {
    configurable: true,
    get(this: Request) {
      return replacementOf(this, stateOf(this)).body
    },
  },
  bodyUsed: {
    configurable: true,
    get(this: Request) {
      const state = stateOf(this)
      return state.replacement === undefined ? state.used : state.replacement.bodyUsed
    },
  },
  arrayBuffer: fastRead((bytes) => bytes.slice().buffer, 'arrayBuffer'),
  bytes: fastRead((bytes) => bytes.slice(), 'bytes'),
  text: fastRead((bytes) => utf8.decode(bytes), 'text'),
  json: fastRead((bytes) => JSON.parse(utf8.decode(bytes)) as unknown, 'json'),
  blob: streamRead('blob'),
  formData: streamRead('formData'),
  clone: {
    configurable: true,
    writable: true,
    value: function clone(this: Request): Request {
      const state = stateOf(this)
      if (state.replacement === undefined && state.used) throw new TypeError('Body is unusable: Body has already been read')
      return replacementOf(this, state).clone()
    },
  },
}

const { bytes: _bytes, ...RESTORED_MEMBERS_WITHOUT_BYTES } = RESTORED_MEMBERS

type BodyMethod = 'arrayBuffer' | 'bytes' | 'text' | 'json' | 'blob' | 'formData'

/** A body method answered from the bytes (the same decoding as the Fetch standard's). */
function fastRead(read: (bytes: Uint8Array) => unknown, name: BodyMethod): PropertyDescriptor {
  return {
    configurable: true,
    writable: true,
    value: async function (this: Request): Promise<unknown> {
      const state = stateOf(this)
      if (state.replacement !== undefined) return (state.replacement[name] as () => Promise<unknown>).call(state.replacement)
      return read(consume(state))
    },
  }
}

/** A body method that needs a real Request (MIME parsing for blob/formData). */
function streamRead(name: BodyMethod): PropertyDescriptor {
  return {
    configurable: true,
    writable: true,
    value: async function (this: Request): Promise<unknown> {
      const replacement = replacementOf(this, stateOf(this))
      return (replacement[name] as () => Promise<unknown>).call(replacement)
    },
  }
}
