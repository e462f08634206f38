import { describe, expect, test, vi } from 'vitest'
import {
  createIdempotency,
  FingerprintMismatchError,
  IdempotencyStoreError,
  InFlightError,
  InvalidKeyError,
  MemoryStore,
} from '../src/index.js'
import { countingStore, downStore, fakeClock, gate, hangingStore, sleep } from './support/stores.js'

describe('run: execute once, replay after', () => {
  test('the first call executes; a retry with the same input replays without calling fn', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    let calls = 0
    const charge = async () => ({ chargeId: `ch_${++calls}`, amount: 100 })
    const first = await engine.runDetailed('order-1', { amount: 100 }, charge)
    const second = await engine.runDetailed('order-1', { amount: 100 }, charge)
    expect(first).toEqual({ value: { chargeId: 'ch_1', amount: 100 }, replayed: false })
    expect(second).toEqual({ value: { chargeId: 'ch_1', amount: 100 }, replayed: true })
    expect(calls).toBe(1)
  })

  test('key order of the input does not matter; a changed value is a mismatch and fn is not called', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    let calls = 0
    await engine.run('k', { amount: 100, currency: 'EUR' }, () => ++calls)
    expect(await engine.run('k', { currency: 'EUR', amount: 100 }, () => ++calls)).toBe(1)
    await expect(engine.run('k', { currency: 'EUR', amount: 101 }, () => ++calls)).rejects.toBeInstanceOf(FingerprintMismatchError)
    expect(calls).toBe(1)
  })

  test('each replay is a fresh copy: mutating a result never changes what the next retry gets', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    const first = await engine.run('k', null, () => ({ items: [1, 2] }))
    first.items.push(3)
    const replay = await engine.run('k', null, () => ({ items: [] as number[] }))
    replay.items.push(4)
    expect(await engine.run('k', null, () => ({ items: [] as number[] }))).toEqual({ items: [1, 2] })
  })

  test('Date, BigInt, undefined and Map results replay as the same types', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    const value = { at: new Date('2026-12-04T10:00:00.000Z'), cents: 12345678901234567890n, note: undefined, tags: new Map([['a', 1]]) }
    await engine.run('k', null, () => value)
    const replayed = await engine.runDetailed('k', null, () => ({}))
    expect(replayed.replayed).toBe(true)
    expect(replayed.value).toEqual(value)
    expect('note' in (replayed.value as object)).toBe(true)
  })

  test('keys are validated and scopes keep tenants apart', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    await expect(engine.run('', null, () => 1)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(engine.run('k'.repeat(256), null, () => 1)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(engine.run('naïve', null, () => 1)).rejects.toMatchObject({ code: 'invalid_key', status: 400 })
    expect(await engine.run('same-key', { a: 1 }, () => 'tenant-a', { scope: 'tenant-a' })).toBe('tenant-a')
    expect(await engine.run('same-key', { a: 1 }, () => 'tenant-b', { scope: 'tenant-b' })).toBe('tenant-b')
    expect(await engine.run('same-key', { a: 1 }, () => 'again', { scope: 'tenant-a' })).toBe('tenant-a')
  })

  test('after the retention window the key executes again', async () => {
    const clock = fakeClock()
    const engine = createIdempotency({ store: new MemoryStore(), ttl: '1h', clock: clock.now })
    let calls = 0
    await engine.run('k', null, () => ++calls)
    clock.advance(60 * 60 * 1000 - 1)
    expect(await engine.run('k', null, () => ++calls)).toBe(1)
    clock.advance(1)
    expect(await engine.run('k', null, () => ++calls)).toBe(2)
  })
})

describe('concurrency', () => {
  test('100 concurrent duplicates in wait mode: fn runs once and every caller gets the same result', async () => {
    const engine = createIdempotency({ store: new MemoryStore(), inFlight: { wait: { timeoutMs: 5_000, pollMs: 2 } } })
    let calls = 0
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        engine.runDetailed('dup', { amount: 5 }, async () => {
          calls++
          await sleep(30)
          return { id: 'pay_1', n: calls }
        }),
      ),
    )
    expect(calls).toBe(1)
    expect(new Set(results.map((result) => JSON.stringify(result.value)))).toEqual(new Set(['{"id":"pay_1","n":1}']))
    expect(results.filter((result) => !result.replayed)).toHaveLength(1)
  })

  test('100 concurrent duplicates in reject mode: one executes, 99 get in_flight with a retry hint', async () => {
    const engine = createIdempotency({ store: new MemoryStore(), lease: '30s' })
    let calls = 0
    const settled = await Promise.allSettled(
      Array.from({ length: 100 }, () =>
        engine.run('dup', null, async () => {
          calls++
          await sleep(20)
          return 'done'
        }),
      ),
    )
    expect(calls).toBe(1)
    const rejected = settled.filter((result): result is PromiseRejectedResult => result.status === 'rejected')
    expect(rejected).toHaveLength(99)
    for (const { reason } of rejected) {
      expect(reason).toBeInstanceOf(InFlightError)
      expect((reason as InFlightError).retryAfterMs).toBeGreaterThanOrEqual(1_000)
      expect((reason as InFlightError).status).toBe(409)
    }
  })

  test('wait mode gives up with in_flight after timeoutMs', async () => {
    const engine = createIdempotency({ store: new MemoryStore(), inFlight: { wait: { timeoutMs: 80, pollMs: 10 } } })
    const hold = gate()
    const first = engine.run('slow', null, async () => {
      await hold.promise
      return 1
    })
    await sleep(5)
    const started = Date.now()
    await expect(engine.run('slow', null, () => 2)).rejects.toBeInstanceOf(InFlightError)
    const waited = Date.now() - started
    expect(waited).toBeGreaterThanOrEqual(70)
    expect(waited).toBeLessThan(1_000)
    hold.open()
    expect(await first).toBe(1)
  })

  test('wait mode: when the first execution fails and releases, a waiter executes itself', async () => {
    const engine = createIdempotency({ store: new MemoryStore(), inFlight: { wait: { timeoutMs: 2_000, pollMs: 5 } } })
    const first = engine.run('k', null, async () => {
      await sleep(20)
      throw new Error('card network timeout')
    })
    await sleep(2)
    const second = engine.runDetailed('k', null, () => 'second ran')
    await expect(first).rejects.toThrow('card network timeout')
    expect(await second).toEqual({ value: 'second ran', replayed: false })
  })
})

describe('failure policy', () => {
  test('a thrown error releases the key by default: the retry executes again', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    let calls = 0
    await expect(engine.run('k', null, () => Promise.reject(new Error(`fail ${++calls}`)))).rejects.toThrow('fail 1')
    expect(await engine.run('k', null, () => ++calls)).toBe(2)
  })

  class CardDeclinedError extends Error {
    readonly code = 'card_declined'
    constructor(readonly declineCode: string) {
      super(`Card declined: ${declineCode}`)
      this.name = 'CardDeclinedError'
    }
  }

  test('stored failures replay as the same error type, message and code', async () => {
    const engine = createIdempotency({
      store: new MemoryStore(),
      shouldStore: (outcome) => outcome.ok || outcome.error instanceof CardDeclinedError,
      errorTypes: [CardDeclinedError],
    })
    let calls = 0
    const decline = () => {
      calls++
      throw new CardDeclinedError('insufficient_funds')
    }
    await expect(engine.run('k', null, decline)).rejects.toBeInstanceOf(CardDeclinedError)
    const replayed = await engine.run('k', null, decline).catch((error: unknown) => error)
    expect(calls).toBe(1)
    expect(replayed).toBeInstanceOf(CardDeclinedError)
    expect(replayed).toMatchObject({ name: 'CardDeclinedError', message: 'Card declined: insufficient_funds', code: 'card_declined', declineCode: 'insufficient_funds' })
  })

  test('a stored failure of an unregistered type replays as an Error with the same name, message and code', async () => {
    const engine = createIdempotency({ store: new MemoryStore(), shouldStore: () => true })
    const error = Object.assign(new RangeError('amount out of range'), { code: 'amount_invalid' })
    await expect(engine.run('k', null, () => Promise.reject(error))).rejects.toBe(error)
    const replayed = await engine.run('k', null, () => 'not called').catch((caught: unknown) => caught)
    expect(replayed).toBeInstanceOf(Error)
    expect(replayed).toMatchObject({ name: 'RangeError', message: 'amount out of range', code: 'amount_invalid' })
  })

  test('shouldStore can refuse a value: the key is released and a retry executes again', async () => {
    const engine = createIdempotency({ store: new MemoryStore(), shouldStore: (outcome) => outcome.ok && outcome.value !== 'pending' })
    let calls = 0
    expect(await engine.run('k', null, () => (++calls === 1 ? 'pending' : 'settled'))).toBe('pending')
    expect(await engine.run('k', null, () => (++calls === 1 ? 'pending' : 'settled'))).toBe('settled')
    expect(await engine.run('k', null, () => 'not called')).toBe('settled')
  })

  test('an unserialisable result releases the key and surfaces the error', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    await expect(engine.run('k', null, () => cyclic)).rejects.toThrow(TypeError)
    expect(await engine.run('k', null, () => 'ok')).toBe('ok')
  })
})

describe('results too large for the store', () => {
  test('the first call gets result_too_large; the retry gets the same error and does NOT execute again', async () => {
    const store = Object.assign(new MemoryStore(), { maxResultBytes: 1_000 })
    const engine = createIdempotency({ store })
    let calls = 0
    const big = () => {
      calls++
      return 'é'.repeat(600) // 1,200 UTF-8 bytes
    }
    await expect(engine.run('k', null, big)).rejects.toMatchObject({ code: 'result_too_large', bytes: 1_203, limit: 1_000 })
    await expect(engine.run('k', null, big)).rejects.toMatchObject({ code: 'result_too_large' })
    expect(calls).toBe(1)
    expect((await store.get(':k'))?.status).toBe('completed')
  })
})

describe('store failures fail closed', () => {
  test('a store that is down: store_unavailable naming the operation and the store, fn never runs', async () => {
    const errors: unknown[] = []
    const engine = createIdempotency({ store: downStore(), hooks: { onStoreError: ({ error }) => void errors.push(error) } })
    let calls = 0
    const error = await engine.run('k', null, () => ++calls).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(IdempotencyStoreError)
    expect(error).toMatchObject({ code: 'store_unavailable', status: 503, operation: 'acquire', store: 'down' })
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(calls).toBe(0)
    expect(errors).toHaveLength(1)
  })

  test('a store that hangs: store_unavailable within the store timeout, never a hung promise', async () => {
    const engine = createIdempotency({ store: hangingStore(), storeTimeout: 100 })
    const started = Date.now()
    await expect(engine.run('k', null, () => 1)).rejects.toMatchObject({ code: 'store_unavailable', operation: 'acquire' })
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  test('complete failing after fn ran surfaces store_unavailable (the caller must not assume it was recorded)', async () => {
    const memory = new MemoryStore()
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      complete: async () => {
        throw new Error('connection reset')
      },
    })
    const engine = createIdempotency({ store })
    await expect(engine.run('k', null, () => 'charged')).rejects.toMatchObject({ code: 'store_unavailable', operation: 'complete' })
  })

  test('a failing release never hides the function’s own error', async () => {
    const memory = new MemoryStore()
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      release: async () => {
        throw new Error('connection reset')
      },
    })
    const engine = createIdempotency({ store })
    await expect(engine.run('k', null, () => Promise.reject(new Error('business failure')))).rejects.toThrow('business failure')
  })
})

describe('round trips', () => {
  test('new key = 2 store calls (acquire + complete), replay = 1, replay with localCache = 0', async () => {
    const store = countingStore(new MemoryStore())
    const engine = createIdempotency({ store })
    await engine.run('k', { a: 1 }, () => 'r')
    expect(store.calls).toEqual({ acquire: 1, complete: 1 })
    await engine.run('k', { a: 1 }, () => 'r')
    expect(store.total()).toBe(3)

    const cachedStore = countingStore(new MemoryStore())
    const cached = createIdempotency({ store: cachedStore, localCache: { maxEntries: 10 } })
    await cached.run('k', { a: 1 }, () => 'r')
    const before = cachedStore.total()
    for (let index = 0; index < 5; index++) expect(await cached.run('k', { a: 1 }, () => 'x')).toBe('r')
    expect(cachedStore.total() - before).toBe(0)
    await expect(cached.run('k', { a: 2 }, () => 'x')).rejects.toBeInstanceOf(FingerprintMismatchError)
  })

  test('the local cache respects expiry and never caches in-progress records', async () => {
    const clock = fakeClock()
    const store = countingStore(new MemoryStore())
    const engine = createIdempotency({ store, ttl: 1_000, clock: clock.now, localCache: { maxEntries: 10 } })
    const hold = gate()
    const running = engine.run('k', null, async () => {
      await hold.promise
      return 'first'
    })
    await sleep(1)
    await expect(engine.run('k', null, () => 'dup')).rejects.toBeInstanceOf(InFlightError)
    hold.open()
    await running
    expect(await engine.run('k', null, () => 'dup')).toBe('first')
    clock.advance(1_000)
    expect(await engine.run('k', null, () => 'second')).toBe('second')
  })
})

describe('hooks', () => {
  test('hooks see execute, replay, in-flight and mismatch; a throwing hook breaks nothing', async () => {
    const seen: string[] = []
    const engine = createIdempotency({
      store: new MemoryStore(),
      hooks: {
        onExecute: () => {
          seen.push('execute')
          throw new Error('broken logger')
        },
        onReplay: ({ fromCache }) => void seen.push(`replay:${fromCache}`),
        onInFlight: async () => {
          seen.push('in_flight')
          throw new Error('broken async logger')
        },
        onMismatch: () => void seen.push('mismatch'),
      },
    })
    const hold = gate()
    const first = engine.run('k', 1, async () => {
      await hold.promise
      return 'ok'
    })
    await sleep(1)
    await expect(engine.run('k', 1, () => 'x')).rejects.toBeInstanceOf(InFlightError)
    hold.open()
    expect(await first).toBe('ok')
    expect(await engine.run('k', 1, () => 'x')).toBe('ok')
    await expect(engine.run('k', 2, () => 'x')).rejects.toBeInstanceOf(FingerprintMismatchError)
    expect(seen).toEqual(['execute', 'in_flight', 'replay:false', 'mismatch'])
  })
})

describe('options', () => {
  test('bad options are rejected up front with clear errors', () => {
    expect(() => createIdempotency({} as never)).toThrow(/store/)
    expect(() => createIdempotency({ store: new MemoryStore(), ttl: '3 fortnights' as never })).toThrow(RangeError)
    expect(() => createIdempotency({ store: new MemoryStore(), lease: 0 })).toThrow(/lease/)
    expect(() => createIdempotency({ store: new MemoryStore(), inFlight: { wait: { timeoutMs: -1 } } })).toThrow(RangeError)
  })

  test('durations accept strings', async () => {
    const clock = fakeClock()
    const engine = createIdempotency({ store: new MemoryStore(), ttl: '2s', lease: '500ms', clock: clock.now })
    let calls = 0
    await engine.run('k', null, () => ++calls)
    clock.advance(1_999)
    await engine.run('k', null, () => ++calls)
    clock.advance(1)
    await engine.run('k', null, () => ++calls)
    expect(calls).toBe(2)
  })
})

describe('completion survives a store hiccup', () => {
  test('a complete that fails once is retried while the lease holds: stored, replayable, fn ran once', async () => {
    const memory = new MemoryStore()
    let failures = 1
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      complete: async (input: Parameters<MemoryStore['complete']>[0]) => {
        if (failures-- > 0) throw new Error('ETIMEDOUT')
        return memory.complete(input)
      },
    })
    const engine = createIdempotency({ store })
    let calls = 0
    expect(await engine.run('k', null, () => ++calls)).toBe(1)
    expect(await engine.runDetailed('k', null, () => ++calls)).toEqual({ value: 1, replayed: true })
    expect(calls).toBe(1)
  })

  test('a complete that outlasts the foreground retries is thrown, then stored in the background once the store is back', async () => {
    const memory = new MemoryStore()
    let storeDown = true
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      complete: async (input: Parameters<MemoryStore['complete']>[0]) => {
        if (storeDown) throw new Error('ECONNREFUSED')
        return memory.complete(input)
      },
    })
    const engine = createIdempotency({ store, lease: '30s' })
    let calls = 0
    await expect(engine.run('k', { a: 1 }, () => `charged ${++calls}`)).rejects.toBeInstanceOf(IdempotencyStoreError)
    // Until it is stored, the key stays in progress: a retry is answered in flight, never executed.
    await expect(engine.run('k', { a: 1 }, () => `charged ${++calls}`)).rejects.toBeInstanceOf(InFlightError)
    storeDown = false
    await vi.waitFor(async () => expect((await memory.get(':k'))?.status).toBe('completed'), { timeout: 3_000, interval: 50 })
    expect(await engine.runDetailed('k', { a: 1 }, () => `charged ${++calls}`)).toEqual({ value: 'charged 1', replayed: true })
    expect(calls).toBe(1)
  })

  test('a released lease stops its background completion', async () => {
    const memory = new MemoryStore()
    let completeCalls = 0
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      complete: async () => {
        completeCalls++
        throw new Error('ECONNREFUSED')
      },
    })
    const engine = createIdempotency({ store, lease: '30s' })
    const begun = await engine.begin(':k', 'fp')
    if (begun.kind !== 'execute') throw new Error('expected to execute')
    await expect(begun.lease.complete('"result"')).rejects.toBeInstanceOf(IdempotencyStoreError)
    expect(await begun.lease.release()).toBe(true)
    const afterRelease = completeCalls
    await sleep(1_200)
    expect(afterRelease).toBe(4)
    expect(completeCalls).toBe(afterRelease)
  })

  test('a claim whose reply was lost but that lands later is undone, so a retry after recovery executes instead of waiting out the lease', async () => {
    // One ordered connection, as ioredis keeps: a call times out on the client, but the server still
    // runs it, and runs every later call after it.
    const memory = new MemoryStore()
    let line: Promise<unknown> = Promise.resolve()
    let stalled = true
    const inOrder = <T>(call: () => Promise<T>): Promise<T> => {
      const result = line.then(call)
      line = result.catch(() => undefined)
      return result
    }
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      acquire: (input: Parameters<MemoryStore['acquire']>[0]) =>
        inOrder(async () => {
          if (stalled) await sleep(300) // the server is unreachable; the claim lands when it is back
          stalled = false
          return memory.acquire(input)
        }),
      release: (input: Parameters<MemoryStore['release']>[0]) => inOrder(() => memory.release(input)),
    })
    const engine = createIdempotency({ store, storeTimeout: 100, lease: '30s' })
    let calls = 0
    await expect(engine.run('k', { a: 1 }, () => ++calls)).rejects.toBeInstanceOf(IdempotencyStoreError)
    await sleep(350)
    expect(await memory.get(':k')).toBeUndefined()
    expect(await engine.run('k', { a: 1 }, () => ++calls)).toBe(1)
  })

  test('a retried complete whose first attempt landed (reply lost) is a success, not lease_lost', async () => {
    const memory = new MemoryStore()
    let lostReplies = 1
    const lost: unknown[] = []
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      complete: async (input: Parameters<MemoryStore['complete']>[0]) => {
        const done = await memory.complete(input)
        if (lostReplies-- > 0) throw new Error('socket hang up') // written, but the reply never arrived
        return done
      },
    })
    const engine = createIdempotency({ store, hooks: { onLeaseLost: ({ error }) => void lost.push(error) } })
    expect(await engine.run('k', { a: 1 }, () => 'charged')).toBe('charged')
    expect(lost).toEqual([])
    expect(await engine.run('k', { a: 1 }, () => 'again')).toBe('charged')
  })
})
