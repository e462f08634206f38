import { describe, expect, expectTypeOf, test } from 'vitest'
import { createIdempotency, FingerprintMismatchError, idempotent, MemoryStore } from '../src/index.js'

interface Message {
  id: string
  email: string
  receivedAt: number
}

describe('wrap and idempotent()', () => {
  test('the wrapped function keeps the signature and runs once per key', async () => {
    let sent = 0
    const sendReceipt = async (message: Message, copies: number): Promise<{ sent: number; to: string }> => ({ sent: (sent += copies), to: message.email })
    const wrapped = idempotent(sendReceipt, {
      store: new MemoryStore(),
      key: (message) => message.id,
      fingerprint: (message, copies) => ({ email: message.email, copies }), // redeliveries differ in receivedAt
      scope: 'send-receipt',
    })
    expectTypeOf(wrapped).toEqualTypeOf<(message: Message, copies: number) => Promise<{ sent: number; to: string }>>()
    const message = { id: 'msg-1', email: 'a@example.com', receivedAt: 1 }
    expect(await wrapped(message, 1)).toEqual({ sent: 1, to: 'a@example.com' })
    expect(await wrapped({ ...message, receivedAt: 2 }, 1)).toEqual({ sent: 1, to: 'a@example.com' })
    expect(sent).toBe(1)
    await expect(wrapped(message, 2)).rejects.toBeInstanceOf(FingerprintMismatchError)
  })

  test('engine.wrap passes `this` through and fingerprints all arguments by default', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    const account = {
      balance: 100,
      debit: engine.wrap(
        async function (this: { balance: number }, _requestId: string, amount: number) {
          this.balance -= amount
          return this.balance
        },
        { key: (requestId) => requestId },
      ),
    }
    expect(await account.debit('r1', 30)).toBe(70)
    expect(await account.debit('r1', 30)).toBe(70)
    expect(account.balance).toBe(70)
    await expect(account.debit('r1', 31)).rejects.toBeInstanceOf(FingerprintMismatchError)
  })

  test('two functions sharing a store stay apart when scoped', async () => {
    const store = new MemoryStore()
    const a = idempotent(async (id: string) => `a:${id}`, { store, key: (id) => id, scope: 'a' })
    const b = idempotent(async (id: string) => `b:${id}`, { store, key: (id) => id, scope: 'b' })
    expect(await a('1')).toBe('a:1')
    expect(await b('1')).toBe('b:1')
  })

  test('a sync function works too and an existing engine can be shared', async () => {
    const engine = createIdempotency({ store: new MemoryStore() })
    const double = idempotent((n: number) => n * 2, { engine, key: (n) => `n-${n}` })
    expectTypeOf(double).toEqualTypeOf<(n: number) => Promise<number>>()
    expect(await double(21)).toBe(42)
  })
})
