/**
 * Throwaway `redis-server` processes on spare loopback ports, for tests that stop, stall or break a
 * server. Each is a child process of the test (killed in teardown), and a leftover of an aborted
 * earlier run on the same port is shut down first.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A running throwaway server. */
export interface ServerProcess {
  readonly port: number
  readonly url: string
  /** SIGKILL the server (a crash, not a clean shutdown) and wait for it to exit. */
  kill(): Promise<void>
}

/** Run `redis-cli -p port ...args`; resolves with stdout (throws when redis-cli fails). */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 })
  return stdout
}

/** Shut down whatever a previous (aborted) run left on `port`, and wait until the port is free. */
export async function clearPort(port: number): Promise<void> {
  await redisCli(port, 'shutdown', 'nosave').catch(() => undefined)
  for (let attempt = 0; attempt < 50; attempt++) {
    if (!(await answersPing(port))) return
    await sleep(100)
  }
  throw new Error(`port ${port} is still serving Redis after SHUTDOWN; stop that server by hand`)
}

/** True when a Redis server answers PING on `port`. */
export async function answersPing(port: number): Promise<boolean> {
  try {
    return (await redisCli(port, 'ping')).trim() === 'PONG'
  } catch {
    return false
  }
}

/** Wait until `port` answers PING, or throw after `timeoutMs`. */
export async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await answersPing(port)) return
    await sleep(50)
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`)
}

/** Start `redis-server` in the foreground as a child process on `port`, without persistence. */
export async function startServer(port: number, extraArgs: string[] = []): Promise<ServerProcess> {
  await clearPort(port)
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: 'ignore' },
  )
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot start redis-server (is it installed?): ${error.message}`)))
  })
  failed.catch(() => undefined) // an 'error' after startup must not become an unhandled rejection
  await Promise.race([waitForPing(port), failed])
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      child.kill('SIGKILL')
      await exited
    },
  }
}
