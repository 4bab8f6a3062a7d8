/**
 * Source text as the window shows it. Characters that act instead of being read — C0 and C1
 * controls, the bidi embeddings, overrides, isolates and marks, and the invisible characters that
 * make two different strings look alike — are shown as visible escapes (`\u202e`, `\x00`, `\n`),
 * the form the CLI prints too. React already keeps markup inert; this keeps a right-to-left
 * override from making the tag `invoice\u202Egnp.exe` read "invoiceexe.png", and a NUL from
 * vanishing. For display only: filters, copies and exports use the value itself.
 */

// The same set as the CLI's terminal-text.ts.
// eslint-disable-next-line no-control-regex
const ACTING_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

export function visibleControls(text: string): string {
  return text.replace(ACTING_CHARACTERS, (ch) => {
    const named = NAMED[ch]
    if (named !== undefined) return named
    const code = ch.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
