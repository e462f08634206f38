import { MemoryStore } from '@idemkit/core'
import { runStoreConformance } from '../src/index.js'

runStoreConformance({ name: 'memory', createStore: () => new MemoryStore() })
