import { defineProject } from 'vitest/config'

/**
 * Like `../../vitest.shared.js` (workspace packages resolve to their TypeScript source) but WITHOUT
 * the `module` condition: the AWS SDK's exports list `module` (bundler-only ESM with extensionless
 * imports) before `node`, and Node cannot load that build ("Cannot find module .../dist-es/...").
 */
const conditions = ['@idemkit/source', 'node', 'development|production']

export default defineProject({
  resolve: { conditions, mainFields: ['main'] },
  ssr: { resolve: { conditions, externalConditions: ['@idemkit/source'], mainFields: ['main'] } },
  test: {
    name: 'store-dynamodb',
    include: ['test/**/*.test.ts'],
    // Every test talks to a real server over HTTP; on a busy CI machine the 5 s default is too tight.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The AWS SDK warns once per process that its 2027 releases need Node 22: known, and noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
})
