/**
 * The load client's HTTP: keep-alive requests to the workers that never throw. Every attempt
 * resolves with the answer (status, headers, exact body bytes, timings) or with why there was none
 * (client-side timeout, connection error), because the scenarios classify every single attempt.
 *
 * @module
 */
import http from 'node:http'

/** A response as received. */
export interface Answer {
  kind: 'answer'
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  startedAt: number
  ms: number
}

/** No response: the client gave up (`timeout`) or the connection failed (`error`). */
export interface NoAnswer {
  kind: 'timeout' | 'error'
  message: string
  /** The request went out on a pooled keep-alive socket (see {@link keepAliveRaces}). */
  reusedSocket?: boolean
  startedAt: number
  ms: number
}

/** One request attempt. */
export type Attempt = Answer | NoAnswer

/** What to send. */
export interface Send {
  method?: string
  path: string
  /** An array value sends the header once per element (duplicated header lines). */
  headers?: Record<string, string | string[]>
  body?: string | Buffer
  /** Client-side timeout: abort and report `timeout` after this many ms. */
  timeoutMs: number
}

// Idle sockets are dropped after 2 s, before the servers' 5 s keep-alive timeout: otherwise a request
// can be written onto a socket the server is closing at that instant ("socket hang up"), a client
// race that would be miscounted as a dropped request.
const agent = new http.Agent({ keepAlive: true, maxSockets: 512, timeout: 2_000 })

/**
 * Requests resent because the server closed an idle keep-alive socket just as we reused it (Node
 * documents this race: `req.reusedSocket` and ECONNRESET before any response). A real client
 * retries these; they are counted here, never hidden.
 */
export const keepAliveRaces = { count: 0 }

/** Send one request to `baseUrl`; never rejects. */
export async function send(baseUrl: string, request: Send): Promise<Attempt> {
  const first = await sendOnce(baseUrl, request)
  if (first.kind === 'error' && first.reusedSocket && /ECONNRESET|socket hang up/.test(first.message)) {
    keepAliveRaces.count++
    const retry = await sendOnce(baseUrl, request)
    return { ...retry, startedAt: first.startedAt, ms: retry.startedAt + retry.ms - first.startedAt }
  }
  return first
}

function sendOnce(baseUrl: string, request: Send): Promise<Attempt> {
  const startedAt = Date.now()
  return new Promise((resolve) => {
    let settled = false
    const done = (attempt: Attempt) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(attempt)
    }
    const body = request.body === undefined ? undefined : Buffer.from(request.body)
    const req = http.request(
      new URL(request.path, baseUrl),
      {
        method: request.method ?? 'POST',
        agent,
        headers: { ...(body === undefined ? {} : { 'content-length': String(body.length) }), ...request.headers },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          done({ kind: 'answer', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), startedAt, ms: Date.now() - startedAt }),
        )
        res.on('error', (error) => done({ kind: 'error', message: error.message, startedAt, ms: Date.now() - startedAt }))
      },
    )
    const timer = setTimeout(() => {
      done({ kind: 'timeout', message: `no answer within ${request.timeoutMs} ms`, startedAt, ms: Date.now() - startedAt })
      req.destroy()
    }, request.timeoutMs)
    req.on('error', (error) => done({ kind: 'error', message: error.message, reusedSocket: req.reusedSocket, startedAt, ms: Date.now() - startedAt }))
    req.end(body)
  })
}

/** True for an answer whose body is a problem document of idemkit's `code`. */
export function isProblem(attempt: Attempt, code?: string): boolean {
  if (attempt.kind !== 'answer') return false
  if (!String(attempt.headers['content-type'] ?? '').startsWith('application/problem+json')) return false
  if (code === undefined) return true
  try {
    return (JSON.parse(attempt.body.toString('utf8')) as { type?: string }).type === `https://idemkit.dev/problems/${code}`
  } catch {
    return false
  }
}

/** An answer with a 2xx status (a narrow status type, so `!isSuccess(a)` still leaves `a` an Answer). */
export type SuccessAnswer = Answer & { status: 200 | 201 | 202 | 203 | 204 | 205 | 206 }

/** True for a 2xx answer. */
export function isSuccess(attempt: Attempt): attempt is SuccessAnswer {
  return attempt.kind === 'answer' && attempt.status >= 200 && attempt.status < 300
}

/** True when the answer says it is a replay. */
export function isReplay(answer: Answer): boolean {
  return answer.headers['idempotent-replayed'] === 'true'
}

/** Run `task` for every item with at most `concurrency` in flight. */
export async function forEachConcurrent<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      await task(items[index] as T, index)
    }
  })
  await Promise.all(lanes)
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}
