/**
 * The raw Redis commands a library issues for one call, captured on the server with `MONITOR` (from
 * the library's own named connection) and replayed through the same client without the library, so
 * "ratio to raw" is the price of the library alone.
 *
 * @module
 */
import { addressesByName, type MonitoredCommand, type RedisMonitor } from '../redis-monitor.js'

/** Position of the key in a command (`EVALSHA sha numkeys key …`, `SET key …`). */
function keyIndexOf(command: Buffer[]): number {
  const name = command[0]?.toString().toLowerCase()
  return name === 'evalsha' || name === 'eval' ? 3 : 1
}

export interface CapturedRedisCall {
  /** The commands, in order, as the bytes the client sent. */
  commands: Buffer[][]
  /** The Redis key they address (the first command's key). */
  key: string
}

/** Run `call` and return the commands connection `clientName` sent while it ran. */
export async function captureRedisCall(
  monitor: RedisMonitor,
  clientList: () => Promise<string>,
  clientName: string,
  call: () => Promise<unknown>,
): Promise<CapturedRedisCall> {
  await monitor.settle()
  monitor.take()
  await call()
  await monitor.settle()
  const addresses = new Set(addressesByName(await clientList()).get(clientName) ?? [])
  if (addresses.size === 0) throw new Error(`no Redis connection named ${clientName}`)
  const commands = monitor
    .take()
    .filter((command: MonitoredCommand) => addresses.has(command.source))
    .map((command) => command.args)
  const first = commands[0]
  if (first === undefined) throw new Error(`${clientName} sent no command`)
  return { commands, key: first[keyIndexOf(first)]?.toString() ?? '' }
}

/** The captured commands with every argument equal to the captured key replaced by `key`. */
export function rekey(call: CapturedRedisCall, key: string): Buffer[][] {
  const original = Buffer.from(call.key)
  const replacement = Buffer.from(key)
  return call.commands.map((command) => command.map((arg) => (arg.equals(original) ? replacement : arg)))
}

/** `evalsha, evalsha` */
export function commandNames(call: CapturedRedisCall): string {
  return call.commands.map((command) => command[0]?.toString().toLowerCase() ?? '?').join(', ')
}
