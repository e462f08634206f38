import { describe, expect, test } from 'vitest'
import { createIdempotency, MemoryStore } from '../src/index.js'

describe('engine smoke', () => {
  test('first call executes, retry replays', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    let calls = 0
    const fn = async () => ({ id: ++calls, at: new Date(0), big: 10n })
    const first = await engine.runDetailed('k1', { amount: 1 }, fn)
    const second = await engine.runDetailed('k1', { amount: 1 }, fn)
    expect(first.replayed).toBe(false)
    expect(second).toEqual({ value: { id: 1, at: new Date(0), big: 10n }, replayed: true })
    expect(calls).toBe(1)
  })
})
