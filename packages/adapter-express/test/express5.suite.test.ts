/** The shared HTTP suite on Express 5. */
import { runExpressSuite } from './suite.js'

runExpressSuite(5)
