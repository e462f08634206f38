/** Runs every benchmark in turn. Each prints ratios against a baseline measured in the same process. */
await import('./core.bench.js')
