/**
 * `@idemkit/http-suite` (private): the HTTP behaviour suite of DESIGN.md §6, written once and run
 * against every HTTP integration (Express 4 and 5, Hono, the Web-standard wrapper) on MemoryStore
 * and Redis.
 *
 * @packageDocumentation
 */
export { runHttpSuite } from './behaviour.js'
export { runHttpFuzz } from './fuzz.js'
export { freshKey, send, type Received, type Send } from './client.js'
export type { HandlerInput, HttpHarness, Reply, RunningApp, SuiteOptions, SuiteRoute } from './harness.js'
export { hangingStore, memoryStores, redisStores, refusingStore, type SuiteStore } from './stores.js'
export { chunkStream, matchRoute, webReply } from './web-reply.js'
