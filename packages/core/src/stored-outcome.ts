/**
 * The string `run()` stores for a result: a one-letter kind, then the payload.
 * - `v` + serialised value: the function returned it;
 * - `e` + JSON: the function threw and the failure policy chose to store it (replayed as a throw);
 * - `x` + JSON: the result could not be stored (too large); every replay raises that error again,
 *   so a retry never re-executes the side effect.
 *
 * @module
 */
import { IdempotencyError, ResultTooLargeError } from './errors.js'
import type { Serializer } from './serializer.js'

/** An error class that replays of stored failures may be rebuilt as. */
export type ErrorClass = abstract new (...args: never[]) => Error

interface StoredError {
  name: string
  message: string
  code?: unknown
  props: Record<string, unknown>
}

/** Encode a returned value. */
export function encodeValue(serializer: Serializer, value: unknown): string {
  return `v${serializer.serialize(value)}`
}

/** Encode a thrown error that the failure policy stores. */
export function encodeError(serializer: Serializer, error: unknown): string {
  const stored: StoredError =
    error instanceof Error
      ? { name: error.name, message: error.message, props: ownProps(error) }
      : { name: 'Error', message: String(error), props: {} }
  if (error instanceof Error && 'code' in error) stored.code = (error as { code: unknown }).code
  return `e${serializer.serialize(stored)}`
}

/** Encode the marker for a result too large to store. */
export function encodeTooLarge(error: ResultTooLargeError): string {
  return `x${JSON.stringify({ bytes: error.bytes, limit: error.limit })}`
}

/**
 * Decode a stored outcome: return the value, or throw the stored error (rebuilt as one of
 * `errorTypes` when its `name` matches, else a plain `Error` with the same name, message and code).
 */
export function decodeOutcome(serializer: Serializer, text: string, errorTypes: readonly ErrorClass[]): unknown {
  const kind = text.charCodeAt(0)
  const payload = text.slice(1)
  if (kind === 0x76 /* v */) return serializer.deserialize(payload)
  if (kind === 0x65 /* e */) throw rebuildError(serializer.deserialize(payload) as StoredError, errorTypes)
  if (kind === 0x78 /* x */) {
    const { bytes, limit } = JSON.parse(payload) as { bytes: number; limit: number }
    throw new ResultTooLargeError(bytes, limit)
  }
  throw new TypeError(`Unrecognised stored result (kind "${text.charAt(0)}"): was this key written by another program?`)
}

function ownProps(error: Error): Record<string, unknown> {
  const props: Record<string, unknown> = {}
  for (const key of Object.keys(error)) {
    if (key === 'cause' || key === 'stack') continue
    props[key] = (error as unknown as Record<string, unknown>)[key]
  }
  return props
}

function rebuildError(stored: StoredError, errorTypes: readonly ErrorClass[]): Error {
  const type = errorTypes.find((candidate) => candidate.name === stored.name)
  const error: Error = type === undefined ? new Error(stored.message) : (Object.create(type.prototype) as Error)
  Object.defineProperty(error, 'message', { value: stored.message, writable: true, configurable: true, enumerable: false })
  if (type === undefined) Object.defineProperty(error, 'name', { value: stored.name, writable: true, configurable: true, enumerable: false })
  if (type !== undefined) {
    Object.defineProperty(error, 'stack', { value: `${stored.name}: ${stored.message}\n    (replayed by idemkit)`, writable: true, configurable: true, enumerable: false })
  }
  Object.assign(error, stored.props)
  if (stored.code !== undefined && !(error instanceof IdempotencyError)) (error as { code?: unknown }).code = stored.code
  return error
}
