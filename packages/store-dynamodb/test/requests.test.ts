/**
 * Requests per run(), counted on the SDK client's own middleware stack:
 * - new key: 2 (the claiming PutItem, the completing UpdateItem), on any server;
 * - replay: 1 on AWS (the losing PutItem carries the item), 2 on dynalite (PutItem + the fallback
 *   GetItem, because dynalite ignores ReturnValuesOnConditionCheckFailure).
 * AWS's behaviour is reproduced by a proxy in front of dynalite that adds the item to the error.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createIdempotency, InFlightError, type IdempotencyEngine } from '@idemkit/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { blockingItem } from '../src/dynamodb-store.js'
import { dynamodbStore } from '../src/index.js'
import { openFixture, type StoreFixture } from './support/fixture.js'
import { awsConditionFailures, startProxy } from './support/proxy.js'
import { countRequests, type RequestCounter } from './support/request-counter.js'
import { testClient, type TestServer } from './support/server.js'

let fixture: StoreFixture
let proxy: TestServer
let awsClient: DynamoDBClient

beforeAll(async () => {
  fixture = await openFixture('requests')
  proxy = await startProxy(fixture.server.endpoint, awsConditionFailures('id'))
  awsClient = testClient(proxy.endpoint)
})

afterAll(async () => {
  awsClient?.destroy()
  await proxy?.stop()
  await fixture?.close()
})

interface Measured {
  newKey: RequestCounterSnapshot
  replay: RequestCounterSnapshot
  inFlight: RequestCounterSnapshot
  executions: number
}
type RequestCounterSnapshot = { total: number; PutItem: number; GetItem: number; UpdateItem: number }

/** Run a new key, its replay, and a duplicate while in flight; count the requests of each. */
async function measure(engine: IdempotencyEngine, counter: RequestCounter): Promise<Measured> {
  const snapshot = (): RequestCounterSnapshot => ({
    total: counter.total,
    PutItem: counter.of('PutItemCommand'),
    GetItem: counter.of('GetItemCommand'),
    UpdateItem: counter.of('UpdateItemCommand'),
  })
  const key = `requests-${crypto.randomUUID()}`
  let executions = 0
  const charge = async () => ({ charged: ++executions })

  counter.reset()
  expect(await engine.runDetailed(key, { amount: 1 }, charge)).toEqual({ value: { charged: 1 }, replayed: false })
  const newKey = snapshot()

  counter.reset()
  expect(await engine.runDetailed(key, { amount: 1 }, charge)).toEqual({ value: { charged: 1 }, replayed: true })
  const replay = snapshot()

  const held = await engine.begin(engine.storageKey(`${key}-held`), await engine.fingerprint({ amount: 2 }))
  counter.reset()
  await expect(engine.run(`${key}-held`, { amount: 2 }, charge)).rejects.toBeInstanceOf(InFlightError)
  const inFlight = snapshot()
  if (held.kind === 'execute') await held.lease.release()
  return { newKey, replay, inFlight, executions }
}

describe('requests per run()', () => {
  test('dynalite: new key = 2, replay = 2 (PutItem + ONE fallback GetItem), in flight = 2', async () => {
    const counter = countRequests(fixture.client)
    const measured = await measure(createIdempotency({ store: fixture.store }), counter)
    expect(measured.executions).toBe(1)
    expect(measured.newKey).toEqual({ total: 2, PutItem: 1, GetItem: 0, UpdateItem: 1 })
    expect(measured.replay).toEqual({ total: 2, PutItem: 1, GetItem: 1, UpdateItem: 0 })
    expect(measured.inFlight).toEqual({ total: 2, PutItem: 1, GetItem: 1, UpdateItem: 0 })
  })

  test('AWS semantics (item returned in the condition failure): new key = 2, replay = 1, in flight = 1, no GetItem', async () => {
    const counter = countRequests(awsClient)
    const store = dynamodbStore({ client: awsClient, table: fixture.table })
    const measured = await measure(createIdempotency({ store }), counter)
    expect(measured.executions).toBe(1)
    expect(measured.newKey).toEqual({ total: 2, PutItem: 1, GetItem: 0, UpdateItem: 1 })
    expect(measured.replay).toEqual({ total: 1, PutItem: 1, GetItem: 0, UpdateItem: 0 })
    expect(measured.inFlight).toEqual({ total: 1, PutItem: 1, GetItem: 0, UpdateItem: 0 })
  })
})

describe('blockingItem (what a failed claim carries)', () => {
  test('the item when the error has one, so no read is needed', () => {
    const item = { id: { S: 'k' }, status: { S: 'completed' } }
    expect(blockingItem(Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException', Item: item }))).toBe(item)
  })

  test('undefined when the server sent no item (or an empty one), so the store reads it', () => {
    expect(blockingItem(Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException' }))).toBeUndefined()
    expect(blockingItem(Object.assign(new Error('failed'), { Item: {} }))).toBeUndefined()
    expect(blockingItem(undefined)).toBeUndefined()
  })
})
