import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.js'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'chaos',
    include: ['test/**/*.test.ts'],
    // One reduced chaos run: its scenarios share servers and ports, so they run one after another.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
})
