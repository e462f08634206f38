/** Suite replies as Fetch `Response`s, for harnesses built on the Web standard. */
import type { Reply } from './harness.js'

const encoder = new TextEncoder()

/** A Response for `reply` (throws for `{ type: 'throw' }`). */
export function webReply(reply: Reply): Response {
  switch (reply.type) {
    case 'json':
      return Response.json(reply.value, { status: reply.status ?? 200, headers: reply.headers ?? {} })
    case 'text':
      return new Response(reply.text, { status: reply.status ?? 200, headers: { 'content-type': 'text/plain; charset=utf-8', ...reply.headers } })
    case 'bytes':
      return new Response(reply.bytes as Uint8Array<ArrayBuffer>, { status: reply.status ?? 200, headers: { 'content-type': reply.contentType } })
    case 'stream':
      return new Response(chunkStream(reply.chunks, reply.between), { status: reply.status ?? 200, headers: { 'content-type': reply.contentType } })
    case 'redirect':
      return Response.redirect(`http://localhost${reply.location}`, 302)
    case 'empty':
      return new Response(null, { status: reply.status })
    case 'throw':
      throw new Error(reply.message)
    case 'native':
      throw new Error(`no native responder ${reply.name}`)
  }
}

/** A ReadableStream of `chunks`, awaiting `between` after the first. */
export function chunkStream(chunks: string[], between?: () => Promise<void>): ReadableStream<Uint8Array> {
  let index = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index === 1 && between !== undefined) await between()
      const chunk = chunks[index++]
      if (chunk === undefined) controller.close()
      else controller.enqueue(encoder.encode(chunk))
    },
  })
}

/** Match `path` (no query) against a route pattern with `:name` segments. */
export function matchRoute(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = []
  const regex = new RegExp(`^${pattern.replace(/:([A-Za-z_]+)/g, (_, name: string) => (names.push(name), '([^/]+)'))}$`)
  const match = regex.exec(path)
  if (match === null) return undefined
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1] as string)]))
}
