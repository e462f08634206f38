/** The decision table of DESIGN.md §2, row by row, and the liveness boundaries it rests on. */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { decideAfterAcquire, decideAfterRead, decideForLiveRecord, MIN_RETRY_AFTER_MS } from '../src/state-machine.js'
import { isLive, type IdempotencyRecord } from '../src/store.js'

const NOW = 1_700_000_000_000
const MINE = 'a'.repeat(64)
const OTHER = 'b'.repeat(64)

function inProgress(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return { key: ':k', status: 'in_progress', fingerprint: MINE, token: 't1', lockedUntil: NOW + 30_000, expiresAt: NOW + 30_000, ...overrides }
}

function completed(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return { key: ':k', status: 'completed', fingerprint: MINE, token: 't1', lockedUntil: NOW - 1, expiresAt: NOW + 86_400_000, result: '{"ok":true}', ...overrides }
}

describe('decideAfterAcquire: the table of DESIGN.md §2', () => {
  test('nothing live (the claim succeeded) → execute, whatever the fingerprint', () => {
    expect(decideAfterAcquire({ acquired: true }, MINE, NOW)).toEqual({ kind: 'execute' })
    expect(decideAfterAcquire({ acquired: true }, OTHER, NOW)).toEqual({ kind: 'execute' })
  })

  test('in_progress, same fingerprint → in flight, with the time left on the lease as the hint', () => {
    const record = inProgress({ lockedUntil: NOW + 12_345 })
    expect(decideAfterAcquire({ acquired: false, record }, MINE, NOW)).toEqual({ kind: 'in_flight', record, retryAfterMs: 12_345 })
  })

  test('completed, same fingerprint → replay the stored record', () => {
    const record = completed()
    const decision = decideAfterAcquire({ acquired: false, record }, MINE, NOW)
    expect(decision).toEqual({ kind: 'replay', record })
    expect(decision.kind === 'replay' && decision.record.result).toBe('{"ok":true}')
  })

  test('completed, other fingerprint → mismatch (never the other request’s result)', () => {
    const record = completed()
    expect(decideAfterAcquire({ acquired: false, record }, OTHER, NOW)).toEqual({ kind: 'mismatch', record })
  })

  test('in_progress, other fingerprint → mismatch (never waits for another request)', () => {
    const record = inProgress()
    expect(decideAfterAcquire({ acquired: false, record }, OTHER, NOW)).toEqual({ kind: 'mismatch', record })
  })
})

describe('retry hint', () => {
  test('never below 1 s, even when the lease is about to lapse', () => {
    expect(MIN_RETRY_AFTER_MS).toBe(1_000)
    for (const left of [1, 10, 999, 1_000]) {
      const decision = decideForLiveRecord(inProgress({ lockedUntil: NOW + left }), MINE, NOW)
      expect(decision).toMatchObject({ kind: 'in_flight', retryAfterMs: 1_000 })
    }
    expect(decideForLiveRecord(inProgress({ lockedUntil: NOW + 1_001 }), MINE, NOW)).toMatchObject({ retryAfterMs: 1_001 })
  })

  test('property: retryAfterMs ≥ 1 s and ≥ the time left on the lease', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 9 }), (left) => {
        const decision = decideForLiveRecord(inProgress({ lockedUntil: NOW + left }), MINE, NOW)
        if (decision.kind !== 'in_flight') throw new Error(`expected in_flight, got ${decision.kind}`)
        expect(decision.retryAfterMs).toBeGreaterThanOrEqual(MIN_RETRY_AFTER_MS)
        expect(decision.retryAfterMs).toBeGreaterThanOrEqual(left)
      }),
      { numRuns: 300 },
    )
  })
})

describe('liveness boundaries', () => {
  test('in_progress is live strictly before lockedUntil: lockedUntil == now is NOT live', () => {
    expect(isLive(inProgress({ lockedUntil: NOW + 1 }), NOW)).toBe(true)
    expect(isLive(inProgress({ lockedUntil: NOW }), NOW)).toBe(false)
    expect(isLive(inProgress({ lockedUntil: NOW - 1 }), NOW)).toBe(false)
  })

  test('completed is live strictly before expiresAt: expiresAt == now is NOT live', () => {
    expect(isLive(completed({ expiresAt: NOW + 1 }), NOW)).toBe(true)
    expect(isLive(completed({ expiresAt: NOW }), NOW)).toBe(false)
    expect(isLive(completed({ expiresAt: NOW - 1 }), NOW)).toBe(false)
  })

  test('an in_progress lease decides alone (expiresAt is garbage collection), a completed record ignores lockedUntil', () => {
    expect(isLive(inProgress({ lockedUntil: NOW + 10, expiresAt: NOW - 10 }), NOW)).toBe(true)
    expect(isLive(inProgress({ lockedUntil: NOW, expiresAt: NOW + 10 }), NOW)).toBe(false)
    expect(isLive(completed({ lockedUntil: NOW + 10, expiresAt: NOW }), NOW)).toBe(false)
    expect(isLive(completed({ lockedUntil: NOW - 10, expiresAt: NOW + 10 }), NOW)).toBe(true)
  })
})

describe('decideAfterRead (waiting for an in-flight execution)', () => {
  test('no record → absent', () => {
    expect(decideAfterRead(undefined, MINE, NOW)).toEqual({ kind: 'absent' })
  })

  test('a record that is not live → absent, even with another fingerprint', () => {
    for (const fingerprint of [MINE, OTHER]) {
      expect(decideAfterRead(inProgress({ lockedUntil: NOW }), fingerprint, NOW)).toEqual({ kind: 'absent' })
      expect(decideAfterRead(completed({ expiresAt: NOW }), fingerprint, NOW)).toEqual({ kind: 'absent' })
    }
  })

  test('a live record decides as after acquire', () => {
    const running = inProgress({ lockedUntil: NOW + 1 })
    const done = completed({ expiresAt: NOW + 1 })
    expect(decideAfterRead(running, MINE, NOW)).toEqual({ kind: 'in_flight', record: running, retryAfterMs: 1_000 })
    expect(decideAfterRead(done, MINE, NOW)).toEqual({ kind: 'replay', record: done })
    expect(decideAfterRead(running, OTHER, NOW)).toEqual({ kind: 'mismatch', record: running })
    expect(decideAfterRead(done, OTHER, NOW)).toEqual({ kind: 'mismatch', record: done })
  })
})

describe('property: the whole table', () => {
  const recordArb = fc.record({
    status: fc.constantFrom<IdempotencyRecord['status']>('in_progress', 'completed'),
    fingerprint: fc.constantFrom(MINE, OTHER),
    lockedUntil: fc.integer({ min: NOW - 5_000, max: NOW + 5_000 }),
    expiresAt: fc.integer({ min: NOW - 5_000, max: NOW + 5_000 }),
  })

  test('read: absent iff not live; otherwise mismatch iff another fingerprint, else replay or in flight by status', () => {
    fc.assert(
      fc.property(recordArb, fc.constantFrom(MINE, OTHER), (fields, fingerprint) => {
        const record: IdempotencyRecord = { key: ':k', token: 't', ...fields }
        const live = record.status === 'in_progress' ? record.lockedUntil > NOW : record.expiresAt > NOW
        const expected = !live
          ? 'absent'
          : record.fingerprint !== fingerprint
            ? 'mismatch'
            : record.status === 'completed'
              ? 'replay'
              : 'in_flight'
        const decision = decideAfterRead(record, fingerprint, NOW)
        expect(decision.kind).toBe(expected)
        if ('record' in decision) expect(decision.record).toBe(record)
        else expect(decision.kind).toBe('absent')
      }),
      { numRuns: 500 },
    )
  })
})
