/**
 * The raw DynamoDB requests a library issues for one call, captured with a middleware on its client
 * and replayed through the same client without the library.
 *
 * @module
 */
import * as dynamodb from '@aws-sdk/client-dynamodb'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'

export interface CapturedRequest {
  /** e.g. `PutItemCommand`. */
  commandName: string
  input: Record<string, unknown>
}

/** Records every request a client sends while `recording` is on. */
export class DynamoDBRecorder {
  recording = false
  private captured: CapturedRequest[] = []

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (this.recording) this.captured.push({ commandName: String(context.commandName), input: structuredClone(args.input as Record<string, unknown>) })
        return next(args)
      },
      { step: 'initialize', name: 'idemkitBenchRecorder' },
    )
  }

  async capture(call: () => Promise<unknown>): Promise<CapturedRequest[]> {
    this.captured = []
    this.recording = true
    try {
      await call()
    } finally {
      this.recording = false
    }
    return this.captured
  }
}

type CommandClass = new (input: Record<string, unknown>) => Parameters<DynamoDBClient['send']>[0]

/** Send `request` as the command it was captured from. */
export function send(client: DynamoDBClient, request: CapturedRequest): Promise<unknown> {
  const Command = (dynamodb as unknown as Record<string, CommandClass>)[request.commandName]
  if (Command === undefined) throw new Error(`unknown DynamoDB command ${request.commandName}`)
  return client.send(new Command(request.input))
}

/** The partition key value the first request addresses (`Item` or `Key` attribute `keyAttribute`). */
export function keyOf(requests: CapturedRequest[], keyAttribute: string): string {
  const input = requests[0]?.input as { Item?: Record<string, { S?: string }>; Key?: Record<string, { S?: string }> } | undefined
  const key = input?.Item?.[keyAttribute]?.S ?? input?.Key?.[keyAttribute]?.S
  if (key === undefined) throw new Error(`no ${keyAttribute} in the first captured request`)
  return key
}

/** `requests` with every string equal to `from` replaced by `to` (deeply). */
export function rekeyRequests(requests: CapturedRequest[], from: string, to: string): CapturedRequest[] {
  const replace = (value: unknown): unknown => {
    if (value === from) return to
    if (Array.isArray(value)) return value.map(replace)
    if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
      return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, replace(inner)]))
    }
    return value
  }
  return requests.map((request) => ({ commandName: request.commandName, input: replace(request.input) as Record<string, unknown> }))
}
