/**
 * CPU time per call of in-process tasks, in interleaved rounds (A B C A B C …) so that machine drift
 * hits every task alike: `process.cpuUsage()` (user + system), the steady figure on a loaded machine.
 *
 * @module
 */

/** How many calls: `warmup` of each task once, then `rounds` × `calls` of each, interleaved. */
export interface CpuRounds {
  rounds: number
  calls: number
  warmup: number
}

/** CPU µs per call of every task, one entry per round. */
export async function cpuRounds(tasks: ReadonlyMap<string, () => Promise<unknown>>, { rounds, calls, warmup }: CpuRounds): Promise<Map<string, number[]>> {
  const results = new Map<string, number[]>([...tasks.keys()].map((name) => [name, []]))
  for (const task of tasks.values()) for (let index = 0; index < warmup; index++) await task()
  for (let round = 0; round < rounds; round++) {
    for (const [name, task] of tasks) {
      const before = process.cpuUsage()
      for (let index = 0; index < calls; index++) await task()
      const used = process.cpuUsage(before)
      results.get(name)?.push((used.user + used.system) / calls)
    }
  }
  return results
}
