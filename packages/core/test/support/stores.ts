import type { IdempotencyStore } from '../../src/index.js'

const STORE_METHODS = new Set(['acquire', 'complete', 'release', 'get', 'extend'])

/** Counts every call made to a store's contract methods (round trips, for a remote store). */
export function countingStore<S extends IdempotencyStore>(inner: S): S & { calls: Record<string, number>; total(): number } {
  const calls: Record<string, number> = {}
  const wrapper = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string' || !STORE_METHODS.has(property)) return value
      return (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  }) as S & { calls: Record<string, number>; total(): number }
  Object.defineProperty(wrapper, 'calls', { value: calls })
  Object.defineProperty(wrapper, 'total', { value: () => Object.values(calls).reduce((sum, count) => sum + count, 0) })
  return wrapper
}

/** A store whose every method rejects, like a server that is down. */
export function downStore(): IdempotencyStore {
  const fail = async (): Promise<never> => {
    throw new Error('ECONNREFUSED 127.0.0.1:6379')
  }
  return { name: 'down', acquire: fail, complete: fail, release: fail, get: fail, extend: fail }
}

/** A store whose every method hangs forever, like a server that accepted the connection and died. */
export function hangingStore(): IdempotencyStore {
  const hang = (): Promise<never> => new Promise<never>(() => {})
  return { name: 'hanging', acquire: hang, complete: hang, release: hang, get: hang, extend: hang }
}

/** A controllable clock. */
export function fakeClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let current = start
  return { now: () => current, advance: (ms) => void (current += ms) }
}

/** A promise you resolve from outside. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
