/**
 * A store that cannot answer must fail fast and typed (store_unavailable), never hang, and
 * transient throttling must be absorbed by the SDK's bounded retries.
 */
import { createServer as createTcpServer, type Socket } from 'node:net'
import { createIdempotency, IdempotencyStoreError } from '@idemkit/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createIdempotencyTable, dynamodbStore } from '../src/index.js'
import { openFixture, type StoreFixture } from './support/fixture.js'
import { awsConditionFailures, loseFirstResponse, startProxy, throttleFirst } from './support/proxy.js'
import { countRequests } from './support/request-counter.js'
import { startDynalite, tableName, testClient } from './support/server.js'

let fixture: StoreFixture

beforeAll(async () => {
  fixture = await openFixture('failures')
})

afterAll(async () => {
  await fixture?.close()
})

/** Milliseconds `promise` takes to settle, and its rejection. */
async function timeRejection(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now()
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  return { ms: performance.now() - started, error }
}

describe('an unreachable server', () => {
  test('a stopped server: run() fails with store_unavailable within a few seconds, and the function never runs', async () => {
    // Always our own dynalite, even with DYNAMODB_ENDPOINT set: this test has to stop the server.
    const server = await startDynalite()
    const client = testClient(server.endpoint, { maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true } })
    const table = tableName('stopped')
    await createIdempotencyTable(client, table)
    await server.stop()
    const engine = createIdempotency({ store: dynamodbStore({ client, table }) })
    let executions = 0
    const { ms, error } = await timeRejection(engine.run('stopped', {}, () => ++executions))
    client.destroy()
    expect(error).toBeInstanceOf(IdempotencyStoreError)
    expect(error).toMatchObject({ code: 'store_unavailable', operation: 'acquire', store: 'dynamodb' })
    expect(executions).toBe(0)
    expect(ms).toBeLessThan(5_000)
  })

  test('a server that accepts connections but never answers: bounded by the request timeout and maxAttempts', async () => {
    const sockets = new Set<Socket>()
    const blackHole = createTcpServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve))
    const { port } = blackHole.address() as { port: number }
    const client = testClient(`http://127.0.0.1:${port}`, {
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 500, requestTimeout: 300, throwOnRequestTimeout: true },
    })
    try {
      const engine = createIdempotency({ store: dynamodbStore({ client, table: 'never-answers' }) })
      const { ms, error } = await timeRejection(engine.run('hang', {}, () => 'never'))
      expect(error).toMatchObject({ code: 'store_unavailable' })
      expect(((error as Error).cause as Error).name).toBe('TimeoutError')
      // 2 attempts × 300 ms plus one backoff; generous margin for a loaded machine.
      expect(ms).toBeLessThan(4_000)
    } finally {
      client.destroy()
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => blackHole.close(resolve))
    }
  })

  test('even a client without request timeouts is bounded by the engine\'s storeTimeout', async () => {
    const blackHole = createTcpServer(() => {})
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve))
    const { port } = blackHole.address() as { port: number }
    const client = testClient(`http://127.0.0.1:${port}`, { requestHandler: {} })
    try {
      const engine = createIdempotency({ store: dynamodbStore({ client, table: 'never-answers' }), storeTimeout: 500 })
      const { ms, error } = await timeRejection(engine.run('hang', {}, () => 'never'))
      expect(error).toMatchObject({ code: 'store_unavailable' })
      expect(ms).toBeLessThan(3_000)
    } finally {
      client.destroy()
      blackHole.close()
    }
  })
})

describe('throttling', () => {
  test('transient ThrottlingExceptions are retried by the SDK and the call succeeds', async () => {
    const proxy = await startProxy(fixture.server.endpoint, throttleFirst(2))
    const client = testClient(proxy.endpoint, { maxAttempts: 3 })
    const counter = countRequests(client)
    try {
      const store = dynamodbStore({ client, table: fixture.table })
      const now = Date.now()
      expect(await store.acquire({ key: 'throttled-once', fingerprint: 'fp', token: 't', now, lockedUntil: now + 60_000, expiresAt: now + 60_000 })).toEqual({ acquired: true })
      expect(counter.of('PutItemCommand')).toBe(3)
    } finally {
      client.destroy()
      await proxy.stop()
    }
  })

  test('persistent throttling ends after maxAttempts as store_unavailable, keeping the cause', async () => {
    const proxy = await startProxy(fixture.server.endpoint, throttleFirst(Number.POSITIVE_INFINITY))
    const client = testClient(proxy.endpoint, { maxAttempts: 3 })
    const counter = countRequests(client)
    try {
      const engine = createIdempotency({ store: dynamodbStore({ client, table: fixture.table }) })
      const { ms, error } = await timeRejection(engine.run('throttled-always', {}, () => 'never'))
      expect(error).toMatchObject({ code: 'store_unavailable' })
      expect(((error as Error).cause as Error).name).toBe('ThrottlingException')
      expect(counter.of('PutItemCommand')).toBe(3)
      expect(ms).toBeLessThan(5_000)
    } finally {
      client.destroy()
      await proxy.stop()
    }
  })
})

describe('SDK retries of conditional writes whose first attempt applied', () => {
  // A timeout or reset after DynamoDB applied a write makes the SDK send it again; the retry then
  // fails its own condition. The store must recognise its own write instead of reporting a loss.
  for (const server of ['dynalite', 'AWS semantics'] as const) {
    test(`${server}: a retried claim is still a win, and a retried completion still succeeded`, async () => {
      const aws = server === 'AWS semantics'
      const wrap = (operation: string) => loseFirstResponse(operation, aws ? awsConditionFailures('id') : undefined)
      const claimProxy = await startProxy(fixture.server.endpoint, wrap('PutItem'))
      const completeProxy = await startProxy(fixture.server.endpoint, wrap('UpdateItem'))
      const claimClient = testClient(claimProxy.endpoint)
      const completeClient = testClient(completeProxy.endpoint)
      const claims = countRequests(claimClient)
      const completions = countRequests(completeClient)
      try {
        const key = `retried-${server}-${crypto.randomUUID()}`
        const now = Date.now()
        const claimStore = dynamodbStore({ client: claimClient, table: fixture.table })
        expect(await claimStore.acquire({ key, fingerprint: 'fp', token: 'mine', now, lockedUntil: now + 60_000, expiresAt: now + 60_000 })).toEqual({ acquired: true })
        expect(claims.of('PutItemCommand')).toBe(2)
        const completeStore = dynamodbStore({ client: completeClient, table: fixture.table })
        expect(await completeStore.complete({ key, token: 'mine', result: 'done', expiresAt: now + 120_000 })).toBe(true)
        expect(completions.of('UpdateItemCommand')).toBe(2)
        expect(await fixture.store.get(key)).toMatchObject({ status: 'completed', token: 'mine', result: 'done' })
        // A genuine second completion (other result) is still refused.
        expect(await fixture.store.complete({ key, token: 'mine', result: 'other', expiresAt: now + 120_000 })).toBe(false)
      } finally {
        claimClient.destroy()
        completeClient.destroy()
        await claimProxy.stop()
        await completeProxy.stop()
      }
    })
  }
})
