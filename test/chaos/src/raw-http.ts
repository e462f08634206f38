/**
 * Raw HTTP/1.1 over a socket, for what Node's HTTP client refuses to send: control characters in
 * header values, and bodies dripped byte by byte (slow-loris). One request per connection
 * (`Connection: close`); the answer is read until the server closes.
 *
 * @module
 */
import net from 'node:net'
import type { Attempt } from './http-client.js'

/** Send `head` (request line + headers, without the blank line) and `body`, optionally dripped. */
export function rawRequest(
  port: number,
  head: Buffer,
  body: Buffer,
  options: { timeoutMs: number; drip?: { bytes: number; everyMs: number; abortAfter?: number } },
): Promise<Attempt> {
  const startedAt = Date.now()
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let settled = false
    let dripTimer: ReturnType<typeof setInterval> | undefined
    const done = (attempt: Attempt) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (dripTimer !== undefined) clearInterval(dripTimer)
      socket.destroy()
      resolve(attempt)
    }
    const timer = setTimeout(() => done({ kind: 'timeout', message: `no answer within ${options.timeoutMs} ms`, startedAt, ms: Date.now() - startedAt }), options.timeoutMs)
    socket.on('error', (error) => {
      // A server that answers before reading the whole request (Node's parser rejecting a header)
      // closes with the body unread, and the kernel sends a reset: the answer may already be here.
      if (chunks.length > 0) answer()
      else done({ kind: 'error', message: error.message, startedAt, ms: Date.now() - startedAt })
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', () => answer())
    const answer = () => {
      const data = Buffer.concat(chunks)
      const split = data.indexOf('\r\n\r\n')
      const statusLine = data.subarray(0, data.indexOf('\r\n')).toString('latin1')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0)
      if (status === 0) {
        done({ kind: 'error', message: `connection closed without a response (${data.length} bytes)`, startedAt, ms: Date.now() - startedAt })
        return
      }
      const headers: Record<string, string> = {}
      for (const line of data.subarray(0, split === -1 ? data.length : split).toString('latin1').split('\r\n').slice(1)) {
        const colon = line.indexOf(':')
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      // Chunked bodies are left encoded: the fuzzer only reads the status and the content type.
      done({ kind: 'answer', status, headers, body: split === -1 ? Buffer.alloc(0) : data.subarray(split + 4), startedAt, ms: Date.now() - startedAt })
    }
    socket.once('connect', () => {
      socket.write(Buffer.concat([head, Buffer.from('\r\nConnection: close\r\n\r\n')]))
      const drip = options.drip
      if (drip === undefined) {
        socket.end(body)
        return
      }
      let offset = 0
      dripTimer = setInterval(() => {
        if (drip.abortAfter !== undefined && offset >= drip.abortAfter) {
          done({ kind: 'error', message: 'aborted by the client mid-body (slow-loris)', startedAt, ms: Date.now() - startedAt })
          return
        }
        socket.write(body.subarray(offset, offset + drip.bytes))
        offset += drip.bytes
        if (offset >= body.length) {
          clearInterval(dripTimer)
          dripTimer = undefined
        }
      }, drip.everyMs)
    })
  })
}
