import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.js'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'example-payments-hono',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
  },
})
