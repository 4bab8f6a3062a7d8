/**
 * JSON from outside (a server's answer, a row of an import file) is parsed with a bound on how deep
 * arrays and objects nest. JSON.parse itself copes with any depth, but what runs on the value next
 * does not: JSON.stringify, canonical JSON and zod recurse, and a record nested a few thousand levels
 * deep throws RangeError (a stack overflow) in the middle of a sync or an import instead of being
 * refused as the bad input it is. Audit records nest a handful of levels.
 */

/** Deepest nesting of arrays and objects accepted; far beyond any audit record, far below what recursion survives. */
export const MAX_JSON_DEPTH = 256

/** Whether JSON text nests arrays and objects deeper than `limit` (brackets inside strings do not count). Linear, allocates nothing. */
export function jsonNestsDeeperThan(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 0x5c) i++
      else if (code === 0x22) inString = false
    } else if (code === 0x22) inString = true
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true
    } else if (code === 0x5d || code === 0x7d) depth--
  }
  return false
}

/** The message of the SyntaxError {@link parseBoundedJson} throws for nesting past the bound. */
export const TOO_DEEP_MESSAGE = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`

/**
 * JSON.parse, refusing nesting deeper than {@link MAX_JSON_DEPTH} with a SyntaxError, as it refuses
 * any other text it will not take: callers that already handle malformed JSON handle this too.
 */
export function parseBoundedJson(text: string): unknown {
  if (jsonNestsDeeperThan(text)) throw new SyntaxError(TOO_DEEP_MESSAGE)
  return JSON.parse(text) as unknown
}
