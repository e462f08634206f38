/**
 * Worker processes from the orchestrator's side: fork with the source condition and tsx, wait for
 * the port, mount and unmount sites over IPC, ask for stats, SIGKILL one mid-flight, stop them all.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Framework, MountConfig, ParentMessage, WorkerMessage, WorkerStats } from './worker/config.js'
import { uniqueName } from './targets.js'

const WORKER_ENTRY = fileURLToPath(new URL('./worker/main.ts', import.meta.url))
const IPC_TIMEOUT_MS = 60_000

/** A running worker process. */
export class Worker {
  private nextId = 0
  private readonly pending = new Map<number, (message: WorkerMessage) => void>()
  /** Set when the process exited; a crash the scenario did not cause is a finding. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  /** Set when we killed or stopped it on purpose. */
  private ended = false

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly framework: Framework,
  ) {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') return
      this.pending.get(message.id)?.(message)
      this.pending.delete(message.id)
    })
    child.on('exit', (code, signal) => {
      this.exit = { code, signal }
    })
  }

  /** Base URL of the app. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** True when the process died without being told to. */
  get crashed(): boolean {
    return this.exit !== undefined && !this.ended
  }

  /** Fork a worker and wait until its app listens. */
  static async start(framework: Framework): Promise<Worker> {
    const child = fork(WORKER_ENTRY, [], {
      execArgv: ['--conditions=@idemkit/source', '--import', 'tsx', '--expose-gc'],
      env: { ...process.env, CHAOS_FRAMEWORK: framework, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chaos: ${framework} worker did not start within 120 s`)), 120_000)
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`chaos: ${framework} worker exited during start-up (code ${code}, signal ${signal})`))
      })
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer)
          resolve(message.port)
        }
      })
    })
    child.removeAllListeners('exit')
    return new Worker(child, port, framework)
  }

  private request(build: (id: number) => ParentMessage): Promise<WorkerMessage> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chaos: worker ${this.child.pid} did not answer over IPC`)), IPC_TIMEOUT_MS)
      this.pending.set(id, (message) => {
        clearTimeout(timer)
        resolve(message)
      })
      this.child.send(build(id))
    })
  }

  /** Mount a site. */
  async mount(config: MountConfig): Promise<void> {
    const reply = await this.request((id) => ({ type: 'mount', id, mount: config }))
    if (reply.type === 'done' && reply.error !== undefined) throw new Error(`chaos: mount failed in a worker: ${reply.error}`)
  }

  /** Unmount a site (closes its store and ledger clients). */
  async unmount(name: string): Promise<void> {
    if (this.exit !== undefined) return
    await this.request((id) => ({ type: 'unmount', id, name }))
  }

  /** Counters of `mount` (if given) and memory after a forced GC. */
  async stats(mount?: string): Promise<WorkerStats> {
    const reply = await this.request((id) => ({ type: 'stats', id, mount }))
    if (reply.type !== 'stats') throw new Error('chaos: unexpected IPC reply')
    return reply.stats
  }

  /** SIGKILL: no cleanup, no completion, no release (a crash). */
  async kill(): Promise<void> {
    this.ended = true
    if (this.exit !== undefined) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGKILL')
    await exited
  }

  /** Stop gracefully (SIGTERM), SIGKILL after 3 s. */
  async stop(): Promise<void> {
    this.ended = true
    if (this.exit !== undefined) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000)
    await exited
    clearTimeout(timer)
  }
}

/** Start workers of the given frameworks in parallel. */
export async function startWorkers(frameworks: Framework[]): Promise<Worker[]> {
  const started = await Promise.allSettled(frameworks.map((framework) => Worker.start(framework)))
  const workers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failed = started.find((result) => result.status === 'rejected')
  if (failed !== undefined) {
    await stopWorkers(workers)
    throw (failed as PromiseRejectedResult).reason
  }
  return workers
}

/** Stop every worker. */
export async function stopWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.stop()))
}

/** One site mounted on several workers. */
export class Mounted {
  constructor(
    readonly name: string,
    readonly workers: Worker[],
  ) {}

  /** Path of an operation on this site. */
  path(op: string, route: 'ops' | 'tx-ops' = 'ops'): string {
    return `/m/${this.name}/${route}/${op}`
  }

  /** Sum of the site's counters over its workers (dead ones skipped). */
  async stats(): Promise<{ inside: number; executed: number; leaseLost: number; storeErrors: number }> {
    const all = await Promise.all(this.workers.filter((worker) => worker.exit === undefined).map((worker) => worker.stats(this.name)))
    return all.reduce(
      (sum, stats) => ({
        inside: sum.inside + stats.inside,
        executed: sum.executed + stats.executed,
        leaseLost: sum.leaseLost + stats.leaseLost,
        storeErrors: sum.storeErrors + stats.storeErrors,
      }),
      { inside: 0, executed: 0, leaseLost: 0, storeErrors: 0 },
    )
  }

  /** Unmount from every live worker. */
  async unmount(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.unmount(this.name)))
  }
}

/**
 * Mount `config` on `workers` under a fresh name (or `name`: the route, and so the fingerprint,
 * includes it, so workers that must serve the same keys need the same name).
 */
export async function mount(workers: Worker[], config: Omit<MountConfig, 'name'>, name = uniqueName()): Promise<Mounted> {
  await Promise.all(workers.map((worker) => worker.mount({ ...config, name })))
  return new Mounted(name, workers)
}
