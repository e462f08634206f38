/**
 * Where a record lives in Redis: exactly ONE key per idempotency record, a hash named
 * `<prefix>{<escaped storage key>}`.
 *
 * Why one key: every script touches only `KEYS[1]`, so on Redis Cluster a script can never span
 * two slots (no CROSSSLOT error, whatever characters the user's key contains), and a failover can
 * never split one record across two shards.
 *
 * Why a `{…}` hash tag anyway: without it, Redis Cluster hashes only the part between the first `{`
 * and the next `}` of a key. Users' keys contain braces (`tenant:{order}:1`), and every key sharing
 * that brace content would land on ONE slot: a hot shard. Tagging the whole escaped storage key
 * makes the slot depend on the full key, and keeps any future second key of a record (e.g. a
 * separate result blob) on the same slot.
 *
 * Why escape: Redis ends the tag at the first `}` after the first `{`, so a `}` inside the storage
 * key would cut the tag short (`{a}b}` is tagged `a`), piling every key that starts with `a}` onto
 * one slot. `}` is therefore percent-encoded, and `%` too so the mapping stays injective (`a}b` and
 * the literal `a%7Db` remain two records). A `{` inside needs no escaping: the tag starts at the
 * FIRST `{`, which is ours because the prefix may not contain braces.
 *
 * @module
 */

/** Default prefix of every Redis key the store writes. */
export const DEFAULT_PREFIX = 'idemkit:'

/**
 * Percent-encode `%` and `}` so the storage key can sit inside a hash tag. Injective: every `%` in
 * the output starts an escape, so no two storage keys share an encoding.
 */
export function escapeForHashTag(storageKey: string): string {
  return storageKey.replace(/[%}]/g, (char) => (char === '%' ? '%25' : '%7D'))
}

/** The inverse of {@link escapeForHashTag} (for debugging tools and tests). */
export function unescapeFromHashTag(escaped: string): string {
  return escaped.replace(/%(25|7D)/g, (_, code: string) => (code === '25' ? '%' : '}'))
}

/**
 * Throws a `TypeError` unless `prefix` can start a record key: a string without `{` or `}`, which
 * would move the hash tag away from the storage key.
 */
export function assertValidPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') throw new TypeError(`redisStore: \`prefix\` must be a string, got ${typeof prefix}`)
  if (/[{}]/.test(prefix)) {
    throw new TypeError(
      `redisStore: \`prefix\` must not contain "{" or "}" (got ${JSON.stringify(prefix)}): the record's hash tag must be the first {…} in the key`,
    )
  }
}

/** The Redis key of the record for `storageKey` under `prefix`. */
export function recordKey(prefix: string, storageKey: string): string {
  return `${prefix}{${escapeForHashTag(storageKey)}}`
}
