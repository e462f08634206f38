/**
 * Round trips as the commands a client actually sends: every ioredis command goes through
 * `sendCommand`, so wrapping it on one client instance records exactly what crosses the wire from
 * that client (unlike `INFO commandstats`, which also counts the commands a Lua script runs inside).
 */
import type { Redis } from 'ioredis'

/** One command the client sent: its name and, for scripts, the SHA1 or the word `<source>`. */
export interface SentCommand {
  name: string
  script?: string
}

/** Start recording the commands `client` sends; `stop()` restores the client. */
export function recordCommands(client: Redis): { sent: SentCommand[]; clear(): void; stop(): void } {
  const sent: SentCommand[] = []
  const original = client.sendCommand
  client.sendCommand = function recordingSendCommand(this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    const [command] = args
    const name = command.name.toLowerCase()
    const first = command.args[0]
    sent.push(name === 'evalsha' ? { name, script: String(first) } : name === 'eval' ? { name, script: '<source>' } : { name })
    return original.apply(this, args)
  }
  return {
    sent,
    clear: () => void sent.splice(0),
    stop: () => {
      client.sendCommand = original
    },
  }
}
