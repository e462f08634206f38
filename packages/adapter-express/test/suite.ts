/**
 * The shared HTTP behaviour suite against the Express adapter for one Express version, with each of
 * the three body setups (no parser, express.json(), express.json with captureRawBody), over real HTTP.
 */
import { memoryStores, redisStores, runHttpFuzz, runHttpSuite } from '@idemkit/http-suite'
import { expressHarness, type BodySetup } from './harness.js'

const setups: BodySetup[] = ['no parser', 'express.json()', 'express.json({ verify: captureRawBody })']

/** Run the suite (MemoryStore for every setup, Redis for the recommended one) and the property tests. */
export function runExpressSuite(version: 4 | 5): void {
  for (const setup of setups) {
    const stores = setup === 'express.json({ verify: captureRawBody })' ? [memoryStores(), redisStores(`express${version}`)] : [memoryStores()]
    runHttpSuite(expressHarness(version, setup), stores)
  }
  runHttpFuzz(expressHarness(version, 'no parser'), memoryStores(), 60)
  runHttpFuzz(expressHarness(version, 'express.json()'), memoryStores(), 40)
}
