import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.js'

export default defineProject({
  ...sourceConditions,
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
