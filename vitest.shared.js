/**
 * Shared vitest settings: resolve every `@idemkit/*` package to its TypeScript source through the
 * `@idemkit/source` export condition, so a test run never needs a prior build.
 *
 * No `module` condition and `main` as the only main field: packages such as the AWS SDK list a
 * bundler-only ESM build (extensionless imports) under `module`, which Node cannot load
 * ("Cannot find module …/dist-es/…").
 */
const conditions = ['@idemkit/source', 'node', 'development|production']

export const sourceConditions = {
  resolve: { conditions, mainFields: ['main'] },
  ssr: { resolve: { conditions, externalConditions: ['@idemkit/source'], mainFields: ['main'] } },
}
