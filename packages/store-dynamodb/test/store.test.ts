/** DynamoDB-specific behaviour beyond the conformance suite, against the real test server. */
import { randomBytes } from 'node:crypto'
import { CreateTableCommand, DeleteItemCommand, DeleteTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { createIdempotency, ResultTooLargeError } from '@idemkit/core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createIdempotencyTable, dynamodbStore, MAX_RESULT_BYTES } from '../src/index.js'
import { openFixture, type StoreFixture } from './support/fixture.js'
import { tableName, testClient } from './support/server.js'

const MINUTE = 60_000
let fixture: StoreFixture
let gzipFixture: StoreFixture

beforeAll(async () => {
  fixture = await openFixture('store')
  gzipFixture = await openFixture('store-gzip', { store: { compress: true } })
})

afterAll(async () => {
  await fixture?.close()
  await gzipFixture?.close()
})

const uniqueKey = (label: string) => `${label}:${crypto.randomUUID()}`

async function rawItem(f: StoreFixture, key: string, keyAttribute = 'id') {
  const { Item } = await f.client.send(new GetItemCommand({ TableName: f.table, Key: { [keyAttribute]: { S: key } }, ConsistentRead: true }))
  return Item
}

describe('item layout', () => {
  test('exact epoch-ms deadlines, and a TTL attribute in epoch SECONDS rounded up', async () => {
    const key = uniqueKey('layout')
    const now = 1_700_000_000_123
    await fixture.store.acquire({ key, fingerprint: 'fp', token: 't1', now, lockedUntil: now + MINUTE, expiresAt: now + 10 * MINUTE + 1 })
    expect(await rawItem(fixture, key)).toEqual({
      id: { S: key },
      status: { S: 'in_progress' },
      fingerprint: { S: 'fp' },
      token: { S: 't1' },
      lockedUntil: { N: String(now + MINUTE) },
      expiresAt: { N: String(now + 10 * MINUTE + 1) },
      // 1_700_000_600.124 s rounds UP: the native TTL never deletes before the exact deadline.
      ttl: { N: '1700000601' },
    })
    expect(await fixture.store.complete({ key, token: 't1', result: 'ok', expiresAt: now + 60 * MINUTE })).toBe(true)
    const completed = await rawItem(fixture, key)
    expect(completed).toMatchObject({ status: { S: 'completed' }, resultEncoding: { S: 'utf8' }, ttl: { N: '1700003601' } })
    expect(new TextDecoder().decode(completed?.result?.B)).toBe('ok')
  })

  test('extend moves the TTL with the lease, so DynamoDB keeps the record at least until lockedUntil', async () => {
    const key = uniqueKey('extend')
    const now = Date.now()
    await fixture.store.acquire({ key, fingerprint: 'fp', token: 't1', now, lockedUntil: now + MINUTE, expiresAt: now + MINUTE })
    expect(await fixture.store.extend({ key, token: 't1', lockedUntil: now + 30 * MINUTE })).toBe(true)
    expect((await rawItem(fixture, key))?.ttl).toEqual({ N: String(Math.ceil((now + 30 * MINUTE) / 1000)) })
  })

  test('a result with lone surrogates (which UTF-8 cannot hold) round-trips exactly, as UTF-16', async () => {
    const key = uniqueKey('surrogates')
    const result = `\uFEFFbom, lone high \uD800, lone low \uDC00, pair 🧾, NUL \u0000`
    const now = Date.now()
    await fixture.store.acquire({ key, fingerprint: 'fp', token: 't1', now, lockedUntil: now + MINUTE, expiresAt: now + MINUTE })
    await fixture.store.complete({ key, token: 't1', result, expiresAt: now + MINUTE })
    expect((await rawItem(fixture, key))?.resultEncoding).toEqual({ S: 'utf16le' })
    expect((await fixture.store.get(key))?.result === result).toBe(true)
  })

  test('an item the store did not write fails loudly, not as a silent miss', async () => {
    const key = uniqueKey('foreign')
    await fixture.client.send(new PutItemCommand({ TableName: fixture.table, Item: { id: { S: key }, status: { S: 'something-else' } } }))
    await expect(fixture.store.get(key)).rejects.toThrow(/status "something-else"/)
  })
})

describe('the fallback read after a lost claim (servers without ALL_OLD)', () => {
  test('when the blocking record is released between the failed put and the read, the claim is retried and wins', async () => {
    const key = uniqueKey('released-between')
    const now = Date.now()
    await fixture.store.acquire({ key, fingerprint: 'fp', token: 'first', now, lockedUntil: now + MINUTE, expiresAt: now + MINUTE })
    const client = testClient(fixture.server.endpoint)
    const commands: string[] = []
    // Just before the fallback GetItem leaves, the first owner releases (its execution failed).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? '?')
        if (context.commandName === 'GetItemCommand') {
          await fixture.client.send(new DeleteItemCommand({ TableName: fixture.table, Key: { id: { S: key } } }))
        }
        return next(args)
      },
      { step: 'initialize', name: 'releaseBeforeRead' },
    )
    const store = dynamodbStore({ client, table: fixture.table })
    const result = await store.acquire({ key, fingerprint: 'fp', token: 'second', now: now + 1, lockedUntil: now + MINUTE, expiresAt: now + MINUTE })
    client.destroy()
    expect(result).toEqual({ acquired: true })
    expect(commands).toEqual(['PutItemCommand', 'GetItemCommand', 'PutItemCommand'])
    expect((await fixture.store.get(key))?.token).toBe('second')
  })

  test('a key that keeps vanishing and reappearing gives up after 3 claims instead of looping', async () => {
    const key = uniqueKey('churn')
    const now = Date.now()
    const client = testClient(fixture.server.endpoint)
    let puts = 0
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // Another worker claims right before each of our puts, and releases right before each read.
        if (context.commandName === 'PutItemCommand') {
          puts++
          await fixture.store.acquire({ key, fingerprint: 'fp', token: `other-${puts}`, now, lockedUntil: now + MINUTE, expiresAt: now + MINUTE })
        }
        if (context.commandName === 'GetItemCommand') await fixture.store.release({ key, token: `other-${puts}` })
        return next(args)
      },
      { step: 'initialize', name: 'churn' },
    )
    const store = dynamodbStore({ client, table: fixture.table })
    await expect(store.acquire({ key, fingerprint: 'fp', token: 'mine', now, lockedUntil: now + MINUTE, expiresAt: now + MINUTE })).rejects.toThrow(
      /released or expired between each of 3 claims/,
    )
    client.destroy()
    expect(puts).toBe(3)
  })
})

describe('result size (400 KB item limit)', () => {
  test('maxResultBytes is exposed without compression and undefined with it', () => {
    expect(fixture.store.maxResultBytes).toBe(MAX_RESULT_BYTES)
    expect(MAX_RESULT_BYTES).toBeLessThan(400 * 1024)
    expect(gzipFixture.store.maxResultBytes).toBeUndefined()
  })

  test('a too-large result raises ResultTooLargeError before any write of it; a retry replays the error, never re-executes', async () => {
    const engine = createIdempotency({ store: fixture.store })
    const key = uniqueKey('too-large')
    let executions = 0
    const big = async () => {
      executions++
      return 'x'.repeat(MAX_RESULT_BYTES)
    }
    await expect(engine.run(key, {}, big)).rejects.toBeInstanceOf(ResultTooLargeError)
    await expect(engine.run(key, {}, big)).rejects.toBeInstanceOf(ResultTooLargeError)
    expect(executions).toBe(1)
    // What is stored is the core's small marker, not the result.
    const item = await rawItem(fixture, engine.storageKey(key))
    expect(item?.result?.B?.byteLength).toBeLessThan(1024)
  })

  test('compress: a 1 MB compressible result round-trips exactly through run(), stored gzipped', async () => {
    const engine = createIdempotency({ store: gzipFixture.store })
    const key = uniqueKey('gzip-1mb')
    const rows = Array.from({ length: 24_000 }, (_, index) => ({ id: index, sku: `SKU-${index % 97}`, note: 'é🧾\u0000' }))
    let executions = 0
    const report = async () => {
      executions++
      return rows
    }
    const first = await engine.runDetailed(key, {}, report)
    const size = new TextEncoder().encode(JSON.stringify(rows)).byteLength
    expect(size).toBeGreaterThan(1024 * 1024)
    const replay = await engine.runDetailed(key, {}, report)
    expect(first.replayed).toBe(false)
    expect(replay).toEqual({ value: rows, replayed: true })
    expect(executions).toBe(1)
    const item = await rawItem(gzipFixture, engine.storageKey(key))
    expect(item?.resultEncoding).toEqual({ S: 'utf8+gzip' })
    expect(item?.result?.B?.byteLength).toBeLessThan(size / 10)
  })

  test('compress: an incompressible result over the limit raises ResultTooLargeError at complete, then replays it', async () => {
    const engine = createIdempotency({ store: gzipFixture.store })
    const key = uniqueKey('gzip-random')
    const random = randomBytes(600 * 1024)
    const text = Array.from(random, (byte) => String.fromCharCode(0x100 + byte)).join('') // 2-byte UTF-8, random
    let executions = 0
    const noise = async () => {
      executions++
      return text
    }
    const error = await engine.run(key, {}, noise).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ResultTooLargeError)
    expect((error as ResultTooLargeError).bytes).toBeGreaterThan(MAX_RESULT_BYTES)
    await expect(engine.run(key, {}, noise)).rejects.toBeInstanceOf(ResultTooLargeError)
    expect(executions).toBe(1)
  })
})

describe('createIdempotencyTable', () => {
  test('is idempotent: a second call finds the table and verifies it', async () => {
    const result = await createIdempotencyTable(fixture.client, fixture.table)
    // dynalite has no UpdateTimeToLive: TTL stays off there, and nothing depends on it.
    expect(result).toEqual({ created: false, timeToLive: expect.any(Boolean) })
    const { Table } = await fixture.client.send(new DescribeTableCommand({ TableName: fixture.table }))
    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    })
  })

  test('refuses an existing table with another key schema, saying what is wrong', async () => {
    const table = tableName('wrong-schema')
    await fixture.client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    try {
      await expect(createIdempotencyTable(fixture.client, table)).rejects.toThrow(/key schema \[pk \(HASH\), sk \(RANGE\)\], expected only a string partition key "id"/)
    } finally {
      await fixture.client.send(new DeleteTableCommand({ TableName: table }))
    }
  })

  test('custom attribute names: a table keyed by "pk" with TTL on "expires"', async () => {
    const table = tableName('custom-attrs')
    const attributes = { key: 'pk', ttl: 'expires' }
    expect(await createIdempotencyTable(fixture.client, table, { attributes })).toMatchObject({ created: true })
    try {
      const store = dynamodbStore({ client: fixture.client, table, attributes })
      const key = uniqueKey('custom')
      const now = Date.now()
      expect(await store.acquire({ key, fingerprint: 'fp', token: 't', now, lockedUntil: now + MINUTE, expiresAt: now + MINUTE })).toEqual({ acquired: true })
      expect(await store.complete({ key, token: 't', result: 'r', expiresAt: now + MINUTE })).toBe(true)
      expect(await store.acquire({ key, fingerprint: 'fp', token: 'u', now, lockedUntil: now + MINUTE, expiresAt: now + MINUTE })).toMatchObject({
        acquired: false,
        record: { key, status: 'completed', result: 'r' },
      })
      const { Item } = await fixture.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }))
      expect(Item?.expires).toEqual({ N: String(Math.ceil((now + MINUTE) / 1000)) })
      expect(Item?.id).toBeUndefined()
      expect(await store.release({ key, token: 't' })).toBe(true)
    } finally {
      await fixture.client.send(new DeleteTableCommand({ TableName: table }))
    }
  })
})
