import { describe, expect, test } from 'vitest'
import { createIdempotency, InFlightError, LeaseLostError, MemoryStore } from '../src/index.js'
import { countingStore, fakeClock, gate, sleep } from './support/stores.js'

describe('leases and fencing', () => {
  test('a lapsed lease is taken over; the stale owner gets lease_lost and cannot overwrite the new result', async () => {
    const clock = fakeClock()
    const store = new MemoryStore()
    const lost: LeaseLostError[] = []
    const engine = createIdempotency({ store, lease: '10s', heartbeat: false, clock: clock.now, hooks: { onLeaseLost: ({ error }) => void lost.push(error) } })
    const stale = gate()
    const staleRun = engine.run('k', null, async () => {
      await stale.promise
      return 'stale result'
    })
    await sleep(1)
    clock.advance(10_000) // the stale owner's lease lapses
    expect(await engine.runDetailed('k', null, () => 'new owner result')).toEqual({ value: 'new owner result', replayed: false })
    stale.open()
    const error = await staleRun.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LeaseLostError)
    expect(error).toMatchObject({ code: 'lease_lost', key: ':k' })
    expect(lost).toHaveLength(1)
    expect(await engine.run('k', null, () => 'not called')).toBe('new owner result')
    expect((await store.get(':k'))?.result).toBe('v"new owner result"')
  })

  test('a stale owner that fails cannot release the new owner’s record', async () => {
    const clock = fakeClock()
    const store = new MemoryStore()
    const engine = createIdempotency({ store, lease: '10s', heartbeat: false, clock: clock.now })
    const stale = gate()
    const staleRun = engine.run('k', null, async () => {
      await stale.promise
      throw new Error('stale failure')
    })
    await sleep(1)
    clock.advance(10_001)
    const hold = gate()
    const fresh = engine.run('k', null, async () => {
      await hold.promise
      return 'fresh'
    })
    await sleep(1)
    stale.open()
    await expect(staleRun).rejects.toThrow('stale failure')
    // The fresh owner still holds the key: a duplicate is in flight, not executed.
    await expect(engine.run('k', null, () => 'dup')).rejects.toBeInstanceOf(InFlightError)
    hold.open()
    expect(await fresh).toBe('fresh')
  })

  test('the heartbeat extends the lease while fn runs, so a duplicate is never let in', async () => {
    const store = countingStore(new MemoryStore())
    const engine = createIdempotency({ store, lease: 100 })
    const hold = gate()
    const first = engine.run('k', null, async () => {
      await hold.promise
      return 'first'
    })
    await sleep(350) // 3.5 leases
    await expect(engine.run('k', null, () => 'dup')).rejects.toBeInstanceOf(InFlightError)
    hold.open()
    expect(await first).toBe('first')
    expect(store.calls.extend ?? 0).toBeGreaterThanOrEqual(4)
    const extendsAfter = store.calls.extend
    await sleep(150)
    expect(store.calls.extend).toBe(extendsAfter) // the heartbeat stopped with completion
  })

  test('without a heartbeat the lease lapses and a duplicate takes over (the case the heartbeat prevents)', async () => {
    const engine = createIdempotency({ store: new MemoryStore(), lease: 50, heartbeat: false })
    const hold = gate()
    const first = engine.run('k', null, async () => {
      await hold.promise
      return 'first'
    })
    await sleep(80)
    expect(await engine.run('k', null, () => 'second')).toBe('second')
    hold.open()
    await expect(first).rejects.toBeInstanceOf(LeaseLostError)
  })

  test('when a heartbeat finds the key owned by someone else, the signal aborts with lease_lost', async () => {
    const store = new MemoryStore()
    const engine = createIdempotency({ store, lease: 60 })
    let signal: AbortSignal | undefined
    const hold = gate()
    const first = engine.run('k', null, async (context) => {
      signal = context.signal
      await hold.promise
      return 'first'
    })
    await sleep(5)
    // Simulate a takeover behind the heartbeat's back (e.g. a clock jump on another server).
    const record = await store.get(':k')
    await store.release({ key: ':k', token: record!.token })
    await sleep(80)
    expect(signal?.aborted).toBe(true)
    expect(signal?.reason).toBeInstanceOf(LeaseLostError)
    hold.open()
    await expect(first).rejects.toBeInstanceOf(LeaseLostError)
  })

  test('begin/lease low-level API: complete with a custom commit, fenced', async () => {
    const store = new MemoryStore()
    const engine = createIdempotency({ store })
    const key = engine.storageKey('k', 'tenant')
    const begun = await engine.begin(key, 'fp')
    if (begun.kind !== 'execute') throw new Error('expected to execute')
    let committed = 0
    await begun.lease.complete(engine.encodeResult({ ok: true }), async (input) => {
      committed++
      return store.complete(input)
    })
    expect(committed).toBe(1)
    const replay = await engine.begin(key, 'fp')
    expect(replay.kind).toBe('replay')
    if (replay.kind === 'replay') expect(engine.decodeResult(replay.result)).toEqual({ ok: true })
    const other = await engine.begin(engine.storageKey('k2'), 'fp')
    if (other.kind !== 'execute') throw new Error('expected to execute')
    await expect(other.lease.complete('x', async () => false)).rejects.toBeInstanceOf(LeaseLostError)
  })

  test('release after a custom commit whose transaction then rolled back: localCache forgets the result', async () => {
    const store = new MemoryStore()
    const engine = createIdempotency({ store, localCache: { maxEntries: 10 } })
    const key = engine.storageKey('k')
    const begun = await engine.begin(key, 'fp')
    if (begun.kind !== 'execute') throw new Error('expected to execute')
    // The commit callback "succeeds" (its UPDATE ran inside a transaction), then the COMMIT fails and
    // nothing was stored; the caller releases the lease so a retry executes.
    await begun.lease.complete(engine.encodeResult('never committed'), async () => true)
    expect(await begun.lease.release()).toBe(true)
    expect(await engine.run('k', 'fp', () => 'executed again', { fingerprint: 'fp' })).toBe('executed again')
  })
})

describe('heartbeat racing completion', () => {
  test('a beat in flight while the result is stored does not report a lost lease', async () => {
    const lost: unknown[] = []
    const memory = new MemoryStore()
    let extendCalls = 0
    // extend is slow: a beat started just before completion finishes after it.
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      extend: async (input: Parameters<MemoryStore['extend']>[0]) => {
        extendCalls++
        await sleep(40)
        return memory.extend(input)
      },
    })
    const engine = createIdempotency({ store, lease: 40, hooks: { onLeaseLost: ({ error }) => void lost.push(error) } })
    expect(await engine.run('k', null, async () => {
      await sleep(30) // the first beat (due at ~20 ms) is in flight when we complete
      return 'done'
    })).toBe('done')
    await sleep(60)
    expect(extendCalls).toBeGreaterThanOrEqual(1)
    expect(lost).toEqual([])
  })
})
