import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createApp } from '../src/app.js'
import { Ledger, OPERATION_NAMES, type OperationName } from '@idemkit/example-payments-shared/operations'

const BODIES: Record<OperationName, Record<string, unknown>> = {
  payments: { amount: 4200, currency: 'EUR' },
  orders: { sku: 'SKU-1', quantity: 2 },
  invoices: { customer: 'cus_1', amount: 9900 },
  subscriptions: { customer: 'cus_1', plan: 'pro' },
  messages: { to: '+31612345678', template: 'order_shipped' },
  signatures: { document: 'doc_1', signer: 'ana@example.com' },
}

let server: Server
let base: string
const ledger = new Ledger()

beforeAll(async () => {
  server = createApp({ ledger }).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-account-id': 'acct_1', ...headers },
    body: JSON.stringify(body),
  })
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
    expect(changed.headers.get('content-type')).toContain('application/problem+json')
    expect(ledger.count(operation)).toBe(before + 1)
  })

  test('requires a key', async () => {
    const before = ledger.count(operation)
    const response = await post(`/${operation}`, BODIES[operation])
    expect(response.status).toBe(400)
    expect(((await response.json()) as { type: string }).type).toBe('https://idemkit.dev/problems/missing_key')
    expect(ledger.count(operation)).toBe(before)
  })
})

test('a double-tap executes once: the duplicate is told it is in flight', async () => {
  const slow = createApp({ latencyMs: 150 })
  const slowServer = slow.listen(0, '127.0.0.1')
  await new Promise((resolve) => slowServer.once('listening', resolve))
  try {
    const url = `http://127.0.0.1:${(slowServer.address() as AddressInfo).port}/payments`
    const key = randomUUID()
    const send = () =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(BODIES.payments) })
    const statuses = (await Promise.all([send(), send()])).map((response) => response.status).sort()
    expect(statuses).toEqual([201, 409])
    expect((slow.locals.ledger as Ledger).count('payments')).toBe(1)
  } finally {
    slowServer.closeAllConnections()
    await new Promise((resolve) => slowServer.close(resolve))
  }
})

test('keys are scoped per account: the same key in another account executes on its own', async () => {
  const key = randomUUID()
  const before = ledger.count('orders')
  const a = await post('/orders', BODIES.orders, { 'idempotency-key': key, 'x-account-id': 'acct_a' })
  const b = await post('/orders', BODIES.orders, { 'idempotency-key': key, 'x-account-id': 'acct_b' })
  expect([a.status, b.status]).toEqual([201, 201])
  expect(b.headers.get('idempotent-replayed')).toBeNull()
  expect(ledger.count('orders')).toBe(before + 2)
})

test('an invalid request is answered 400 and replayed as such, without a side effect', async () => {
  const key = randomUUID()
  const before = ledger.count()
  const first = await post('/payments', { amount: -1, currency: 'EUR' }, { 'idempotency-key': key })
  const retry = await post('/payments', { amount: -1, currency: 'EUR' }, { 'idempotency-key': key })
  expect([first.status, retry.status]).toEqual([400, 400])
  expect(retry.headers.get('idempotent-replayed')).toBe('true')
  expect(ledger.count()).toBe(before)
})
