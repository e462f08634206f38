/**
 * The DynamoDB-compatible server the tests talk to: dynalite started in this process on a free
 * loopback port, or the server `DYNAMODB_ENDPOINT` points at (e.g. DynamoDB Local).
 */
import { spawn } from 'node:child_process'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import { DynamoDBClient, ListTablesCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import dynalite from 'dynalite'

/** A running server and how to stop it. */
export interface TestServer {
  endpoint: string
  stop(): Promise<void>
}

/**
 * Start dynalite on 127.0.0.1 (port chosen by the OS), or use `DYNAMODB_ENDPOINT`. A configured
 * endpoint that does not answer fails the suite: never a silent skip.
 */
export async function startServer(): Promise<TestServer> {
  const configured = process.env.DYNAMODB_ENDPOINT
  if (configured !== undefined && configured !== '') {
    await assertReachable(configured)
    return { endpoint: configured, stop: async () => {} }
  }
  return startDynalite()
}

/**
 * Start dynalite as its own child process (for the cross-process race: the server gets its own
 * event loop, not the test runner's), or use `DYNAMODB_ENDPOINT`.
 */
export async function startServerProcess(): Promise<TestServer> {
  const configured = process.env.DYNAMODB_ENDPOINT
  if (configured !== undefined && configured !== '') {
    await assertReachable(configured)
    return { endpoint: configured, stop: async () => {} }
  }
  const script = `const server = require(${JSON.stringify(createRequire(import.meta.url).resolve('dynalite'))})({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
server.keepAliveTimeout = 120000; server.headersTimeout = 125000; server.requestTimeout = 0
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'))`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite process exited with code ${code}`)))
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))
  })
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill()
      }),
  }
}

/** Start dynalite in this process on a free loopback port (always: for tests that must stop it). */
export async function startDynalite(): Promise<TestServer> {
  // createTableMs/deleteTableMs 0: tables are ACTIVE at once instead of after dynalite's simulated 500 ms.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  // Node closes idle keep-alive sockets after 5 s; on a loaded machine a client may reuse one at
  // that very moment and see "socket hang up". Keep them longer than any test waits.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 125_000
  server.requestTimeout = 0
  const port = await listen(server)
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => close(server) }
}

/**
 * A client for tests: dummy credentials (local servers do not check signatures), bounded retries and
 * timeouts, so a dead server fails a test instead of hanging it. The timeouts are looser than the
 * README's production advice: dynalite shares this process's event loop, and on a loaded CI machine
 * a burst of 400 concurrent requests can take seconds to be accepted.
 */
export function testClient(endpoint: string, config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
    ...config,
  })
}

/** A table name unique to one test file and run, so runs never see each other's data. */
export function tableName(label: string): string {
  return `idemkit-${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/** Listen on a free loopback port and return it. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error('server has no TCP address'))
      else resolve(address.port)
    })
  })
}

/** Close a server, dropping keep-alive connections so `close` does not wait for their timeout. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections?.()
  })
}

async function assertReachable(endpoint: string): Promise<void> {
  const client = testClient(endpoint, { maxAttempts: 1, requestHandler: { connectionTimeout: 2_000, requestTimeout: 2_000 } })
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }))
  } catch (cause) {
    throw new Error(
      `DYNAMODB_ENDPOINT=${endpoint} does not answer (${String(cause)}). Start that server ` +
        '(e.g. `docker run -p 8000:8000 amazon/dynamodb-local`), or unset DYNAMODB_ENDPOINT to use the in-process dynalite.',
      { cause },
    )
  } finally {
    client.destroy()
  }
}
