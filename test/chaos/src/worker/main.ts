/**
 * A worker process: one app (Express or Hono, from `CHAOS_FRAMEWORK`) started by the orchestrator
 * with `node --conditions=@idemkit/source --import tsx`. Sites are mounted and unmounted over IPC;
 * the worker answers stats requests (after a forced GC, for the soak's memory figure) and dies with
 * its parent.
 *
 * @module
 */
import type { Framework, ParentMessage, WorkerMessage } from './config.js'
import { startExpress } from './express-app.js'
import { startHono } from './hono-app.js'
import { buildSite, type Site } from './site.js'

const framework = process.env.CHAOS_FRAMEWORK as Framework | undefined
if ((framework !== 'express' && framework !== 'hono') || process.send === undefined) {
  console.error('chaos worker: start me through the orchestrator (fork with CHAOS_FRAMEWORK=express|hono)')
  process.exit(2)
}

const sites = new Map<string, Site>()
const port = framework === 'express' ? await startExpress(sites) : await startHono(sites)
const send = (message: WorkerMessage) => process.send?.(message)

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'mount':
      try {
        sites.set(message.mount.name, buildSite(framework, message.mount))
        send({ type: 'done', id: message.id })
      } catch (error) {
        send({ type: 'done', id: message.id, error: String(error) })
      }
      return
    case 'unmount': {
      const site = sites.get(message.name)
      sites.delete(message.name)
      void (site?.close() ?? Promise.resolve()).then(() => send({ type: 'done', id: message.id }))
      return
    }
    case 'stats': {
      const gc = (globalThis as { gc?: () => void }).gc
      gc?.()
      const memory = process.memoryUsage()
      const counters = (message.mount === undefined ? undefined : sites.get(message.mount)?.stats) ?? { inside: 0, executed: 0, leaseLost: 0, storeErrors: 0 }
      send({ type: 'stats', id: message.id, stats: { ...counters, pid: process.pid, heapUsed: memory.heapUsed, rss: memory.rss } })
    }
  }
})
// An orphaned worker must not outlive a crashed orchestrator.
process.on('disconnect', () => process.exit(0))
send({ type: 'ready', port })
