/**
 * One measurement of one configuration on one workload, and the medians across rounds.
 *
 * @module
 */
import type { DriveResult } from './drive.js'

export interface Measurement {
  round: number
  requestsPerSecond: number
  p50: number
  p99: number
  /** Server CPU time (user + system) per request, in µs. */
  cpuMicrosPerRequest: number
  /** Handler executions per request (1 for new keys, 0 for replays). */
  executionsPerRequest: number
  statuses: Record<string, number>
  requests: number
  errors: number
}

export function measurement(round: number, drive: DriveResult, cpuMicros: number, executions: number): Measurement {
  return {
    round,
    requestsPerSecond: drive.requestsPerSecond,
    p50: drive.p50,
    p99: drive.p99,
    cpuMicrosPerRequest: cpuMicros / Math.max(1, drive.requests),
    executionsPerRequest: executions / Math.max(1, drive.requests),
    statuses: drive.statuses,
    requests: drive.requests,
    errors: drive.errors,
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}
