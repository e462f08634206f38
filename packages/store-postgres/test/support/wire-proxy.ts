/**
 * A TCP proxy in front of PostgreSQL that reads the client's protocol messages. It lets tests count
 * real round trips (not just queries a driver says it sent) and simulate a network that goes silent
 * or a connection that drops mid-call.
 */
import net from 'node:net'

/** Frontend message types that make the client wait for the server: Sync, simple Query, Flush. */
const WAITING_MESSAGES = new Set(['S', 'Q', 'H'])
const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102

export interface WireProxy {
  /** `postgres://…` URL that goes through the proxy. */
  url: string
  /** Frontend messages seen since the last reset, by type letter (P, B, D, E, S, Q, …). */
  messages: Map<string, number>
  /** Round trips since the last reset: messages after which the client waits for an answer. */
  roundTrips(): number
  /** Forget the counts. */
  reset(): void
  /** Stop forwarding in both directions: the connections stay open but go silent. */
  freeze(): void
  /** Forward again (bytes dropped while frozen stay lost, so frozen connections stay broken). */
  thaw(): void
  /** Drop every proxied connection at once (as a network failure or server crash would). */
  dropConnections(): void
  /** Close the proxy and every connection. */
  close(): Promise<void>
}

export async function startWireProxy(target: URL): Promise<WireProxy> {
  const sockets = new Set<net.Socket>()
  const messages = new Map<string, number>()
  let frozen = false
  const server = net.createServer((clientSocket) => {
    const serverSocket = net.connect(Number(target.port || 5432), target.hostname)
    sockets.add(clientSocket)
    sockets.add(serverSocket)
    let buffer = Buffer.alloc(0)
    let startup = true
    clientSocket.on('data', (chunk) => {
      if (frozen) return
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        if (startup) {
          if (buffer.length < 8) break
          const length = buffer.readInt32BE(0)
          if (buffer.length < length) break
          const code = buffer.readInt32BE(4)
          buffer = buffer.subarray(length)
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST && code !== CANCEL_REQUEST) startup = false
          continue
        }
        if (buffer.length < 5) break
        const length = buffer.readInt32BE(1)
        if (buffer.length < 1 + length) break
        const type = String.fromCharCode(buffer[0]!)
        messages.set(type, (messages.get(type) ?? 0) + 1)
        buffer = buffer.subarray(1 + length)
      }
      serverSocket.write(chunk)
    })
    serverSocket.on('data', (chunk) => {
      if (!frozen) clientSocket.write(chunk)
    })
    const closeBoth = () => {
      clientSocket.destroy()
      serverSocket.destroy()
      sockets.delete(clientSocket)
      sockets.delete(serverSocket)
    }
    clientSocket.on('error', closeBoth).on('close', closeBoth)
    serverSocket.on('error', closeBoth).on('close', closeBoth)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  const url = new URL(target.href)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  return {
    url: url.href,
    messages,
    roundTrips: () => [...messages].reduce((sum, [type, count]) => sum + (WAITING_MESSAGES.has(type) ? count : 0), 0),
    reset: () => messages.clear(),
    freeze: () => {
      frozen = true
    },
    thaw: () => {
      frozen = false
    },
    dropConnections: () => {
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
