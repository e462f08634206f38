/**
 * Summarise an allocation-sampling profile (`HEAP_SAMPLE=file` of `profile-http-cpu.ts servers`): bytes
 * allocated per request in all, and by the function that allocated them.
 *
 * Usage: `node --import tsx src/compare/allocation-summary.ts <file> <requests> [top=30]`
 *
 * @module
 */
import { readFile } from 'node:fs/promises'

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: SamplingNode[]
}

const [file, requestsArg, topArg] = process.argv.slice(2)
if (file === undefined || requestsArg === undefined) throw new Error('usage: allocation-summary.ts <file> <requests> [top]')
const requests = Number(requestsArg)
const top = Number(topArg ?? 30)
const { head } = JSON.parse(await readFile(file, 'utf8')) as { head: SamplingNode }
const bytesByFunction = new Map<string, number>()
let total = 0
const visit = (node: SamplingNode): void => {
  const { functionName, url, lineNumber } = node.callFrame
  const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`
  bytesByFunction.set(name, (bytesByFunction.get(name) ?? 0) + node.selfSize)
  total += node.selfSize
  for (const child of node.children) visit(child)
}
visit(head)
console.log(`bytes allocated per request: ${(total / requests).toFixed(0)}`)
console.log('| bytes/request | allocated by |\n| ---: | --- |')
for (const [name, bytes] of [...bytesByFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${(bytes / requests).toFixed(0)} | ${name} |`)
