/** The shared HTTP behaviour suite and property tests, against the Hono adapter. */
import { memoryStores, redisStores, runHttpFuzz, runHttpSuite } from '@idemkit/http-suite'
import { honoHarness } from './harness.js'

runHttpSuite(honoHarness(false), [memoryStores(), redisStores('hono')])
runHttpSuite(honoHarness(true), [memoryStores()])
runHttpFuzz(honoHarness(false), memoryStores(), 150)
