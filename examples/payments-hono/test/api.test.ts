import { randomUUID } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { OPERATION_NAMES, type OperationName } from '@idemkit/example-payments-shared/operations'
import { storeFromEnv } from '@idemkit/example-payments-shared/store-from-env'

const BODIES: Record<OperationName, Record<string, unknown>> = {
  payments: { amount: 4200, currency: 'EUR' },
  orders: { sku: 'SKU-1', quantity: 2 },
  invoices: { customer: 'cus_1', amount: 9900 },
  subscriptions: { customer: 'cus_1', plan: 'pro' },
  messages: { to: '+31612345678', template: 'order_shipped' },
  signatures: { document: 'doc_1', signer: 'ana@example.com' },
}

const { app, ledger } = createApp()

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-account-id': 'acct_1', ...headers },
      body: JSON.stringify(body),
    }),
  )
}

describe.each(OPERATION_NAMES)('POST /%s', (operation) => {
  test('executes once; a retry replays the same bytes; a changed body is rejected', async () => {
    const key = randomUUID()
    const before = ledger.count(operation)
    const first = await post(`/${operation}`, BODIES[operation], { 'idempotency-key': key })
    const firstBody = await first.text()
    expect(first.status).toBe(201)
    expect(first.headers.get('idempotent-replayed')).toBeNull()

    const retry = await post(`/${operation}`, BODIES[operation], { 'idempotency-key': key })
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await retry.text()).toBe(firstBody)

    const changed = await post(`/${operation}`, { ...BODIES[operation], extra: 1 }, { 'idempotency-key': key })
    expect(changed.status).toBe(422)
    expect(ledger.count(operation)).toBe(before + 1)
  })

  test('requires a key', async () => {
    const response = await post(`/${operation}`, BODIES[operation])
    expect(response.status).toBe(400)
    expect(((await response.json()) as { type: string }).type).toBe('https://idemkit.dev/problems/missing_key')
  })
})

test('a double-tap executes once: the duplicate is told it is in flight', async () => {
  const slow = createApp({ latencyMs: 150 })
  const key = randomUUID()
  const send = () =>
    slow.app.request('/payments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(BODIES.payments),
    })
  const statuses = (await Promise.all([send(), send()])).map((response) => response.status).sort()
  expect(statuses).toEqual([201, 409])
  expect(slow.ledger.count('payments')).toBe(1)
})

test('keys are scoped per account', async () => {
  const key = randomUUID()
  const before = ledger.count('orders')
  const a = await post('/orders', BODIES.orders, { 'idempotency-key': key, 'x-account-id': 'acct_a' })
  const b = await post('/orders', BODIES.orders, { 'idempotency-key': key, 'x-account-id': 'acct_b' })
  expect([a.status, b.status]).toEqual([201, 201])
  expect(ledger.count('orders')).toBe(before + 2)
})

test('IDEMKIT_STORE=redis: a second app instance replays from the shared store', async () => {
  const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const connect = () => storeFromEnv({ IDEMKIT_STORE: 'redis', REDIS_URL })
  const [one, two] = await Promise.all([connect(), connect()])
  const scope = `acct_hono_${randomUUID()}`
  try {
    await one.store.get(':probe').catch((error: Error) => {
      throw new Error(
        `Redis is not reachable at REDIS_URL=${REDIS_URL} (${error.message}); start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
      )
    })
    const apps = [createApp({ store: one.store }), createApp({ store: two.store })]
    const key = randomUUID()
    const send = (index: 0 | 1) =>
      apps[index]!.app.request('/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-account-id': scope },
        body: JSON.stringify(BODIES.messages),
      })
    const a = await send(0)
    const b = await send(1)
    expect(a.status).toBe(201)
    expect(b.headers.get('idempotent-replayed')).toBe('true')
    expect(await b.text()).toBe(await a.text())
    expect(apps.map(({ ledger: sideEffects }) => sideEffects.count())).toEqual([1, 0])
  } finally {
    const { Redis } = await import('ioredis')
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    const keys = await client.keys(`idemkit-example:*${scope}*`)
    if (keys.length > 0) await client.del(...keys)
    await client.quit()
    await one.close()
    await two.close()
  }
})
