/**
 * Making untrusted text safe to print on a terminal, and measuring it.
 *
 * Audit records come from a server and name things other people chose (repository names, tags,
 * user agents, free-form descriptions). Printed as they are, an escape sequence could recolour,
 * move the cursor, retitle the window or hide text, and a bidi override could make `evil` read as
 * `live`. Every value the CLI prints for a human goes through `inertText`, which shows such
 * characters as visible escapes instead of letting the terminal act on them.
 */

/**
 * C0 and C1 controls, DEL, the bidi embeddings/overrides/isolates and marks, and the invisible
 * characters that let two different strings look the same (zero-width space/joiners, word joiner,
 * BOM, line and paragraph separators).
 */
const UNSAFE_CHARACTERS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g

const NAMED_ESCAPES: Record<string, string> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t'
}

/** Shows every unsafe character of `text` as a visible escape (`\n`, `\x1b`, `\u202e`). */
export function inertText(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (ch) => NAMED_ESCAPES[ch] ?? codeEscape(ch))
}

/**
 * Escapes the same characters inside JSON text as `\uXXXX`, which JSON readers decode back to the
 * identical value: the output stays exact for a program and inert on a terminal. Tab, LF and CR
 * stay: JSON only has them raw as whitespace between tokens (pretty-printing), where they are safe.
 */
export function inertJson(json: string): string {
  return json.replace(UNSAFE_CHARACTERS, (ch) => (ch === '\n' || ch === '\t' || ch === '\r' ? ch : `\\u${hex4(ch)}`))
}

function codeEscape(ch: string): string {
  const code = ch.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${hex4(ch)}`
}

function hex4(ch: string): string {
  return ch.charCodeAt(0).toString(16).padStart(4, '0')
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u

/**
 * How many terminal columns a (already inert) string takes: combining marks take none, East Asian
 * wide and fullwidth characters and emoji take two. Close to wcwidth, without a table.
 */
export function displayWidth(text: string): number {
  let width = 0
  for (const ch of text) width += charWidth(ch)
  return width
}

function charWidth(ch: string): number {
  if (ZERO_WIDTH.test(ch)) return 0
  const code = ch.codePointAt(0) ?? 0
  return isWide(code) ? 2 : 1
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
}

/**
 * Cuts `text` to at most `width` columns, ending with `…` when something was cut. Never splits a
 * surrogate pair or a visible escape's backslash from its letters in a misleading way: the cut
 * is by whole characters.
 */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return ''
  if (displayWidth(text) <= width) return text
  let out = ''
  let used = 0
  for (const ch of text) {
    const w = charWidth(ch)
    if (used + w > width - 1) break
    out += ch
    used += w
  }
  return `${out}…`
}

/** Pads `text` with spaces on the right to `width` columns. */
export function padToWidth(text: string, width: number): string {
  const missing = width - displayWidth(text)
  return missing > 0 ? text + ' '.repeat(missing) : text
}
