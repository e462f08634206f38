/**
 * Recording the first execution's response while it is being sent, then storing it (or releasing
 * the key) when it is complete. Adapters feed it the body chunks as they go out — nothing is held
 * back from the client — and call `end` just before the last byte leaves, so the only delay the
 * first client sees is the `complete` round trip.
 *
 * @module
 */
import { ResultTooLargeError } from '../errors.js'
import type { Lease } from '../engine.js'
import { encodeStoredResponse, encodeStoredText, encodeTooLarge } from './captured-response.js'
import type { HeaderPairs } from './types.js'
import { isWellFormed, utf8ByteLength } from '../utf8.js'

const encoder = new TextEncoder()

/** The protected execution of one request: what an adapter reports back to the HTTP layer. */
export interface Execution {
  /** Aborted when the lease was lost to another worker; long handlers may stop early. */
  readonly signal: AbortSignal
  /** Whether a response with this status will be stored (by the `storeResponse` policy). */
  stores(status: number): boolean
  /** True once more body bytes were written than can be stored. */
  readonly overLimit: boolean
  /**
   * Record a body chunk as it is sent. Never delays or changes it. A string stands for its UTF-8
   * encoding (what a framework sends for it): passing it as it is spares an encode and a decode.
   */
  write(chunk: Uint8Array | string): void
  /**
   * The response is complete: store it (status, storable headers, the recorded bytes), store the
   * too-large marker, or release the key, as the policy says. Never throws: a store failure or a
   * lost lease must not break a response whose side effect already happened (the engine's hooks
   * report it).
   */
  end(status: number, headers: HeaderPairs): Promise<void>
  /** The handler failed (threw, or its body stream errored): release the key. Never throws. */
  fail(error: unknown): Promise<void>
  /**
   * The connection closed before the response ended. The handler may still be running (a client
   * that timed out and will retry: releasing now would let that retry run the side effect a second
   * time) or may have died (an error after the headers went out: holding the key forever would
   * answer every retry with 409). So keep the key for one lease, like a crashed worker's, then
   * release it unless the response ended meanwhile.
   */
  abandon(): void
}

/** Policy an execution applies. */
export interface RecordingPolicy {
  /** Which statuses are stored. */
  storeResponse: (status: number) => boolean
  /** Largest body, in bytes, that is stored. */
  maxResponseBytes: number
  /** How long an abandoned execution keeps its key, in ms (the lease). */
  abandonAfterMs: number
}

/** @internal The {@link Execution} behind a lease. */
export class ResponseRecording implements Execution {
  private chunks: Array<Uint8Array | string> = []
  private bytes = 0
  private settled = false
  private abandonTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly lease: Lease,
    private readonly policy: RecordingPolicy,
  ) {}

  get signal(): AbortSignal {
    return this.lease.signal
  }

  get overLimit(): boolean {
    return this.bytes > this.policy.maxResponseBytes
  }

  stores(status: number): boolean {
    return this.policy.storeResponse(status)
  }

  write(chunk: Uint8Array | string): void {
    if (this.settled || chunk.length === 0) return
    // A lone surrogate went out as U+FFFD, written on its own: keep those bytes, so that joining the
    // strings later cannot pair it with a neighbour's surrogate into a character nobody sent.
    if (typeof chunk === 'string' && !isWellFormed(chunk)) chunk = encoder.encode(chunk)
    this.bytes += typeof chunk === 'string' ? utf8ByteLength(chunk) : chunk.length
    // Past the limit the body will not be stored: stop holding memory for it, keep counting.
    if (this.overLimit) this.chunks = []
    else this.chunks.push(chunk)
  }

  abandon(): void {
    if (this.settled || this.abandonTimer !== undefined) return
    this.abandonTimer = setTimeout(() => void this.fail(), this.policy.abandonAfterMs)
    // Never keep a process alive just for this.
    ;(this.abandonTimer as { unref?: () => void }).unref?.()
  }

  async end(status: number, headers: HeaderPairs): Promise<void> {
    if (this.settled) return
    this.settled = true
    clearTimeout(this.abandonTimer)
    const chunks = this.chunks
    this.chunks = []
    try {
      if (!this.policy.storeResponse(status)) {
        await this.lease.release()
        return
      }
      if (this.bytes > this.policy.maxResponseBytes) {
        // Never release here: the side effect happened, so a retry must not run it again.
        await this.lease.complete(encodeTooLarge(status, this.bytes, this.policy.maxResponseBytes))
        return
      }
      try {
        const body = concat(chunks, this.bytes)
        // Strings were checked one by one in write(), and counted: no second scan of the whole body.
        await this.lease.complete(
          typeof body === 'string' ? encodeStoredText(status, headers, body, this.bytes) : encodeStoredResponse(status, headers, body),
        )
      } catch (error) {
        if (!(error instanceof ResultTooLargeError)) throw error
        await this.lease.complete(encodeTooLarge(status, this.bytes, error.limit))
      }
    } catch {
      // Store down or lease lost: already reported through the engine's hooks (onStoreError,
      // onLeaseLost). The client still gets the response its request produced.
    }
  }

  async fail(): Promise<void> {
    if (this.settled) return
    this.settled = true
    this.chunks = []
    try {
      await this.lease.release()
    } catch {
      // Reported through onStoreError; the lease lapses on its own and a retry executes then.
    }
  }
}

/** The chunks as one body: a string when they all are strings, else bytes. */
function concat(chunks: Array<Uint8Array | string>, length: number): Uint8Array | string {
  if (chunks.length === 1) return chunks[0] as Uint8Array | string
  if (chunks.every((chunk) => typeof chunk === 'string')) return chunks.join('')
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk
    out.set(bytes, offset)
    offset += bytes.length
  }
  return out
}
