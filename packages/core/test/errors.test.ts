/** Typed errors: stable codes and statuses users switch on, names for logs, causes kept. */
import { describe, expect, test } from 'vitest'
import {
  FingerprintMismatchError,
  IdempotencyError,
  IdempotencyStoreError,
  InFlightError,
  InvalidKeyError,
  isIdempotencyError,
  LeaseLostError,
  MissingKeyError,
  ResultTooLargeError,
  type IdempotencyErrorCode,
} from '../src/errors.js'
import * as publicApi from '../src/index.js'

const cause = new Error('connection reset')

/** One instance of every subclass, built with `cause`, and what it must report. */
const cases: { make: () => IdempotencyError; name: string; code: IdempotencyErrorCode; status: number }[] = [
  { make: () => new InvalidKeyError('bad key', { cause }), name: 'InvalidKeyError', code: 'invalid_key', status: 400 },
  { make: () => new MissingKeyError(undefined, { cause }), name: 'MissingKeyError', code: 'missing_key', status: 400 },
  { make: () => new InFlightError(1500, undefined, { cause }), name: 'InFlightError', code: 'in_flight', status: 409 },
  {
    make: () => new FingerprintMismatchError(undefined, { cause }),
    name: 'FingerprintMismatchError',
    code: 'fingerprint_mismatch',
    status: 422,
  },
  { make: () => new LeaseLostError(':k', undefined, { cause }), name: 'LeaseLostError', code: 'lease_lost', status: 409 },
  {
    make: () => new IdempotencyStoreError('acquire', 'redis', { cause }),
    name: 'IdempotencyStoreError',
    code: 'store_unavailable',
    status: 503,
  },
  {
    make: () => new ResultTooLargeError(2_000_000, 400_000, { cause }),
    name: 'ResultTooLargeError',
    code: 'result_too_large',
    status: 500,
  },
]

describe.each(cases)('$name', ({ make, name, code, status }) => {
  test(`has code ${code}, status ${status} and name ${name}`, () => {
    const error = make()
    expect(error.code).toBe(code)
    expect(error.status).toBe(status)
    expect(error.name).toBe(name)
    expect(String(error)).toMatch(new RegExp(`^${name}: `))
    expect(error.message.length).toBeGreaterThan(0)
  })

  test('keeps its cause', () => {
    expect(make().cause).toBe(cause)
  })

  test('is an IdempotencyError and an Error, with a stack', () => {
    const error = make()
    expect(error).toBeInstanceOf(IdempotencyError)
    expect(error).toBeInstanceOf(Error)
    expect(error.stack).toContain(name)
    expect(isIdempotencyError(error)).toBe(true)
    expect(isIdempotencyError(error, code)).toBe(true)
  })

  test('is exported from the package entry point under its name', () => {
    expect((publicApi as Record<string, unknown>)[name]).toBe(make().constructor)
  })
})

describe('error details', () => {
  test('every code is distinct', () => {
    expect(new Set(cases.map(({ code }) => code)).size).toBe(cases.length)
  })

  test('without a cause there is no cause property', () => {
    expect('cause' in new FingerprintMismatchError()).toBe(false)
  })

  test('InFlightError rounds its retry hint up to whole milliseconds and never below 0', () => {
    expect(new InFlightError(1500.2).retryAfterMs).toBe(1501)
    expect(new InFlightError(-5).retryAfterMs).toBe(0)
  })

  test('LeaseLostError names the key whose lease was lost', () => {
    const error = new LeaseLostError('tenant:k1')
    expect(error.key).toBe('tenant:k1')
    expect(error.message).toContain('"tenant:k1"')
  })

  test('IdempotencyStoreError names the operation, the store and the cause', () => {
    const error = new IdempotencyStoreError('complete', 'postgres', { cause: new Error('timeout after 10s') })
    expect(error.operation).toBe('complete')
    expect(error.store).toBe('postgres')
    expect(error.message).toBe('[postgres] complete failed: timeout after 10s')
    expect(new IdempotencyStoreError('get', 'memory', { cause: 'not an Error' }).message).toBe('[memory] get failed')
  })

  test('ResultTooLargeError carries the size and the limit', () => {
    const error = new ResultTooLargeError(2_000_000, 400_000)
    expect(error).toMatchObject({ bytes: 2_000_000, limit: 400_000 })
    expect(error.message).toContain('2000000')
    expect(error.message).toContain('400000')
  })

  test('custom messages are kept', () => {
    expect(new MissingKeyError('Send an Idempotency-Key header').message).toBe('Send an Idempotency-Key header')
    expect(new InFlightError(1000, 'busy').message).toBe('busy')
  })

  test('isIdempotencyError rejects other errors, other codes and look-alikes', () => {
    expect(isIdempotencyError(new Error('x'))).toBe(false)
    expect(isIdempotencyError({ code: 'in_flight', status: 409, message: 'x' })).toBe(false)
    expect(isIdempotencyError(undefined)).toBe(false)
    expect(isIdempotencyError(new InFlightError(1000), 'lease_lost')).toBe(false)
  })
})
