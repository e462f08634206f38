/** dynalite (an in-memory DynamoDB) on a free loopback port; reports the port to its parent over IPC. */
import type { AddressInfo } from 'node:net'
import dynalite from 'dynalite'

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port })
})
process.on('disconnect', () => process.exit(0))
