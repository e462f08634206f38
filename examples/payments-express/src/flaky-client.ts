/**
 * A client that behaves like a mobile app on a flaky network, for the demo. Every logical operation
 * gets ONE idempotency key, made before the first attempt and reused for every retry, as a real
 * client must. What goes wrong, by scenario:
 *
 * - `timeout`: the first attempt's timeout fires while the server is still working (it charges
 *   anyway); the client retries with the same key.
 * - `lost-response`: the server answered, but the response never reached the app; it retries.
 * - `double-tap`: two identical requests at once (an impatient tap while the spinner spins).
 * - `changed-amount`: the first answer is lost, and the retry carries a recomputed amount (a client
 *   bug). Idempotency rejects it (422) instead of charging a second, different amount.
 * - `normal`: one attempt, one answer.
 *
 * Retries back off briefly and ignore `Retry-After` (whole seconds) so the demo stays fast; a real
 * client should honour it.
 */
import { randomUUID } from 'node:crypto'
import { OPERATION_NAMES, type OperationName } from '@idemkit/example-payments-shared/operations'

/** What can go wrong for one logical operation. */
export type ScenarioKind = 'normal' | 'timeout' | 'lost-response' | 'double-tap' | 'changed-amount'

/** One logical operation the user performs. */
export interface Scenario {
  kind: ScenarioKind
  operation: OperationName
  body: Record<string, unknown>
}

/** What the client saw. */
export interface ClientStats {
  attempts: number
  operations: number
  /** Attempts whose timeout fired before an answer arrived. */
  timeouts: number
  /** Answers marked `Idempotent-Replayed: true`. */
  replays: number
  /** 409 answers: the first attempt was still in flight. */
  conflicts: number
  /** 422 answers: the key was reused with a different request. */
  mismatches: number
  /** Operations that ended with a 2xx answer. */
  succeeded: number
}

/** Timing of the client, relative to the server's latency. */
export interface ClientTiming {
  /** Timeout of an attempt meant to time out; must be below the server's latency. */
  shortTimeoutMs: number
  /** Timeout of every other attempt. */
  timeoutMs: number
  /** Wait before a retry (times the attempt number). */
  backoffMs: number
  /** Operations in flight at once. */
  concurrency: number
}

const MAX_ATTEMPTS = 8
const KIND_CYCLE: readonly ScenarioKind[] = ['timeout', 'double-tap', 'lost-response', 'normal', 'timeout', 'double-tap', 'lost-response', 'changed-amount']

/** A fixed mix of scenarios over the six endpoints (deterministic: the same list every run). */
export function buildScenarios(perOperation: number): Scenario[] {
  const scenarios: Scenario[] = []
  for (let index = 0; index < perOperation; index++) {
    for (const operation of OPERATION_NAMES) {
      let kind = KIND_CYCLE[(index + OPERATION_NAMES.indexOf(operation)) % KIND_CYCLE.length] as ScenarioKind
      // A changed amount only makes sense for a payment; elsewhere it is a plain timeout.
      if (kind === 'changed-amount' && operation !== 'payments') kind = 'timeout'
      scenarios.push({ kind, operation, body: { ...bodyFor(operation, index), reference: `${operation}-${index}` } })
    }
  }
  return scenarios
}

function bodyFor(operation: OperationName, index: number): Record<string, unknown> {
  switch (operation) {
    case 'payments':
      return { amount: 1_000 + index * 250, currency: 'EUR' }
    case 'orders':
      return { sku: `SKU-${index}`, quantity: 1 + (index % 3) }
    case 'invoices':
      return { customer: `cus_${index}`, amount: 9_900 }
    case 'subscriptions':
      return { customer: `cus_${index}`, plan: index % 2 === 0 ? 'pro' : 'team' }
    case 'messages':
      return { to: `+3161234${String(index).padStart(4, '0')}`, template: 'order_shipped' }
    case 'signatures':
      return { document: `doc_${index}`, signer: `signer${index}@example.com` }
  }
}

type Answer = { kind: 'timeout' } | { kind: 'answer'; status: number; replayed: boolean }

/**
 * Run every scenario against `baseUrl` and return what the client saw. `onProgress` is called after
 * each finished operation.
 */
export async function runFlakyClient(
  baseUrl: string,
  scenarios: readonly Scenario[],
  timing: ClientTiming,
  onProgress?: (done: number, stats: ClientStats) => void,
): Promise<ClientStats> {
  const stats: ClientStats = { attempts: 0, operations: scenarios.length, timeouts: 0, replays: 0, conflicts: 0, mismatches: 0, succeeded: 0 }
  let next = 0
  let done = 0

  const send = async (operation: OperationName, key: string, body: unknown, timeoutMs: number): Promise<Answer> => {
    stats.attempts++
    try {
      const response = await fetch(`${baseUrl}/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-account-id': 'acct_demo' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
      await response.arrayBuffer()
      const replayed = response.headers.get('idempotent-replayed') === 'true'
      if (replayed) stats.replays++
      if (response.status === 409) stats.conflicts++
      if (response.status === 422) stats.mismatches++
      return { kind: 'answer', status: response.status, replayed }
    } catch (error) {
      if ((error as Error).name !== 'TimeoutError') throw error
      stats.timeouts++
      return { kind: 'timeout' }
    }
  }

  const perform = async (scenario: Scenario): Promise<void> => {
    const key = randomUUID() // one key per logical operation, reused for every attempt
    const { operation } = scenario
    let body = scenario.body
    let first: Answer[]
    switch (scenario.kind) {
      case 'double-tap':
        first = await Promise.all([send(operation, key, body, timing.timeoutMs), send(operation, key, body, timing.timeoutMs)])
        break
      case 'timeout':
        first = [await send(operation, key, body, timing.shortTimeoutMs)]
        break
      case 'lost-response':
      case 'changed-amount':
        await send(operation, key, body, timing.timeoutMs)
        first = [{ kind: 'timeout' }] // the answer arrived at the server's edge, never at the app
        break
      case 'normal':
        first = [await send(operation, key, body, timing.timeoutMs)]
        break
    }
    if (scenario.kind === 'changed-amount') body = { ...body, amount: (body.amount as number) + 1 } // the client bug
    let answers = first
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const finished = answers.find((answer) => answer.kind === 'answer' && answer.status !== 409 && answer.status < 500)
      if (finished !== undefined) {
        if (finished.kind === 'answer' && finished.status < 300) stats.succeeded++
        return
      }
      await sleep(timing.backoffMs * attempt)
      answers = [await send(operation, key, body, timing.timeoutMs)]
    }
  }

  const worker = async (): Promise<void> => {
    while (next < scenarios.length) {
      const scenario = scenarios[next++] as Scenario
      await perform(scenario)
      onProgress?.(++done, stats)
    }
  }
  await Promise.all(Array.from({ length: Math.min(timing.concurrency, scenarios.length) }, worker))
  return stats
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
