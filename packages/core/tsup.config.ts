import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'http/index': 'src/http/index.ts',
    'platform/crypto-node': 'src/platform/crypto-node.ts',
    'platform/crypto-web': 'src/platform/crypto-web.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  // The hash is chosen at load time by the `node` condition of the package's own `imports` map,
  // so it must stay an import, never be inlined into the portable bundle.
  external: ['#crypto', 'node:crypto'],
  splitting: true,
  treeshake: true,
})
