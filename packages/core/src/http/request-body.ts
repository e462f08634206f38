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
  /** The bytes as text and JSON, when the fingerprint already decoded them (see {@link rememberJson}). */
  decoded: DecodedJson | undefined
}

/** A JSON body as the default fingerprint decoded it: strict UTF-8 text and its parsed value. */
interface DecodedJson {
  readonly text: string
  readonly value: unknown
}

/** The put-back state of each restored body, by its bytes: how the fingerprint finds it. */
const statesByBytes = new WeakMap<Uint8Array, RestoredBody>()

/**
 * Keep the text and JSON value the default fingerprint decoded from `bytes`, when they are a
 * restored request body: the handler's `json()` or `text()` then answers with them instead of
 * decoding and parsing the same bytes again. Identical results: the fingerprint decodes strictly,
 * so the text is what the lenient decoder gives too, and JSON.parse of the same text is an equal
 * value (handed out once, as a fresh parse would be; the fingerprint does not keep it).
 * @internal
 */
export function rememberJson(bytes: Uint8Array, text: string, value: unknown): void {
  const state = statesByBytes.get(bytes)
  if (state !== undefined && !state.used) state.decoded = { text, value }
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
    const state: RestoredBody = { bytes, used: false, replacement: undefined, decoded: undefined }
    ;(request as WithRestoredBody)[BODY] = state
    statesByBytes.set(bytes, state)
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
  text: fastRead((bytes, decoded) => (decoded === undefined ? utf8.decode(bytes) : decoded.text), 'text'),
  json: fastRead((bytes, decoded) => (decoded === undefined ? (JSON.parse(utf8.decode(bytes)) as unknown) : decoded.value), 'json'),
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
function fastRead(read: (bytes: Uint8Array, decoded: DecodedJson | undefined) => unknown, name: BodyMethod): PropertyDescriptor {
  return {
    configurable: true,
    writable: true,
    value: async function (this: Request): Promise<unknown> {
      const state = stateOf(this)
      if (state.replacement !== undefined) return (state.replacement[name] as () => Promise<unknown>).call(state.replacement)
      const bytes = consume(state)
      const { decoded } = state
      state.decoded = undefined // handed out once; nothing keeps the value after this read
      return read(bytes, decoded)
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
