import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts' },
  // ESM only: vitest refuses to be require()d ("Vitest cannot be imported in a CommonJS module"),
  // so a CJS build of this kit could never run; shipping one would only fail later, in a user's suite.
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'node',
})
