/**
 * The store servers the suite attacks: PostgreSQL and Redis must already run (a missing one FAILS
 * the run with the command that starts it, never a silent skip); a 3-master Redis Cluster and a
 * dynalite (DynamoDB) server are started here and torn down afterwards.
 *
 * @module
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import postgres from 'postgres'

const run = promisify(execFile)

/** Where PostgreSQL is: `DATABASE_URL`, default the local trust-auth server's `test` database. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** Where Redis is: `REDIS_URL`, default the local server. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Host and port of a URL (for the fault proxy to forward to). */
export function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: parsed.port === '' ? defaultPort : Number(parsed.port) }
}

/** Fail with a message naming the env var and the start command when PostgreSQL is not reachable. */
export async function requirePostgres(): Promise<void> {
  const sql = postgres(DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`select 1`
  } catch (error) {
    throw new Error(
      `chaos: PostgreSQL is not reachable at DATABASE_URL=${DATABASE_URL} (${(error as Error).message}). ` +
        'Start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or set DATABASE_URL.',
    )
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/** Fail with a message naming the env var and the start command when Redis is not reachable. */
export async function requireRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
  } catch (error) {
    throw new Error(
      `chaos: Redis is not reachable at REDIS_URL=${REDIS_URL} (${(error as Error).message}). ` +
        'Start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no` or set REDIS_URL.',
    )
  } finally {
    client.disconnect()
  }
}

/** Ports of our own Redis Cluster masters. */
export const CLUSTER_PORTS = [7401, 7402, 7403] as const

/** A running 3-master Redis Cluster on loopback; `stop()` shuts it down and removes its files. */
export interface RedisCluster {
  nodes: Array<{ host: string; port: number }>
  stop(): Promise<void>
}

/**
 * Start 3 cluster-enabled masters on 7401–7403 and join them. Robust to leftovers of an aborted run:
 * any server still on those ports is shut down first, and every run uses a fresh directory (a stale
 * nodes.conf would make `--cluster create` refuse).
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  if (await clusterHealthy()) {
    // Another chaos run on this machine owns a healthy cluster: share it, and leave it running.
    return { nodes: CLUSTER_PORTS.map((port) => ({ host: '127.0.0.1', port })), stop: async () => {} }
  }
  await shutdownClusterPorts()
  const dir = await mkdtemp(path.join(tmpdir(), 'idemkit-chaos-cluster-'))
  for (const port of CLUSTER_PORTS) {
    await run('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--dir', dir,
      '--daemonize', 'yes', '--save', '', '--appendonly', 'no',
    ])
  }
  for (const port of CLUSTER_PORTS) await waitForPort(port, 5_000)
  await run('redis-cli', ['--cluster', 'create', ...CLUSTER_PORTS.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'])
  // `--cluster create` returns before every node agrees; wait until each reports cluster_state:ok.
  const deadline = Date.now() + 15_000
  for (const port of CLUSTER_PORTS) {
    for (;;) {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info'])
      if (stdout.includes('cluster_state:ok')) break
      if (Date.now() > deadline) throw new Error(`chaos: Redis Cluster node ${port} never reached cluster_state:ok`)
      await sleep(100)
    }
  }
  return {
    nodes: CLUSTER_PORTS.map((port) => ({ host: '127.0.0.1', port })),
    async stop() {
      await shutdownClusterPorts()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function clusterHealthy(): Promise<boolean> {
  for (const port of CLUSTER_PORTS) {
    const info = await run('redis-cli', ['-p', String(port), 'cluster', 'info']).catch(() => ({ stdout: '' }))
    if (!info.stdout.includes('cluster_state:ok')) return false
  }
  return true
}

async function shutdownClusterPorts(): Promise<void> {
  for (const port of CLUSTER_PORTS) {
    await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => {})
  }
  for (const port of CLUSTER_PORTS) await waitForPortFree(port, 5_000)
}

/** A running dynalite server on a free loopback port. */
export interface Dynalite {
  endpoint: string
  stop(): Promise<void>
}

/** Start dynalite (in-memory DynamoDB) as a child process on a free port. */
export async function startDynalite(): Promise<Dynalite> {
  const port = await freePort()
  const script = `import dynalite from 'dynalite'; dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }).listen(${port}, '127.0.0.1')`
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: path.dirname(new URL(import.meta.url).pathname),
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await waitForPort(port, 15_000)
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
    },
  }
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) throw new Error(`chaos: nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await sleep(50)
  }
}

async function waitForPortFree(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (await canConnect(port)) {
    if (Date.now() > deadline) throw new Error(`chaos: port ${port} is still in use after ${timeoutMs} ms`)
    await sleep(50)
  }
}

/** Sleep `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
