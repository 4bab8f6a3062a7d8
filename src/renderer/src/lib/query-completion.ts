import { ACTIVITIES, OUTCOMES, VERBS } from '../../../shared/event'

/**
 * Completion for the qualifier query bar: qualifier names while the user types a word, and known
 * values (from the facet counts) after `qualifier:`. Pure: text and caret in, suggestions out.
 */

export interface QualifierInfo {
  name: string
  hint: string
}

/** The qualifiers the query parser accepts, in the order the menu shows them. */
export const QUALIFIERS: readonly QualifierInfo[] = [
  { name: 'verb', hint: 'Type: CREATE, GET, UPDATE, DELETE, SEND, FAIL, SCAN' },
  { name: 'activity', hint: 'push, pull, delete, promotion, …' },
  { name: 'actor', hint: 'who did it' },
  { name: 'repo', hint: 'namespace/name, * matches any run' },
  { name: 'tag', hint: 'image tag' },
  { name: 'digest', hint: 'full digest or a prefix' },
  { name: 'outcome', hint: 'success, failure, unknown' },
  { name: 'account', hint: 'configured account name' },
  { name: 'since', hint: 'ISO date or 15m, 24h, 7d' },
  { name: 'until', hint: 'ISO date or 15m, 24h, 7d' },
  { name: 'include', hint: 'include:pull shows pull events' }
]

/** Known values per qualifier, filled from static vocabularies and the current facets. */
export type KnownValues = Partial<Record<string, readonly string[]>>

export const STATIC_VALUES: KnownValues = {
  verb: VERBS,
  activity: ACTIVITIES,
  outcome: OUTCOMES,
  since: ['1h', '24h', '7d', '30d', '90d'],
  until: ['1h', '24h', '7d', '30d'],
  include: ['pull']
}

export interface Suggestion {
  /** What the menu shows. */
  label: string
  /** Secondary text (a hint, or a count). */
  detail?: string
  /** The text that replaces the token under the caret. */
  insert: string
  kind: 'qualifier' | 'value'
}

export interface CompletionResult {
  /** Start and end (exclusive) of the token the suggestions replace. */
  from: number
  to: number
  suggestions: Suggestion[]
}

/** Finds the token around `caret`; a quoted run counts as part of its token. */
export function tokenAt(text: string, caret: number): { from: number; to: number; token: string } {
  let inQuote = false
  let start = 0
  for (let i = 0; i < caret && i < text.length; i += 1) {
    const ch = text[i]
    if (ch === '"') inQuote = !inQuote
    else if (!inQuote && /\s/.test(ch ?? '')) start = i + 1
  }
  let end = caret
  while (end < text.length && (inQuote || !/\s/.test(text[end] ?? ''))) {
    if (text[end] === '"') inQuote = !inQuote
    end += 1
  }
  return { from: start, to: end, token: text.slice(start, caret) }
}

function quoteIfNeeded(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/"/g, '\\"')}"` : value
}

/** Suggestions for the caret position, at most `limit` of them. */
export function complete(
  text: string,
  caret: number,
  known: KnownValues,
  counts: Partial<Record<string, ReadonlyMap<string, number>>> = {},
  limit = 8
): CompletionResult {
  const { from, to, token } = tokenAt(text, caret)
  const negated = token.startsWith('-')
  const body = negated ? token.slice(1) : token
  const prefix = negated ? '-' : ''
  const colon = body.indexOf(':')
  if (colon < 0) {
    if (body.startsWith('"')) return { from, to, suggestions: [] }
    const lower = body.toLowerCase()
    const suggestions = QUALIFIERS.filter((q) => q.name.startsWith(lower) && q.name !== lower)
      .concat(body === '' ? [] : QUALIFIERS.filter((q) => q.name === lower))
      .slice(0, limit)
      .map<Suggestion>((q) => ({ label: `${prefix}${q.name}:`, detail: q.hint, insert: `${prefix}${q.name}:`, kind: 'qualifier' }))
    return { from, to, suggestions }
  }
  const typed = body.slice(0, colon).toLowerCase()
  // The parser reads `repository:` as `repo:`; facets name the field `repository`.
  const name = typed === 'repository' ? 'repo' : typed
  const partial = body.slice(colon + 1).replace(/^"/, '').toLowerCase()
  const values = [...(STATIC_VALUES[name] ?? []), ...(known[name] ?? [])]
  const seen = new Set<string>()
  const suggestions: Suggestion[] = []
  const byCount = counts[name]
  for (const value of values) {
    if (seen.has(value)) continue
    seen.add(value)
    const lower = value.toLowerCase()
    if (!lower.startsWith(partial) && !(partial.length >= 2 && lower.includes(partial))) continue
    if (lower === partial) continue
    const count = byCount?.get(value)
    suggestions.push({
      label: value,
      ...(count !== undefined ? { detail: String(count) } : {}),
      insert: `${prefix}${body.slice(0, colon)}:${quoteIfNeeded(value)}`,
      kind: 'value'
    })
  }
  // Prefix matches before substring matches, each in the order the values came (facets are by count).
  suggestions.sort((a, b) => {
    const aPrefix = a.label.toLowerCase().startsWith(partial) ? 0 : 1
    const bPrefix = b.label.toLowerCase().startsWith(partial) ? 0 : 1
    return aPrefix - bPrefix
  })
  return { from, to, suggestions: suggestions.slice(0, limit) }
}

/** The text and caret after accepting `suggestion`. Values end with a space, ready for the next term. */
export function applySuggestion(
  text: string,
  result: Pick<CompletionResult, 'from' | 'to'>,
  suggestion: Suggestion
): { text: string; caret: number } {
  const before = text.slice(0, result.from)
  const after = text.slice(result.to)
  const trailing = suggestion.kind === 'value' ? (after.startsWith(' ') ? '' : ' ') : ''
  const next = `${before}${suggestion.insert}${trailing}${after}`
  return { text: next, caret: before.length + suggestion.insert.length + trailing.length }
}
