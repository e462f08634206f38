/**
 * Summarise a V8 `.cpuprofile` (from `BENCH_CPU_PROF`): self time by function and by package, so a
 * missed target can be traced to a file and function without opening DevTools.
 *
 * Usage: `node --import tsx src/compare/profile-summary.ts <file.cpuprofile> [top=25]`
 *
 * @module
 */
import { readFile } from 'node:fs/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

const [file, topArg] = process.argv.slice(2)
if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]')
const top = Number(topArg ?? 25)
const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfMicros = new Map<number, number>()
for (const [index, id] of profile.samples.entries()) selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0))
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0)

/** `@idemkit/core`, `express`, `node:internal`, … from a script URL. */
function packageOf(url: string): string {
  if (url === '') return '(native / GC / idle)'
  const idemkit = /\/packages\/([^/]+)\/src\//.exec(url)
  if (idemkit) return `@idemkit/${idemkit[1]}`
  const modules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules) return modules[1] as string
  if (url.startsWith('node:')) return 'node core'
  if (url.includes('/bench/src/')) return 'bench'
  return url
}

const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
for (const [id, micros] of selfMicros) {
  const node = byId.get(id)
  if (node === undefined) continue
  const { functionName, url, lineNumber } = node.callFrame
  const name = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${lineNumber + 1}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  const pkg = packageOf(url)
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros)
}
const print = (title: string, entries: Map<string, number>): void => {
  console.log(`\n${title}`)
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`)
  }
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`)
print('self time by package', byPackage)
print('self time by function', byFunction)
