import type { Cluster, Redis } from 'ioredis'
import type { LuaScript } from './scripts.js'

/** What `redisStore` talks to: an ioredis client for one server, or for a Redis Cluster. */
export type RedisClient = Redis | Cluster

/**
 * Run `script` on the record key `key`: `EVALSHA` first (the source is not resent on every call),
 * then `EVAL` when the server answers `NOSCRIPT`, which also caches the script on that server.
 *
 * `NOSCRIPT` happens on the first call to a server, after a restart, a failover to a replica that
 * never saw the script, a `SCRIPT FLUSH`, or a cluster reshard that moved the key to another node.
 * Retrying with `EVAL` is safe: `NOSCRIPT` means the script did not run at all.
 */
export async function runScript(client: RedisClient, script: LuaScript, key: string, args: readonly string[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, 1, key, ...args)
  } catch (error) {
    if (!isNoScriptError(error)) throw error
    return client.eval(script.source, 1, key, ...args)
  }
}

/** True for the server's `NOSCRIPT No matching script` reply. */
function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}
