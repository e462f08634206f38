/**
 * The four Lua scripts of the Redis store. Each one runs atomically on the server (Redis executes a
 * script start to finish with no other command in between), touches only `KEYS[1]` (one record, one
 * slot) and is ONE round trip.
 *
 * ## Record layout: one hash per record
 * Fields `status`, `fingerprint`, `token`, `lockedUntil`, `expiresAt` and, once completed, `result`.
 * A hash rather than one encoded string because:
 * - `complete` and `extend` change two or three fields; with a hash they never re-read or re-write
 *   the (possibly multi-megabyte) result or the fingerprint;
 * - nothing has to be encoded or parsed inside Lua: values are stored as the exact bytes we send, so
 *   results with NUL, control characters or any Unicode come back byte for byte (a JSON envelope
 *   decoded by `cjson` would have to survive all of that, and cjson turns large integers into floats);
 * - the record stays readable with `HGETALL` when someone debugs production.
 *
 * ## Time
 * Times travel as decimal strings of epoch milliseconds and are stored exactly as sent; Lua only
 * compares them (`tonumber`, exact for integers below 2^53). Scripts never call `TIME`: the core's
 * `now` decides liveness. `PEXPIREAT` (the last argument, an integer) is garbage collection only.
 *
 * ## Reply shapes
 * Scripts return only integers and arrays of strings: never Lua booleans or nil inside tables,
 * whose conversion differs between RESP2 and RESP3 connections (ioredis 6 speaks RESP3 by default)
 * and would silently truncate arrays.
 *
 * ## Failure modes
 * Each script reads and decides before its first write. Redis rejects a write for `OOM` or
 * `READONLY` (a replica) only at a script's FIRST write and lets later ones through, so a script
 * that fails this way has changed nothing: the caller sees the error, the record is as it was.
 *
 * @module
 */
import { createHash } from 'node:crypto'

/** A Lua script with its SHA1, as `EVALSHA` wants it. */
export interface LuaScript {
  /** Name used in error messages. */
  readonly name: 'acquire' | 'complete' | 'release' | 'extend'
  /** The Lua source. */
  readonly source: string
  /** Hex SHA1 of `source`. */
  readonly sha1: string
}

function script(name: LuaScript['name'], source: string): LuaScript {
  return { name, source, sha1: createHash('sha1').update(source).digest('hex') }
}

/**
 * Claim or read. ARGV: now, fingerprint, token, lockedUntil, expiresAt, gcAt (integer ms).
 * Returns `1` when claimed, or `{ status, fingerprint, token, lockedUntil, expiresAt, result }`
 * (all strings; `result` is `''` unless completed) for the live record that blocked the claim.
 */
export const ACQUIRE = script(
  'acquire',
  `local current = redis.call('HMGET', KEYS[1], 'status', 'fingerprint', 'token', 'lockedUntil', 'expiresAt')
local status = current[1]
if status then
  local now = tonumber(ARGV[1])
  local live
  if status == 'completed' then
    live = tonumber(current[5]) > now
  else
    live = tonumber(current[4]) > now
  end
  if live then
    local result = ''
    if status == 'completed' then
      result = redis.call('HGET', KEYS[1], 'result') or ''
    end
    return { status, current[2], current[3], current[4], current[5], result }
  end
  -- A dead record (lapsed lease or expired result): drop it whole, so no stale 'result' survives.
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'status', 'in_progress', 'fingerprint', ARGV[2], 'token', ARGV[3], 'lockedUntil', ARGV[4], 'expiresAt', ARGV[5])
redis.call('PEXPIREAT', KEYS[1], ARGV[6])
return 1
`,
)

/** Fenced completion. ARGV: token, result, expiresAt, gcAt. Returns 1 when completed, else 0. */
export const COMPLETE = script(
  'complete',
  `local current = redis.call('HMGET', KEYS[1], 'status', 'token')
if current[1] ~= 'in_progress' or current[2] ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'completed', 'result', ARGV[2], 'expiresAt', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1
`,
)

/** Fenced delete. ARGV: token. Returns 1 when deleted, else 0. */
export const RELEASE = script(
  'release',
  `if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
`,
)

/**
 * Fenced heartbeat. ARGV: token, lockedUntil, gcAt (integer ms for lockedUntil). Returns 1 when
 * extended, else 0. When the new lease outlives the record's `expiresAt`, both `expiresAt` and the
 * server-side expiry move with it: otherwise Redis could collect a record whose lease is still held,
 * and a duplicate would execute while the first one runs.
 */
export const EXTEND = script(
  'extend',
  `local current = redis.call('HMGET', KEYS[1], 'status', 'token', 'expiresAt')
if current[1] ~= 'in_progress' or current[2] ~= ARGV[1] then
  return 0
end
if tonumber(current[3]) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'lockedUntil', ARGV[2], 'expiresAt', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
else
  redis.call('HSET', KEYS[1], 'lockedUntil', ARGV[2])
end
return 1
`,
)
