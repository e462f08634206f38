/** Small request helpers for the suite. */
import type { RunningApp } from './harness.js'

/** A response read in full. */
export interface Received {
  status: number
  headers: Headers
  bytes: Uint8Array
  text: string
  json(): unknown
}

/** What to send. */
export interface Send {
  method?: string
  key?: string
  body?: string | Uint8Array
  contentType?: string
  headers?: Record<string, string>
}

let sequence = 0

/** A key unique to this process and test. */
export function freshKey(label = 'k'): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${++sequence}`
}

/** Send a request and read the whole response. */
export async function send(app: RunningApp, path: string, request: Send = {}): Promise<Received> {
  const response = await app.fetch(path, init(request))
  return receive(response)
}

/** The RequestInit for `request`. */
export function init(request: Send): RequestInit {
  const headers = new Headers(request.headers)
  if (request.key !== undefined) headers.set('idempotency-key', request.key)
  if (request.contentType !== undefined) headers.set('content-type', request.contentType)
  const method = request.method ?? 'POST'
  const body = request.body ?? (method === 'GET' ? undefined : '')
  // Never follow redirects: a redirect is a response to replay like any other.
  return { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body: body as BodyInit }) }
}

/** Read a response in full. */
export async function receive(response: Response): Promise<Received> {
  const bytes = new Uint8Array(await response.arrayBuffer())
  const text = new TextDecoder().decode(bytes)
  return { status: response.status, headers: response.headers, bytes, text, json: () => JSON.parse(text) }
}

/** Headers that legitimately differ between a response and its replay. */
const VOLATILE = new Set(['date', 'idempotent-replayed', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'set-cookie'])

/** The headers a replay must repeat, as sorted pairs. */
export function stableHeaders(headers: Headers): string[] {
  const pairs: string[] = []
  headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) pairs.push(`${name}: ${value}`)
  })
  return pairs.sort()
}

/** A promise and its resolver, to hold a handler mid-flight. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}
