/**
 * `idempotent()`: make any async function idempotent in one line: queue consumers, webhook
 * handlers, jobs.
 *
 * @module
 */
import { createIdempotency, type IdempotencyEngine, type IdempotencyOptions, type WrapOptions } from './engine.js'

/** Options of {@link idempotent}: the engine's options plus how to key and fingerprint a call. */
export type IdempotentOptions<A extends unknown[]> = WrapOptions<A> &
  (IdempotencyOptions | { engine: IdempotencyEngine; store?: never })

/**
 * Return an idempotent version of `fn` with the same parameters: the first call with a key runs
 * `fn` and stores its result; later calls with the same key and arguments get that result without
 * running `fn`. Use a distinct `scope` per function when several share one store.
 *
 * @example
 * ```ts
 * import { idempotent, MemoryStore } from '@idemkit/core'
 *
 * const sendReceipt = idempotent(
 *   async (message: { id: string; email: string }) => mailer.send(message.email),
 *   { store: new MemoryStore(), key: (message) => message.id, scope: 'send-receipt' },
 * )
 * await sendReceipt(message) // sends
 * await sendReceipt(message) // redelivered: replays the first result, sends nothing
 * ```
 */
export function idempotent<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  options: IdempotentOptions<A>,
): (...args: A) => Promise<Awaited<R>> {
  const engine = 'engine' in options && options.engine !== undefined ? options.engine : createIdempotency(options as IdempotencyOptions)
  const wrapOptions: WrapOptions<A> = { key: options.key }
  if (options.fingerprint !== undefined) wrapOptions.fingerprint = options.fingerprint
  if (options.scope !== undefined) wrapOptions.scope = options.scope
  return engine.wrap(fn, wrapOptions)
}
