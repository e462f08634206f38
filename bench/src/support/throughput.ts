import type { Bench } from 'tinybench'

/** Mean iterations per second of the task called `name` in a finished tinybench run. */
export function throughputOf(bench: Bench, name: string): number {
  const task = bench.getTask(name)
  const throughput = task?.result && 'throughput' in task.result ? task.result.throughput.mean : undefined
  if (throughput === undefined) throw new Error(`no result for ${name}`)
  return throughput
}
