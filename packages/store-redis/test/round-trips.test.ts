/**
 * Round trips through `engine.run()`: a new key is 2 commands (acquire script + complete script), a
 * replay is 1. Counted on the client (what it sends) AND on the server with MONITOR (what arrived
 * from that connection, excluding the commands Lua ran inside the scripts).
 */
import { createIdempotency } from '@idemkit/core'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { redisStore } from '../src/index.js'
import { ACQUIRE, COMPLETE } from '../src/scripts.js'
import { recordCommands, type SentCommand } from './helpers/command-log.js'
import { connectRedis, deleteKeys, testPrefix } from './helpers/redis-server.js'

const prefix = testPrefix('round-trips')
let client: Redis
let monitorClient: Redis

beforeAll(async () => {
  client = await connectRedis()
  monitorClient = await connectRedis()
})

afterAll(async () => {
  await deleteKeys(client, prefix)
  client.disconnect()
  monitorClient.disconnect()
})

/**
 * The commands the server received from `client`'s connection while `action` ran, read from MONITOR
 * between two ECHO markers (so late MONITOR lines can never be missed or mixed up).
 */
async function serverSideCommands(action: () => Promise<void>): Promise<string[][]> {
  const monitor = await monitorClient.monitor()
  try {
    const address = String(await client.client('INFO')).match(/\baddr=(\S+)/)?.[1]
    if (address === undefined) throw new Error('CLIENT INFO did not report addr=')
    const marker = `marker-${Math.random()}`
    const lines: string[][] = []
    let recording = false
    let resolveEnd: () => void = () => undefined
    const ended = new Promise<void>((resolve) => (resolveEnd = resolve))
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== address) return // other clients, and "lua" lines for commands run inside scripts
      if (args[0]?.toLowerCase() === 'echo' && args[1] === `${marker}:start`) recording = true
      else if (args[0]?.toLowerCase() === 'echo' && args[1] === `${marker}:end`) resolveEnd()
      else if (recording) lines.push(args)
    })
    await client.echo(`${marker}:start`)
    await action()
    await client.echo(`${marker}:end`)
    await ended
    return lines
  } finally {
    monitor.disconnect()
  }
}

function countByScript(sent: readonly SentCommand[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const command of sent) {
    const label = command.script === undefined ? command.name : `${command.name} ${command.script}`
    counts[label] = (counts[label] ?? 0) + 1
  }
  return counts
}

describe('commands per run()', () => {
  test('new key = 2 commands (acquire + complete scripts), replay = 1 (acquire script)', async () => {
    const engine = createIdempotency({ store: redisStore({ client, prefix }) })
    await engine.run('warm-up', {}, () => 'loads the scripts once') // the first call may meet NOSCRIPT
    const log = recordCommands(client)
    try {
      const input = { amount: 4200, currency: 'EUR' }
      let sent: typeof log.sent = []
      const received = await serverSideCommands(async () => {
        log.clear()
        expect(await engine.run('order-1', input, () => ({ id: 'pay_1' }))).toEqual({ id: 'pay_1' })
        sent = [...log.sent]
      })
      expect(sent).toEqual([
        { name: 'evalsha', script: ACQUIRE.sha1 },
        { name: 'evalsha', script: COMPLETE.sha1 },
      ])
      expect(received.map((args) => [args[0]?.toLowerCase(), args[1]])).toEqual([
        ['evalsha', ACQUIRE.sha1],
        ['evalsha', COMPLETE.sha1],
      ])

      const replayed = await serverSideCommands(async () => {
        log.clear()
        expect(await engine.runDetailed('order-1', input, () => ({ id: 'must not run' }))).toEqual({ value: { id: 'pay_1' }, replayed: true })
        sent = [...log.sent]
      })
      expect(sent).toEqual([{ name: 'evalsha', script: ACQUIRE.sha1 }])
      expect(replayed.map((args) => [args[0]?.toLowerCase(), args[1]])).toEqual([['evalsha', ACQUIRE.sha1]])
    } finally {
      log.stop()
    }
  })

  test('200 concurrent new keys send 200 acquire + 200 complete scripts; 200 replays send 200 acquire scripts', async () => {
    const engine = createIdempotency({ store: redisStore({ client, prefix }) })
    await engine.run('warm-up-2', {}, () => 0)
    const log = recordCommands(client)
    try {
      const keys = Array.from({ length: 200 }, (_, index) => `bulk-${index}`)
      await Promise.all(keys.map((key, index) => engine.run(key, { index }, () => index)))
      const newKeys = countByScript(log.sent)
      log.clear()
      const values = await Promise.all(keys.map((key, index) => engine.run(key, { index }, () => -1)))
      expect(values).toEqual(keys.map((_, index) => index))
      expect({ newKeys, replays: countByScript(log.sent) }).toEqual({
        newKeys: { [`evalsha ${ACQUIRE.sha1}`]: 200, [`evalsha ${COMPLETE.sha1}`]: 200 },
        replays: { [`evalsha ${ACQUIRE.sha1}`]: 200 },
      })
    } finally {
      log.stop()
    }
  })
})
