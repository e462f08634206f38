/**
 * The harness side of a benchmark server: fork it (TypeScript through tsx, workspace packages
 * resolved to source), wait until it listens, read its counters, close it.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Configuration } from './configurations.js'
import type { ServerReady, ServerStats } from './servers/runtime.js'
import { loaderArgs } from './loader.js'

/** Generous: on this shared 2-core machine, loading TypeScript through tsx can take tens of seconds under load. */
const STARTUP_TIMEOUT_MS = 120_000

export class ServerProcess {
  private constructor(
    readonly configuration: Configuration,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  /** Start `configuration`; rejects with the process's stderr when it exits or does not listen in time. */
  static async start(configuration: Configuration, namespace: string, clientName: string): Promise<ServerProcess> {
    const file = fileURLToPath(new URL(`./servers/${configuration.file}`, import.meta.url))
    const child = fork(file, [...configuration.args, '--namespace', namespace, '--client-name', clientName], {
      execArgv: [...loaderArgs(), ...profileFlags(configuration.id)],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`did not listen within ${STARTUP_TIMEOUT_MS} ms\n${stderr}`))
      }, STARTUP_TIMEOUT_MS)
      child.on('message', (message: ServerReady | ServerStats) => {
        if (message.type === 'ready') {
          clearTimeout(timer)
          resolve(message.port)
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`exited with code ${String(code)} before listening\n${stderr.trim()}`))
      })
    })
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${configuration.id}] ${chunk.toString()}`))
    return new ServerProcess(configuration, port, child)
  }

  /** CPU time, handler executions and statements of the process so far. */
  stats(): Promise<ServerStats> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: ServerReady | ServerStats): void => {
        if (message.type !== 'stats') return
        this.child.off('message', onMessage)
        resolve(message)
      }
      this.child.on('message', onMessage)
      if (!this.child.send({ type: 'stats' })) reject(new Error(`${this.configuration.id}: IPC channel closed`))
    })
  }

  /** Ask the server to clean up (drop its table, quit its clients) and exit; kill it if it hangs. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.send({ type: 'close' })
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }
}

/**
 * `BENCH_CPU_PROF=<dir>` writes V8 CPU profiles of every server (`<dir>/<id>/*.cpuprofile`, open it in
 * Chrome DevTools or speedscope) to find where a configuration spends its time.
 */
function profileFlags(id: string): string[] {
  const directory = process.env.BENCH_CPU_PROF
  // One directory per server: tsx's loader thread writes a profile too, and a fixed file name would
  // let it overwrite the main thread's. The largest file in the directory is the main thread.
  return directory ? ['--cpu-prof', `--cpu-prof-dir=${directory}/${id}`] : []
}
