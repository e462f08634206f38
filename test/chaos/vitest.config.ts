import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.js'

export default defineProject({
  ...sourceConditions,
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
