/**
 * What the consumers check in the installed packages: the public names DESIGN.md fixes, per entry
 * point. A package that loads but lost an export fails here, before a user finds out. `esmOnly`
 * packages (the vitest kit: vitest cannot be require()d) are only imported.
 */
export const expectedExports: Record<string, { exports: readonly string[]; esmOnly?: true }> = {
  '@idemkit/core': {
    exports: [
      'createIdempotency',
      'idempotent',
      'MemoryStore',
      'IdempotencyError',
      'InFlightError',
      'FingerprintMismatchError',
      'LeaseLostError',
      'IdempotencyStoreError',
      'fingerprint',
    ],
  },
  '@idemkit/core/http': { exports: ['withIdempotency', 'createHttpIdempotency', 'parseIdempotencyKey'] },
  '@idemkit/store-conformance': { exports: ['runStoreConformance'], esmOnly: true },
  '@idemkit/store-postgres': { exports: ['postgresStore', 'createIdempotencyTable', 'idempotencyKeys', 'runInTransaction'] },
  '@idemkit/store-redis': { exports: ['redisStore'] },
  '@idemkit/store-dynamodb': { exports: ['dynamodbStore', 'createIdempotencyTable'] },
  '@idemkit/adapter-express': { exports: ['idempotency', 'captureRawBody'] },
  '@idemkit/adapter-hono': { exports: ['idempotency'] },
}

/**
 * Third-party packages the consumers use directly, pinned. Peer dependencies of our packages
 * (drivers, frameworks, vitest) are installed by npm itself, which also proves the peer ranges resolve.
 */
export const thirdPartyInstalls: readonly string[] = ['express@5.3.0', '@types/express@5.0.6', '@types/node@20.19.43']
