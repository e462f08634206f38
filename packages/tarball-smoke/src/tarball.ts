/**
 * Reads a packed tarball: its sizes, and the manifest npm users will get. Parses the tar format
 * directly (512-byte headers) so the smoke test needs no dependency to look inside a tarball.
 */
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'

/** One packed package. */
export interface PackedPackage {
  name: string
  /** Absolute path of the `.tgz`. */
  file: string
  /** Size of the `.tgz`, what `npm install` downloads. */
  packedBytes: number
  /** Sum of the file sizes inside. */
  unpackedBytes: number
  files: number
}

const BLOCK = 512

/**
 * Sizes of the tarball, after checking its manifest is publishable: a leftover `workspace:` range or
 * the workspace-only `@idemkit/source` condition would break every install from npm.
 */
export async function inspectTarball(name: string, file: string): Promise<PackedPackage> {
  const gzipped = await readFile(file)
  const entries = untar(gunzipSync(gzipped))
  const manifest = entries.get('package/package.json')
  if (manifest === undefined) throw new Error(`${name}: the tarball has no package/package.json`)
  const text = manifest.toString('utf8')
  if (text.includes('workspace:')) throw new Error(`${name}: the packed package.json still has a workspace: range`)
  if (text.includes('@idemkit/source')) throw new Error(`${name}: the packed package.json still exposes the @idemkit/source condition`)
  let unpackedBytes = 0
  for (const content of entries.values()) unpackedBytes += content.length
  return { name, file, packedBytes: gzipped.length, unpackedBytes, files: entries.size }
}

/** Regular files of an (ustar) tar archive, by path. */
function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  for (let offset = 0; offset + BLOCK <= archive.length; ) {
    const header = archive.subarray(offset, offset + BLOCK)
    if (header.every((byte) => byte === 0)) break // end-of-archive marker
    const name = field(header, 0, 100)
    const prefix = field(header, 345, 155)
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8)
    const type = String.fromCharCode(header[156] ?? 0)
    const start = offset + BLOCK
    if (type === '0' || type === '\0') files.set(prefix ? `${prefix}/${name}` : name, archive.subarray(start, start + size))
    offset = start + Math.ceil(size / BLOCK) * BLOCK
  }
  return files
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end === -1 ? length : end).toString('utf8')
}
