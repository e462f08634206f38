/**
 * Drive one server with autocannon (programmatic): POST the 1 KB JSON body over keep-alive
 * connections, each request with the key its workload assigns.
 *
 * @module
 */
import autocannon from 'autocannon'
import { REQUEST_BODY } from './payloads.js'

export interface DriveOptions {
  port: number
  path: string
  /** The key of the `n`-th request. */
  keyOf: (n: number) => string
  connections: number
  /** Seconds to run, or… */
  duration?: number
  /** …exactly this many requests. */
  amount?: number
}

export interface DriveResult {
  requests: number
  seconds: number
  requestsPerSecond: number
  /** Latency percentiles in milliseconds. */
  p50: number
  p99: number
  /** Responses by status code. */
  statuses: Record<string, number>
  /** Connection errors and timeouts (must be 0 for a valid measurement). */
  errors: number
}

export async function drive(options: DriveOptions): Promise<DriveResult> {
  let n = 0
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    pipelining: 1,
    ...(options.amount === undefined ? { duration: options.duration ?? 2 } : { amount: options.amount }),
    timeout: 20,
    requests: [
      {
        method: 'POST',
        path: options.path,
        headers: { 'content-type': 'application/json' },
        body: REQUEST_BODY,
        setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'idempotency-key': options.keyOf(n++) } }),
      },
    ],
  })
  const statuses: Record<string, number> = {}
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = count ?? 0
  const requests = Object.values(statuses).reduce((sum, count) => sum + count, 0)
  return {
    requests,
    seconds: result.duration,
    requestsPerSecond: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors + result.timeouts,
  }
}
