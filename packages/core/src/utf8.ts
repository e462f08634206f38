/**
 * UTF-8 facts about JavaScript strings, without encoding them (no `Buffer`: core runs everywhere).
 *
 * @module
 */

/** A lone surrogate: a string holding one is not well-formed and has no exact UTF-8 form. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * The number of bytes `text` takes as UTF-8, as `TextEncoder` writes it (a lone surrogate becomes
 * U+FFFD, 3 bytes). One pass over the code units, no allocation.
 * @internal
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit < 0x80) continue
    if (unit < 0x800) {
      bytes += 1
      continue
    }
    // 3 bytes for the rest of the BMP and for a lone surrogate (as U+FFFD); a surrogate pair is 2
    // units and 4 bytes, so it adds 2 as well and skips its second unit.
    bytes += 2
    if (unit <= 0xdbff && unit >= 0xd800 && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) index++
    }
  }
  return bytes
}

/** Whether `text` has an exact UTF-8 form (no lone surrogate). @internal */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text)
}
