/** dynalite ships no types: the part of its API the tests use. */
declare module 'dynalite' {
  import type { Server } from 'node:http'

  interface DynaliteOptions {
    /** Simulated delay before a created table is ACTIVE, in ms (default 500). */
    createTableMs?: number
    /** Simulated delay before a deleted table is gone, in ms (default 500). */
    deleteTableMs?: number
    /** Simulated delay of table updates, in ms (default 500). */
    updateTableMs?: number
    /** Largest item in KB (default 400, as DynamoDB). */
    maxItemSizeKb?: number
  }

  /** Create an (unstarted) in-memory DynamoDB-compatible HTTP server. */
  function dynalite(options?: DynaliteOptions): Server
  export default dynalite
}
