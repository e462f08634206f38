import { defineProject } from 'vitest/config'

/**
 * Like `../../vitest.shared.js` (workspace packages resolve to their TypeScript source) but WITHOUT
 * the `module` condition: the AWS SDK's exports list `module` (bundler-only ESM with extensionless
 * imports) before `node`, and Node cannot load that build (same reason as store-dynamodb's config).
 */
const conditions = ['@idemkit/source', 'node', 'development|production']

export default defineProject({
  resolve: { conditions, mainFields: ['main'] },
  ssr: { resolve: { conditions, externalConditions: ['@idemkit/source'], mainFields: ['main'] } },
  test: {
    name: 'chaos',
    include: ['test/**/*.test.ts'],
    // One reduced chaos run: its scenarios share servers, workers and ports, so they run in order.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 180_000,
    // The AWS SDK warns once per process that its 2027 releases need Node 22: known, and noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
})
