import { ACTIVITIES, OUTCOMES, VERBS } from './event'
import { MAX_FILTER_TEXT, MAX_FILTER_VALUES, type EventQuery, type ValueFilter } from './query'
import { formatInstant, parseInstant, quoteForMessage, TimeSyntaxError } from './time'

/**
 * The qualifier syntax users type into the search box and the CLI:
 *
 *   verb:DELETE activity:delete actor:alice repo:team/* since:7d until:2026-01-31 -actor:ci-bot "free text"
 *
 * Repeated qualifiers OR together (`any`), a leading `-` excludes (`none`), values may be quoted
 * (`actor:"John Smith"`, `\"` and `\\` escape inside quotes), and everything else is free text.
 */

/** A query that could not be read. `position` is the 0-based index in `input` where the problem starts. */
export class QuerySyntaxError extends Error {
  readonly position: number
  readonly input: string

  constructor(message: string, position: number, input: string) {
    super(message)
    this.name = 'QuerySyntaxError'
    this.position = position
    this.input = input
  }
}

/** Longer queries are refused rather than parsed: nobody types this much, and it bounds the work. */
export const MAX_QUERY_LENGTH = 10_000

export interface ParseQueryOptions {
  /** The instant relative times (`since:7d`) count back from. */
  now: number
  /** Zone for dates and times written without an offset: `UTC` (default), `local` or an IANA name. */
  timeZone?: string
}

type ListField = 'account' | 'verb' | 'activity' | 'actor' | 'repository' | 'tag' | 'digest' | 'outcome'

type Qualifier =
  | { kind: 'list'; field: ListField; allowed?: readonly string[]; normalise?: (value: string) => string }
  | { kind: 'time'; field: 'since' | 'until' }
  | { kind: 'include' }

const upper = (value: string): string => value.toUpperCase()
const lower = (value: string): string => value.toLowerCase()

const QUALIFIERS: Record<string, Qualifier> = {
  verb: { kind: 'list', field: 'verb', allowed: VERBS, normalise: upper },
  activity: { kind: 'list', field: 'activity', allowed: ACTIVITIES, normalise: lower },
  actor: { kind: 'list', field: 'actor' },
  repo: { kind: 'list', field: 'repository' },
  repository: { kind: 'list', field: 'repository' },
  tag: { kind: 'list', field: 'tag' },
  digest: { kind: 'list', field: 'digest' },
  account: { kind: 'list', field: 'account' },
  outcome: { kind: 'list', field: 'outcome', allowed: OUTCOMES, normalise: lower },
  since: { kind: 'time', field: 'since' },
  until: { kind: 'time', field: 'until' },
  include: { kind: 'include' }
}

const KNOWN_QUALIFIERS =
  'verb, activity, actor, repo (or repository), tag, digest, account, outcome, since, until, include'

/** The order formatQuery prints fields in, with the qualifier name it uses for each. */
const LIST_FIELDS: ReadonlyArray<[ListField, string]> = [
  ['account', 'account'],
  ['verb', 'verb'],
  ['activity', 'activity'],
  ['actor', 'actor'],
  ['repository', 'repo'],
  ['tag', 'tag'],
  ['digest', 'digest'],
  ['outcome', 'outcome']
]

const WHITESPACE = /\s/
// Qualifier names are letters only, so `sha256:…` or `10:30` stay free text.
const QUALIFIER_PREFIX = /^[A-Za-z]+:/
// The same, matched in place (sticky) so that reading a long query never copies its tail.
const QUALIFIER_AT = /[A-Za-z]+:/y

function isSpace(ch: string): boolean {
  return WHITESPACE.test(ch)
}

/**
 * Reads a query typed in the qualifier syntax.
 * @throws QuerySyntaxError with the position of the offending token.
 */
export function parseQuery(text: string, options: ParseQueryOptions): EventQuery {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(
      `query is too long: ${text.length} characters, at most ${MAX_QUERY_LENGTH}`,
      MAX_QUERY_LENGTH,
      text
    )
  }
  // Annotated so that the compiler treats a call as the end of the path.
  const fail: (message: string, position: number) => never = (message, position) => {
    throw new QuerySyntaxError(message, position, text)
  }

  const lists = new Map<ListField, { any: string[]; none: string[] }>()
  const textTerms: string[] = []
  const notTextTerms: string[] = []
  const times: { since?: { value: number; position: number }; until?: { value: number; position: number } } = {}
  let includePull = false

  /** Reads a quoted string whose opening quote is at `open`; returns the value and the index after it. */
  const readQuoted = (open: number): { value: string; end: number } => {
    let value = ''
    let i = open + 1
    while (i < text.length) {
      const ch = text[i]!
      if (ch === '"') {
        const end = i + 1
        if (end < text.length && !isSpace(text[end]!)) {
          fail('unexpected text right after a closing quote: leave a space after it', end)
        }
        return { value, end }
      }
      if (ch === '\\' && i + 1 < text.length) {
        const next = text[i + 1]!
        // Only \" and \\ are escapes; any other backslash is kept, so Windows paths need no doubling.
        if (next === '"' || next === '\\') {
          value += next
          i += 2
          continue
        }
      }
      value += ch
      i += 1
    }
    return fail('unterminated quote: add the closing "', open)
  }

  const readWord = (start: number): { value: string; end: number } => {
    let end = start
    while (end < text.length && !isSpace(text[end]!)) end += 1
    return { value: text.slice(start, end), end }
  }

  // The API takes at most MAX_FILTER_VALUES values of MAX_FILTER_TEXT characters per list: a query
  // past that is refused here, where the position can be shown, not by the core.
  const checkValue = (value: string, count: number, what: string, position: number): void => {
    if (value.length > MAX_FILTER_TEXT) fail(`${what} is ${value.length} characters long, at most ${MAX_FILTER_TEXT}`, position)
    if (count >= MAX_FILTER_VALUES) fail(`more than ${MAX_FILTER_VALUES} ${what}s`, position)
  }
  const addTextTerm = (terms: string[], value: string, position: number): void => {
    checkValue(value, terms.length, 'search term', position)
    terms.push(value)
  }

  let i = 0
  while (i < text.length) {
    if (isSpace(text[i]!)) {
      i += 1
      continue
    }
    const tokenStart = i
    const negated = text[i] === '-'
    if (negated) {
      i += 1
      if (i >= text.length || isSpace(text[i]!)) {
        fail('a lone "-" excludes nothing: write -word, -"a phrase" or -qualifier:value', tokenStart)
      }
    }

    if (text[i] === '"') {
      const { value, end } = readQuoted(i)
      if (value === '') fail('empty quoted phrase', tokenStart)
      addTextTerm(negated ? notTextTerms : textTerms, value, tokenStart)
      i = end
      continue
    }

    QUALIFIER_AT.lastIndex = i
    const prefix = QUALIFIER_AT.exec(text)
    if (prefix === null) {
      const { value, end } = readWord(i)
      addTextTerm(negated ? notTextTerms : textTerms, value, tokenStart)
      i = end
      continue
    }

    const nameText = prefix[0]
    const name = nameText.slice(0, -1).toLowerCase()
    // Own keys only: `constructor:x` is an unknown qualifier, not Object.prototype's constructor.
    const qualifier = Object.hasOwn(QUALIFIERS, name) ? QUALIFIERS[name] : undefined
    if (qualifier === undefined) {
      const suggestion = closestQualifier(name)
      const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}:"?)`
      fail(
        `unknown qualifier ${quoteForMessage(nameText)}${hint} — known: ${KNOWN_QUALIFIERS}; ` +
          'put text that contains a colon in quotes',
        tokenStart
      )
    }
    const valueStart = i + nameText.length
    const { value, end } =
      text[valueStart] === '"' ? readQuoted(valueStart) : readWord(valueStart)
    if (value === '') {
      fail(`empty value for ${name}: — write ${name}:VALUE, or ${name}:"a value" for one with spaces`, tokenStart)
    }
    i = end
    applyQualifier(name, qualifier, value, negated, tokenStart, valueStart)
  }

  function applyQualifier(
    name: string,
    qualifier: Qualifier,
    value: string,
    negated: boolean,
    tokenStart: number,
    valueStart: number
  ): void {
    switch (qualifier.kind) {
      case 'list': {
        const normalised = qualifier.normalise ? qualifier.normalise(value) : value
        if (qualifier.allowed && !qualifier.allowed.includes(normalised)) {
          fail(`bad ${name} ${quoteForMessage(value)}: expected one of ${qualifier.allowed.join(', ')}`, valueStart)
        }
        let list = lists.get(qualifier.field)
        if (list === undefined) {
          list = { any: [], none: [] }
          lists.set(qualifier.field, list)
        }
        const values = negated ? list.none : list.any
        checkValue(normalised, values.length, `${negated ? '-' : ''}${name}: value`, tokenStart)
        values.push(normalised)
        return
      }
      case 'time': {
        const other = qualifier.field === 'since' ? 'until' : 'since'
        if (negated) {
          fail(
            `-${name}: is not allowed: use ${other}: to ${other === 'until' ? 'end' : 'start'} the range instead`,
            tokenStart
          )
        }
        if (times[qualifier.field] !== undefined) fail(`${name}: is given twice: a range has one ${name}`, tokenStart)
        let instant: number
        try {
          instant = parseInstant(value, { now: options.now, timeZone: options.timeZone, bound: qualifier.field })
        } catch (error) {
          if (error instanceof TimeSyntaxError) fail(`${name}: ${error.message}`, valueStart)
          throw error
        }
        times[qualifier.field] = { value: instant, position: tokenStart }
        return
      }
      case 'include': {
        if (negated) {
          fail('-include: is not allowed: pull events are left out unless include:pull is given', tokenStart)
        }
        if (value.toLowerCase() !== 'pull') fail(`bad include ${quoteForMessage(value)}: expected pull`, valueStart)
        includePull = true
        return
      }
    }
  }

  const query: EventQuery = {}
  for (const [field] of LIST_FIELDS) {
    const list = lists.get(field)
    if (list === undefined) continue
    const filter: ValueFilter = {}
    if (list.any.length > 0) filter.any = list.any
    if (list.none.length > 0) filter.none = list.none
    // The allowed-value check above is what makes these lists Verb[], Activity[] and Outcome[].
    ;(query as Record<ListField, ValueFilter>)[field] = filter
  }
  if (times.since !== undefined) query.since = times.since.value
  if (times.until !== undefined) query.until = times.until.value
  if (times.since !== undefined && times.until !== undefined && times.since.value >= times.until.value) {
    const zone = options.timeZone ?? 'UTC'
    const [since, until] = [formatInstant(times.since.value, zone), formatInstant(times.until.value, zone)]
    fail(
      `since (${since}) must be before until (${until})`,
      Math.max(times.since.position, times.until.position)
    )
  }
  if (textTerms.length > 0) query.text = textTerms
  if (notTextTerms.length > 0) query.notText = notTextTerms
  if (includePull) query.includePull = true
  return query
}

/** The known qualifier within two edits of a mistyped one (`acter` → `actor`), if there is one. */
function closestQualifier(name: string): string | undefined {
  if (name.length > 20) return undefined
  let best: string | undefined
  let bestDistance = 3
  for (const known of Object.keys(QUALIFIERS)) {
    const distance = editDistance(name, known)
    if (distance < bestDistance) {
      best = known
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * Prints a query in the syntax parseQuery reads, with since/until as UTC instants, so that
 * `parseQuery(formatQuery(q))` equals `q` for every query parseQuery can produce.
 * @throws RangeError when since or until is not an integer instant in the years 0000–9999.
 */
export function formatQuery(query: EventQuery): string {
  const tokens: string[] = []
  for (const [field, name] of LIST_FIELDS) {
    const filter = query[field] as ValueFilter | undefined
    for (const value of filter?.any ?? []) tokens.push(`${name}:${formatValue(value)}`)
    for (const value of filter?.none ?? []) tokens.push(`-${name}:${formatValue(value)}`)
  }
  if (query.since !== undefined) tokens.push(`since:${formatBound(query.since, 'since')}`)
  if (query.until !== undefined) tokens.push(`until:${formatBound(query.until, 'until')}`)
  if (query.includePull === true) tokens.push('include:pull')
  for (const term of query.text ?? []) tokens.push(formatTerm(term))
  // After the '-' a word may itself start with '-': `--x` excludes "-x".
  for (const term of query.notText ?? []) tokens.push(`-${needsQuotes(term) ? quote(term) : term}`)
  return tokens.join(' ')
}

function formatBound(ms: number, name: string): string {
  const text = Number.isInteger(ms) ? formatInstant(ms, 'UTC') : ''
  if (!/^\d{4}-/.test(text)) throw new RangeError(`${name} is not an instant in the years 0000–9999: ${ms}`)
  return text
}

function formatValue(value: string): string {
  return value === '' || value.startsWith('"') || hasSpace(value) ? quote(value) : value
}

function formatTerm(term: string): string {
  return term.startsWith('-') || needsQuotes(term) ? quote(term) : term
}

/** A bare word that would not read back as the same free-text term. */
function needsQuotes(term: string): boolean {
  return term === '' || term.startsWith('"') || hasSpace(term) || QUALIFIER_PREFIX.test(term)
}

function hasSpace(value: string): boolean {
  for (const ch of value) if (isSpace(ch)) return true
  return false
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (ch) => `\\${ch}`)}"`
}
