/**
 * Count (and capture) the commands each client sends to Redis, measured on the server with `MONITOR`
 * on a dedicated raw connection, so it works the same for ioredis, node-redis 1/4/6 and any peer.
 *
 * Why not `INFO commandstats`: it also counts the commands a Lua script runs (`redis.call`), so one
 * `EVALSHA` round trip would show as three or four. `MONITOR` tags those with the source `lua`, and
 * we skip them. Why not `CLIENT LIST tot-cmds`: it only exists from Redis 7.4; this server runs 7.0.
 *
 * @module
 */
import { connect, type Socket } from 'node:net'

/** One command as `MONITOR` reported it. */
export interface MonitoredCommand {
  /** `ip:port` of the client connection, or `lua` for commands a script ran. */
  source: string
  /** Command name and arguments, as the exact bytes the client sent. */
  args: Buffer[]
}

export class RedisMonitor {
  private readonly commands: MonitoredCommand[] = []
  private pending = ''

  private constructor(private readonly socket: Socket) {}

  /** Open a connection to `url` and start monitoring; resolves once the server confirmed. */
  static async start(url: string): Promise<RedisMonitor> {
    const { hostname, port } = new URL(url)
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) })
    socket.setEncoding('latin1') // one char per byte, so `\xHH` escapes and raw bytes map back exactly
    const monitor = new RedisMonitor(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.once('data', (chunk: string) => {
        if (!chunk.startsWith('+OK')) reject(new Error(`MONITOR refused: ${chunk.trim()}`))
        else {
          monitor.feed(chunk.slice(chunk.indexOf('\r\n') + 2))
          socket.on('data', (data: string) => monitor.feed(data))
          resolve()
        }
      })
      socket.write('MONITOR\r\n')
    })
    return monitor
  }

  /** Everything seen since the last `take()`, and forget it. */
  take(): MonitoredCommand[] {
    return this.commands.splice(0)
  }

  /** Wait until the server has streamed everything up to now (a PING from a marker connection would also work; a short pause is enough on loopback). */
  async settle(ms = 100): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms))
  }

  stop(): void {
    this.socket.destroy()
  }

  private feed(data: string): void {
    this.pending += data
    let end = this.pending.indexOf('\r\n')
    while (end !== -1) {
      const line = this.pending.slice(0, end)
      this.pending = this.pending.slice(end + 2)
      const command = parseMonitorLine(line)
      if (command !== undefined) this.commands.push(command)
      end = this.pending.indexOf('\r\n')
    }
  }
}

/**
 * Parse `+1733328000.123456 [0 127.0.0.1:54321] "evalsha" "ab\"c" "\x00"` (the server's `sdscatrepr`
 * quoting: `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` and `\xHH`).
 */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const open = line.indexOf('[')
  const close = line.indexOf(']', open)
  if (!line.startsWith('+') || open === -1 || close === -1) return undefined
  const source = line.slice(open + 1, close).split(' ')[1] ?? ''
  const args: Buffer[] = []
  let index = close + 1
  while (index < line.length) {
    const quote = line.indexOf('"', index)
    if (quote === -1) break
    let text = ''
    let cursor = quote + 1
    for (; cursor < line.length && line[cursor] !== '"'; cursor++) {
      const char = line[cursor] as string
      if (char !== '\\') {
        text += char
        continue
      }
      const next = line[++cursor]
      if (next === 'x') {
        text += String.fromCharCode(Number.parseInt(line.slice(cursor + 1, cursor + 3), 16))
        cursor += 2
      } else {
        text += ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[next ?? ''] ?? next ?? ''
      }
    }
    args.push(Buffer.from(text, 'latin1'))
    index = cursor + 1
  }
  return { source, args }
}

/** `name → [addr]` of the connections currently open, from `CLIENT LIST`. */
export function addressesByName(clientList: string): Map<string, string[]> {
  const byName = new Map<string, string[]>()
  for (const line of clientList.split('\n')) {
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1]
    const addr = /(?:^| )addr=(\S+)/.exec(line)?.[1]
    if (name === undefined || addr === undefined || name === '') continue
    byName.set(name, [...(byName.get(name) ?? []), addr])
  }
  return byName
}
