/**
 * Allocation sampling through the inspector, counting objects the collector has already freed too
 * (`--heap-prof` keeps only survivors, which hides the garbage a request path makes). Bytes
 * allocated per request are steady where CPU time on a shared machine is not, so a change that
 * removes allocations shows here even when timings drown in noise.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector'

/** Start sampling (one sample per ~256 bytes allocated); the returned function stops and writes the profile to `file`. */
export async function startAllocationSampling(): Promise<(file: string) => Promise<void>> {
  const session = new Session()
  session.connect()
  const post = <T>(method: string, params?: object): Promise<T> =>
    new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))))
  await post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
  return async (file) => {
    const { profile } = await post<{ profile: unknown }>('HeapProfiler.stopSampling')
    session.disconnect()
    await writeFile(file, JSON.stringify(profile))
  }
}
