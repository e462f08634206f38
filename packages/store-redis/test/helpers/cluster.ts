/**
 * A 3-master Redis Cluster on loopback ports 7301–7303, started by the test itself and shut down in
 * teardown. Leftovers of an aborted run (servers still up on those ports) are shut down first, and
 * every start uses a fresh temp dir, so an old `nodes-P.conf` can never resurrect a stale cluster.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { clearPort, redisCli, waitForPing } from './server-process.js'

const run = promisify(execFile)

export const CLUSTER_PORTS = [7301, 7302, 7303] as const

/** A running test cluster. */
export interface TestCluster {
  readonly ports: readonly number[]
  /** Shut every node down (`SHUTDOWN NOSAVE`) and remove the temp dir. */
  stop(): Promise<void>
}

/** Start the cluster and wait until every node reports `cluster_state:ok`. */
export async function startCluster(ports: readonly number[] = CLUSTER_PORTS): Promise<TestCluster> {
  await Promise.all(ports.map((port) => clearPort(port)))
  const dir = await mkdtemp(join(tmpdir(), 'idemkit-redis-cluster-'))
  const stop = async (): Promise<void> => {
    await Promise.all(ports.map((port) => redisCli(port, 'shutdown', 'nosave').catch(() => undefined)))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    for (const port of ports) {
      await run('redis-server', [
        '--port', String(port),
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--dir', dir,
        '--daemonize', 'yes',
        '--save', '',
        '--appendonly', 'no',
        '--bind', '127.0.0.1',
      ]).catch((error: Error) => {
        throw new Error(`cannot start redis-server on port ${port} (is redis-server installed?): ${error.message}`)
      })
    }
    await Promise.all(ports.map((port) => waitForPing(port)))
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 60_000 },
    )
    await waitForClusterOk(ports)
  } catch (error) {
    await stop()
    throw error
  }
  return { ports, stop }
}

async function waitForClusterOk(ports: readonly number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const infos = await Promise.all(ports.map((port) => redisCli(port, 'cluster', 'info')))
    if (infos.every((info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${ports.length}`))) return
    if (Date.now() > deadline) throw new Error(`the test cluster did not reach cluster_state:ok within ${timeoutMs} ms`)
    await sleep(100)
  }
}
