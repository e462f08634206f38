/**
 * EVALSHA → EVAL fallback on NOSCRIPT (first contact with a server, restart, failover, SCRIPT FLUSH).
 * Runs on a throwaway server (port 7398) so no other test reloads the scripts between a flush and
 * the call under test, and the exact command sequence can be asserted.
 */
import { createIdempotency, InFlightError } from '@idemkit/core'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { redisStore } from '../src/index.js'
import { ACQUIRE, COMPLETE } from '../src/scripts.js'
import { recordCommands } from './helpers/command-log.js'
import { startServer, type ServerProcess } from './helpers/server-process.js'

let server: ServerProcess
let client: Redis

beforeAll(async () => {
  server = await startServer(7398)
  client = new Redis(server.url, { commandTimeout: 5_000, maxRetriesPerRequest: 1 })
  await client.ping()
}, 30_000)

afterAll(async () => {
  client?.disconnect()
  await server?.kill()
})

test('after SCRIPT FLUSH each script is retried once with EVAL, then EVALSHA works again', async () => {
  const engine = createIdempotency({ store: redisStore({ client }) })
  const log = recordCommands(client)
  try {
    await client.script('FLUSH')
    log.clear()
    expect(await engine.run('k1', 1, () => 'one')).toBe('one')
    expect(log.sent).toEqual([
      { name: 'evalsha', script: ACQUIRE.sha1 },
      { name: 'eval', script: '<source>' },
      { name: 'evalsha', script: COMPLETE.sha1 },
      { name: 'eval', script: '<source>' },
    ])
    expect(await client.script('EXISTS', ACQUIRE.sha1, COMPLETE.sha1)).toEqual([1, 1])

    log.clear()
    expect(await engine.run('k2', 2, () => 'two')).toBe('two')
    expect(await engine.run('k1', 1, () => 'not run')).toBe('one')
    expect(log.sent.map((command) => command.name)).toEqual(['evalsha', 'evalsha', 'evalsha'])
  } finally {
    log.stop()
  }
})

test('a flush between acquire and complete (e.g. a failover mid-request) still stores the result', async () => {
  const engine = createIdempotency({ store: redisStore({ client }) })
  await engine.run('warm', 0, () => 0)
  const result = await engine.run('mid-flight', 3, async () => {
    await client.script('FLUSH')
    return 'stored after the flush'
  })
  expect(result).toBe('stored after the flush')
  expect(await engine.runDetailed('mid-flight', 3, () => 'not run')).toEqual({ value: 'stored after the flush', replayed: true })
})

test('with auto-pipelining, concurrent claims that all meet NOSCRIPT in one batch each fall back to EVAL', async () => {
  const pipelined = new Redis(server.url, { commandTimeout: 5_000, maxRetriesPerRequest: 1, enableAutoPipelining: true })
  try {
    const engine = createIdempotency({ store: redisStore({ client: pipelined }) })
    await pipelined.script('FLUSH')
    let calls = 0
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => engine.run(`batch-${index % 10}`, index % 10, () => ++calls).catch((error: unknown) => error)))
    // Ten keys, each sent twice at once: one execution per key, its duplicate in flight or replayed.
    expect(calls).toBe(10)
    for (const result of results) if (typeof result !== 'number') expect(result).toBeInstanceOf(InFlightError)
    for (let index = 0; index < 10; index++) expect(await engine.runDetailed(`batch-${index}`, index, () => -1)).toMatchObject({ replayed: true })
  } finally {
    pipelined.disconnect()
  }
})
