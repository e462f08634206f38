/**
 * Entry for Bun and Deno: serve the app with the runtime's own HTTP server on a free port, make the
 * requests over real HTTP, print what came back as one JSON line, stop.
 */
import { createApp, twoRequestsEach } from './app.js'

declare const Bun: { serve(options: { port: number; hostname: string; fetch: (request: Request) => Response | Promise<Response> }): { port: number; stop(force?: boolean): void } } | undefined
declare const Deno:
  | { serve(options: { port: number; hostname: string; onListen?: (address: { port: number }) => void }, handler: (request: Request) => Response | Promise<Response>): { finished: Promise<void>; shutdown(): Promise<void>; addr: { port: number } }; version: { deno: string } }
  | undefined

const app = createApp()
let port: number
let stop: () => Promise<void>
let runtime: string
if (typeof Bun !== 'undefined') {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch })
  port = server.port
  stop = async () => server.stop(true)
  runtime = 'bun'
} else if (typeof Deno !== 'undefined') {
  const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: () => {} }, app.fetch)
  port = server.addr.port
  stop = () => server.shutdown()
  runtime = `deno ${Deno.version.deno}`
} else {
  throw new Error('run this under Bun or Deno')
}
const results = await twoRequestsEach((path, init) => fetch(`http://127.0.0.1:${port}${path}`, init))
console.log(JSON.stringify({ runtime, results }))
await stop()
