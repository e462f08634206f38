/**
 * How benchmark processes load idemkit: the built packages (`dist`, what users install) by default;
 * the TypeScript sources with `IDEMKIT_BENCH_SOURCE=1` (no build needed, e.g. while profiling). tsx
 * loads the harness itself either way.
 *
 * @module
 */

/** True when idemkit is loaded from its sources rather than its builds. */
export const fromSource = process.env.IDEMKIT_BENCH_SOURCE === '1'

/** `execArgv` for a forked benchmark process. */
export function loaderArgs(): string[] {
  return fromSource ? ['--conditions=@idemkit/source', '--import', 'tsx'] : ['--import', 'tsx']
}

/** How the report names the way idemkit was loaded. */
export function loadedFrom(): string {
  return fromSource ? 'from source (tsx)' : 'as built (dist, what npm installs)'
}
