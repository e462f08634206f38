/** Runs every benchmark in turn. Each prints ratios against a baseline measured in the same process. */
export {}

await import('./core.bench.js')
await import('./store-redis.bench.js')
await import('./http.bench.js')
await import('./store-dynamodb.bench.js')
await import('./store-postgres.bench.js')
