/**
 * A loopback HTTP proxy in front of the test server, to give it behaviour dynalite lacks: AWS's
 * `ReturnValuesOnConditionCheckFailure` (the failed item inside the error) and throttling.
 */
import { createServer, type IncomingMessage } from 'node:http'
import { close, listen, type TestServer } from './server.js'

/** An HTTP reply of the DynamoDB JSON protocol. */
export interface Reply {
  status: number
  headers: Record<string, string>
  body: string
}

/** One request as the proxy sees it. */
export interface Call {
  /** The operation, e.g. `'PutItem'` (from the `X-Amz-Target` header). */
  operation: string
  /** The parsed JSON request body. */
  input: Record<string, unknown>
  /** Send the request on to the server unchanged. */
  forward(): Promise<Reply>
  /** Send another operation to the server, with this request's headers (not seen by the client). */
  call(operation: string, input: unknown): Promise<Reply>
}

/** Start a proxy to `upstream` that answers each request with `handle(call)`. */
export async function startProxy(upstream: string, handle: (call: Call) => Promise<Reply>): Promise<TestServer> {
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request)
      const headers = forwardable(request)
      const target = String(request.headers['x-amz-target'] ?? '')
      const send = async (operation: string, json: string): Promise<Reply> => {
        const reply = await fetch(upstream, {
          method: 'POST',
          headers: { ...headers, 'x-amz-target': `${target.split('.')[0]}.${operation}` },
          body: json,
        })
        const replyHeaders: Record<string, string> = {}
        reply.headers.forEach((value, name) => {
          // The body may be rewritten: drop its length and checksum, let Node recompute the length.
          if (name !== 'content-length' && name !== 'x-amz-crc32' && name !== 'connection' && name !== 'keep-alive') replyHeaders[name] = value
        })
        return { status: reply.status, headers: replyHeaders, body: await reply.text() }
      }
      const operation = target.split('.')[1] ?? ''
      const reply = await handle({
        operation,
        input: JSON.parse(body || '{}') as Record<string, unknown>,
        forward: () => send(operation, body),
        call: (other, input) => send(other, JSON.stringify(input)),
      })
      response.writeHead(reply.status, reply.headers).end(reply.body)
    })().catch((error: unknown) => {
      response.writeHead(500).end(String(error))
    })
  })
  const port = await listen(server)
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => close(server) }
}

/**
 * AWS semantics for `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`: when a conditional write
 * fails, put the item into the error, as DynamoDB does. (The proxy reads it with a GetItem of its
 * own after the failure, so it is not atomic like AWS; good enough to count the CLIENT's requests.)
 */
export function awsConditionFailures(keyAttribute: string): (call: Call) => Promise<Reply> {
  return async (call) => {
    const reply = await call.forward()
    if (reply.status !== 400 || !reply.body.includes('ConditionalCheckFailedException')) return reply
    if (call.input.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') return reply
    const item = call.input.Item as Record<string, unknown> | undefined
    const key = call.operation === 'PutItem' && item !== undefined ? { [keyAttribute]: item[keyAttribute] } : call.input.Key
    const read = await call.call('GetItem', { TableName: call.input.TableName, Key: key, ConsistentRead: true })
    const old = (JSON.parse(read.body) as { Item?: unknown }).Item
    if (old === undefined) return reply
    return { ...reply, body: JSON.stringify({ ...(JSON.parse(reply.body) as object), Item: old }) }
  }
}

/** Answer the first `times` requests with a `ThrottlingException`, then forward. */
export function throttleFirst(times: number): (call: Call) => Promise<Reply> {
  let remaining = times
  return async (call) => {
    if (remaining-- > 0) {
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' }),
      }
    }
    return call.forward()
  }
}

function forwardable(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (name === 'host' || name === 'content-length' || name === 'connection' || value === undefined) continue
    headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

/**
 * Apply the first `operation` request on the server, then answer it with a 500 as if the response
 * had been lost: the SDK retries, and the retry meets the state its own first attempt created.
 */
export function loseFirstResponse(operation: string, next: (call: Call) => Promise<Reply> = (call) => call.forward()): (call: Call) => Promise<Reply> {
  let lost = false
  return async (call) => {
    const reply = await next(call)
    if (lost || call.operation !== operation) return reply
    lost = true
    return {
      status: 500,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'response lost (test)' }),
    }
  }
}
