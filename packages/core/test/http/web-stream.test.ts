/** Streamed Web responses that fail, or that the client stops reading. */
import { describe, expect, test } from 'vitest'
import { MemoryStore } from '../../src/index.js'
import { withIdempotency } from '../../src/http/index.js'

const request = () => new Request('http://localhost/export', { method: 'POST', headers: { 'idempotency-key': 'stream-key' }, body: 'x' })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('withIdempotency and streamed bodies', () => {
  test('a body stream that errors reaches the client as an error and releases the key: the retry runs again', async () => {
    let calls = 0
    const handler = withIdempotency(
      async () => {
        calls++
        let sent = false
        return new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (calls > 1 || !sent) {
                controller.enqueue(new TextEncoder().encode('part;'))
                sent = true
                if (calls > 1) controller.close()
                return
              }
              controller.error(new Error('upstream broke'))
            },
          }),
        )
      },
      { store: new MemoryStore() },
    )
    const failed = await handler(request())
    await expect(failed.text()).rejects.toThrow()
    await sleep(10)
    const retry = await handler(request())
    expect(await retry.text()).toBe('part;')
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
    expect(calls).toBe(2)
  })

  test('a client that stops reading does not stop the recording: the rest is drained and a retry replays it', async () => {
    let calls = 0
    const chunks = ['one;', 'two;', 'three']
    const handler = withIdempotency(
      async () => {
        calls++
        let index = 0
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              await sleep(2)
              const chunk = chunks[index++]
              if (chunk === undefined) controller.close()
              else controller.enqueue(new TextEncoder().encode(chunk))
            },
          }),
          { status: 201 },
        )
      },
      { store: new MemoryStore() },
    )
    const first = await handler(request())
    const reader = (first.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    await reader.cancel()
    await sleep(50)
    const replay = await handler(request())
    expect(replay.status).toBe(201)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(await replay.text()).toBe('one;two;three')
    expect(calls).toBe(1)
  })

  test('a response nobody reads is still recorded: the retry replays instead of waiting for the lease', async () => {
    let calls = 0
    const handler = withIdempotency(async () => Response.json({ n: ++calls }, { status: 201 }), { store: new MemoryStore() })
    await handler(request()) // body never consumed
    await sleep(10)
    const replay = await handler(request())
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(await replay.json()).toEqual({ n: 1 })
  })
})
