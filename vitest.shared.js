/**
 * Shared vitest settings: resolve every `@idemkit/*` package to its TypeScript source through the
 * `@idemkit/source` export condition, so a test run never needs a prior build.
 */
const conditions = ['@idemkit/source', 'module', 'node', 'development|production']

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@idemkit/source'] } },
}
