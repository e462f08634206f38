/** The shared HTTP suite on Express 4. */
import { runExpressSuite } from './suite.js'

runExpressSuite(4)
