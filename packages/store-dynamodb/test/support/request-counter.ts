/**
 * Counts the HTTP requests a DynamoDB client sends, per command, with a middleware on the client's
 * own stack. It sits in the `deserialize` step, inside the SDK's retry loop, so every attempt of a
 * retried call is counted: what you would pay for.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'

/** Request counts of one client. */
export interface RequestCounter {
  /** Requests sent since the last reset. */
  readonly total: number
  /** Requests of one command (e.g. `'GetItemCommand'`) since the last reset. */
  of(command: string): number
  reset(): void
}

export function countRequests(client: DynamoDBClient): RequestCounter {
  const counts = new Map<string, number>()
  let total = 0
  client.middlewareStack.add(
    (next, context) => async (args) => {
      total++
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1)
      return next(args)
    },
    { step: 'deserialize', name: 'idemkitTestRequestCounter' },
  )
  return {
    get total() {
      return total
    },
    of: (command) => counts.get(command) ?? 0,
    reset() {
      total = 0
      counts.clear()
    },
  }
}
