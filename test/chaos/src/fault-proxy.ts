/**
 * A fault-injecting TCP proxy (Node `net`) that sits between the workers and a store server. The
 * orchestrator owns it in-process and flips faults while load runs: added latency, dropped
 * connections, and a full cut that blackholes the store until `restore()`.
 *
 * Why our own: the faults must be switched at exact instants relative to the load, and a cut must
 * HANG (not refuse): a refused connection fails fast and would never exercise `storeTimeout`.
 *
 * @module
 */
import net from 'node:net'

/** One proxied client connection and its upstream. */
interface Pipe {
  client: net.Socket
  upstream: net.Socket | undefined
}

/** A running proxy: `port` is where workers connect instead of the store. */
export class FaultProxy {
  private readonly server: net.Server
  private readonly pipes = new Set<Pipe>()
  /** Sockets accepted during a cut: held open, never answered, destroyed on restore. */
  private readonly blackholed = new Set<net.Socket>()
  private latencyMs = 0
  private cutSince: number | undefined
  port = 0

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = net.createServer((client) => this.accept(client))
  }

  /** Listen on a free loopback port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => resolve())
    })
    this.port = (this.server.address() as net.AddressInfo).port
    return this
  }

  /** Add `ms` of latency to every server→client chunk, i.e. to every store round trip. 0 removes it. */
  setLatency(ms: number): void {
    this.latencyMs = ms
  }

  /** Reset every open connection (clients see ECONNRESET and reconnect). */
  dropConnections(): void {
    for (const pipe of this.pipes) this.closePipe(pipe)
  }

  /**
   * Full cut: reset every open connection, and from now on accept new connections but never forward a
   * byte (a blackhole, like a partitioned network), until {@link restore}.
   */
  cut(): void {
    this.cutSince = Date.now()
    this.dropConnections()
  }

  /** End a cut: blackholed sockets are reset so their clients reconnect at once, new ones are forwarded. */
  restore(): void {
    this.cutSince = undefined
    for (const socket of this.blackholed) socket.destroy()
    this.blackholed.clear()
  }

  /** Number of live proxied connections (for diagnostics). */
  get connections(): number {
    return this.pipes.size
  }

  /** Close everything and stop listening. */
  async stop(): Promise<void> {
    this.restore()
    this.dropConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(client: net.Socket): void {
    client.setNoDelay(true)
    client.on('error', () => {})
    if (this.cutSince !== undefined) {
      this.blackholed.add(client)
      client.on('close', () => this.blackholed.delete(client))
      client.resume() // swallow whatever the client sends
      return
    }
    const pipe: Pipe = { client, upstream: undefined }
    this.pipes.add(pipe)
    const upstream = net.connect(this.targetPort, this.targetHost)
    pipe.upstream = upstream
    upstream.setNoDelay(true)
    upstream.on('error', () => this.closePipe(pipe))
    client.on('close', () => this.closePipe(pipe))
    upstream.on('close', () => this.closePipe(pipe))
    client.on('data', (chunk: Buffer) => {
      if (!upstream.destroyed) upstream.write(chunk)
    })
    // Latency is applied on the way back: each chunk is released `latencyMs` after it arrived, in
    // order, so pipelined commands each pay it once instead of queueing behind each other.
    let releaseChain = Promise.resolve()
    upstream.on('data', (chunk: Buffer) => {
      const delay = this.latencyMs
      if (delay <= 0) {
        releaseChain = releaseChain.then(() => {
          if (!client.destroyed) client.write(chunk)
        })
        return
      }
      const due = Date.now() + delay
      releaseChain = releaseChain.then(
        () =>
          new Promise<void>((resolve) => {
            setTimeout(() => {
              if (!client.destroyed) client.write(chunk)
              resolve()
            }, Math.max(0, due - Date.now()))
          }),
      )
    })
  }

  private closePipe(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return
    pipe.client.destroy()
    pipe.upstream?.destroy()
  }
}
