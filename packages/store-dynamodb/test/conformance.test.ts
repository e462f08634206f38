import { runStoreConformance } from '@idemkit/store-conformance'
import { openFixture, type StoreFixture } from './support/fixture.js'

let plain: StoreFixture | undefined
runStoreConformance({
  name: 'dynamodb',
  createStore: async () => (plain = await openFixture('conformance')).store,
  cleanup: () => plain?.close(),
})

let gzip: StoreFixture | undefined
runStoreConformance({
  name: 'dynamodb (compress: true)',
  createStore: async () => (gzip = await openFixture('conformance-gzip', { store: { compress: true } })).store,
  cleanup: () => gzip?.close(),
})
