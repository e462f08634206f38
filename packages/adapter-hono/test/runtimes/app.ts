/**
 * The app the runtime smoke tests run on Bun, Deno and workerd: a Hono route protected by the
 * adapter, and a bare Web handler protected by `withIdempotency`, both on a MemoryStore.
 */
import { MemoryStore } from '@idemkit/core'
import { withIdempotency } from '@idemkit/core/http'
import { Hono } from 'hono'
import { idempotency } from '../../src/index.js'

export function createApp(): Hono {
  const store = new MemoryStore()
  let executions = 0
  const app = new Hono()
  app.post('/payments', idempotency({ store, required: true }), async (c) => {
    const body = (await c.req.json()) as { amount: number }
    return c.json({ id: `pay_${++executions}`, amount: body.amount }, 201)
  })
  const web = withIdempotency(async (request: Request) => {
    const body = (await request.json()) as { amount: number }
    return Response.json({ id: `web_${++executions}`, amount: body.amount }, { status: 201 })
  }, { store, required: true })
  app.post('/web', (c) => web(c.req.raw))
  return app
}

/** Two requests with one key per route; what each returned. */
export async function twoRequestsEach(fetchPath: (path: string, init: RequestInit) => Promise<Response>): Promise<unknown[]> {
  const results: unknown[] = []
  for (const path of ['/payments', '/web']) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetchPath(path, {
        method: 'POST',
        headers: { 'idempotency-key': `smoke${path}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 42 }),
      })
      results.push({ path, status: response.status, replayed: response.headers.get('idempotent-replayed'), body: await response.text() })
    }
  }
  return results
}
