import type { HarborSimRow, HarborTable } from './harbor-events'

/**
 * Harbor's list query handling, as the simulator needs it (sources/5-harbor.md "Query syntax" and
 * "Paging"; Harbor's `src/lib/q/builder.go`, `src/lib/orm/query.go`, `metadata.go`,
 * `src/server/v2.0/handler/base.go` `Links`), quirks included:
 * - Go's query decoding (`+` is a space; a pair with a bad escape is dropped), then `q` is
 *   URL-unescaped a second time (a bad escape there is logged and the text kept);
 * - `q` terms: `k=v` exact (a string, compared as PostgreSQL would cast it), `k=~v` contains
 *   (ILIKE), `k=[min~max]` inclusive range, `k={a b}` IN, `k=(a b)` ignored; range and list values
 *   are a time only in the layout `2006-01-02T15:04:05`, else an int64, else a string with quotes
 *   stripped; `k__gte=v` style suffixes; unknown keys ignored silently;
 * - a value PostgreSQL cannot cast (a word against `id`, ILIKE on a number) is a 500;
 * - `sort` keys: unknown ones dropped, default `op_time` descending with no tie-breaker;
 * - offset paging; `page_size` ≤ 0 means no limit; `Link` is relative and its query unescaped.
 */

export class HarborQueryError extends Error {
  constructor(
    readonly status: 400 | 500,
    message: string
  ) {
    super(message)
  }
}

type Column = 'id' | 'project_id' | 'operation' | 'op_desc' | 'op_result' | 'resource_type' | 'resource' | 'username' | 'op_time'
type ColumnType = 'int' | 'text' | 'bool' | 'time'

const COLUMN_TYPES: Record<Column, ColumnType> = {
  id: 'int',
  project_id: 'int',
  operation: 'text',
  op_desc: 'text',
  op_result: 'bool',
  resource_type: 'text',
  resource: 'text',
  username: 'text',
  op_time: 'time'
}

/** Field names and column names the ORM accepts, per model. */
function keysOf(table: HarborTable): Map<string, Column> {
  const keys = new Map<string, Column>([
    ['ID', 'id'],
    ['id', 'id'],
    ['ProjectID', 'project_id'],
    ['project_id', 'project_id'],
    ['Operation', 'operation'],
    ['operation', 'operation'],
    ['ResourceType', 'resource_type'],
    ['resource_type', 'resource_type'],
    ['Resource', 'resource'],
    ['resource', 'resource'],
    ['Username', 'username'],
    ['username', 'username'],
    ['OpTime', 'op_time'],
    ['op_time', 'op_time']
  ])
  if (table === 'ext') {
    keys.set('OperationDescription', 'op_desc')
    keys.set('op_desc', 'op_desc')
    keys.set('IsSuccessful', 'op_result')
    keys.set('op_result', 'op_result')
  }
  return keys
}

/** Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte; undefined for a bad escape. */
export function goQueryUnescape(text: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return undefined
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    // A valid escape that is not UTF-8: Go keeps the bytes; latin1 is close enough here.
    return unescape(text.replace(/\+/g, ' '))
  }
}

/** Go's `url.ParseQuery` as `Request.URL.Query()` uses it: the first value of each key, bad pairs dropped. */
export function goParseQuery(rawQuery: string): Map<string, string> {
  const values = new Map<string, string>()
  for (const pair of rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue
    const eq = pair.indexOf('=')
    const key = goQueryUnescape(eq < 0 ? pair : pair.slice(0, eq))
    const value = goQueryUnescape(eq < 0 ? '' : pair.slice(eq + 1))
    if (key === undefined || value === undefined) continue
    if (!values.has(key)) values.set(key, value)
  }
  return values
}

/** Go's `url.QueryEscape`. */
function goQueryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

type Parsed = { kind: 'time'; ms: number } | { kind: 'int'; value: number } | { kind: 'string'; value: string }
type Condition =
  | { kind: 'exact'; value: string }
  | { kind: 'fuzzy'; value: string }
  | { kind: 'range'; min?: Parsed; max?: Parsed }
  | { kind: 'or'; values: Parsed[] }
  | { kind: 'and' }

/** Go `time.Parse("2006-01-02T15:04:05", v)`: that layout exactly (fractional seconds allowed), as UTC. */
function parseGoTime(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(text)
  if (!match) return undefined
  const [, y, mo, d, h, mi, s, fraction] = match
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Math.floor(Number(fraction ?? 0) * 1000)
  const check = new Date(ms)
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined
  return ms
}

function parseValue(raw: string): Parsed {
  const text = raw.trim()
  const time = parseGoTime(text)
  if (time !== undefined) return { kind: 'time', ms: time }
  if (/^[+-]?\d+$/.test(text)) {
    const value = Number(text)
    if (Number.isSafeInteger(value)) return { kind: 'int', value }
  }
  return { kind: 'string', value: text.replace(/^["']+|["']+$/g, '') }
}

function parsePattern(value: string): Condition {
  switch (value[0]) {
    case '~':
      if (value.length < 2) throw new HarborQueryError(400, `invalid query string value: ${value}`)
      return { kind: 'fuzzy', value: value.slice(1) }
    case '[': {
      if (!value.endsWith(']') || value.split('~').length !== 2) throw new HarborQueryError(400, `invalid query string value: ${value}`)
      const [min = '', max = ''] = value.slice(1, -1).split('~').map((part) => part.trim())
      if (min === '' && max === '') throw new HarborQueryError(400, `invalid query string value: ${value}`)
      return { kind: 'range', ...(min === '' ? {} : { min: parseValue(min) }), ...(max === '' ? {} : { max: parseValue(max) }) }
    }
    case '{':
      if (!value.endsWith('}')) throw new HarborQueryError(400, `invalid query string value: ${value}`)
      return {
        kind: 'or',
        values: value
          .slice(1, -1)
          .split(' ')
          .map(parseValue)
          .filter((parsed) => !(parsed.kind === 'string' && parsed.value === ''))
      }
    case '(':
      if (!value.endsWith(')')) throw new HarborQueryError(400, `invalid query string value: ${value}`)
      return { kind: 'and' }
    default:
      return { kind: 'exact', value: value.startsWith('\\') ? value.slice(1) : value }
  }
}

export interface HarborListQuery {
  filters: Array<{ key: string; column: Column; operator: 'eq' | 'gte' | 'lte' | 'gt' | 'lt' | 'icontains'; condition: Condition }>
  sorts: Array<{ column: Column; desc: boolean }>
  /** The keys dropped as unknown (for the simulator's request log). */
  ignored: string[]
}

/** Parses `q` and `sort` as Harbor does (after Go's first decoding). Throws HarborQueryError 400. */
export function parseHarborListQuery(q: string, sort: string, table: HarborTable): HarborListQuery {
  const keys = keysOf(table)
  const resolve = (key: string): Column | undefined => keys.get(key) ?? keys.get(snakeCase(key))
  const filters: HarborListQuery['filters'] = []
  const ignored: string[] = []
  if (q !== '') {
    // "try to escaped the 'q=tags%3Dnil'": the second decoding.
    const text = goQueryUnescape(q) ?? q
    for (const param of text.split(',')) {
      const eq = param.indexOf('=')
      const key = eq < 0 ? param : param.slice(0, eq)
      const value = eq < 0 ? '' : param.slice(eq + 1)
      if (eq < 0 || key === '' || value === '') {
        throw new HarborQueryError(400, 'the query string must contain "=" and the key/value cannot be empty')
      }
      const condition = parsePattern(value)
      const pieces = key.split('__')
      const column = pieces.length <= 2 ? resolve(pieces[0]!) : undefined
      const suffix = pieces[1]
      const operators = { gte: 'gte', lte: 'lte', gt: 'gt', lt: 'lt', exact: 'eq', icontains: 'icontains' } as const
      if (column === undefined || (suffix !== undefined && !(suffix in operators))) {
        ignored.push(key)
        continue
      }
      const operator = suffix === undefined ? 'eq' : operators[suffix as keyof typeof operators]
      // A later duplicate key replaces the earlier one (the keywords are a Go map).
      const existing = filters.findIndex((filter) => filter.key === key)
      if (existing >= 0) filters.splice(existing, 1)
      filters.push({ key, column, operator, condition })
    }
  }
  const sorts: HarborListQuery['sorts'] = []
  for (const part of sort === '' ? [] : sort.split(',')) {
    const desc = part.startsWith('-')
    const column = keys.get(desc ? part.slice(1) : part)
    if (column === undefined) {
      ignored.push(`sort:${part}`)
      continue
    }
    sorts.push({ column, desc })
  }
  if (sorts.length === 0) sorts.push({ column: 'op_time', desc: true })
  return { filters, sorts, ignored }
}

function snakeCase(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase()
}

function cellOf(row: HarborSimRow, column: Column): number | string | boolean {
  switch (column) {
    case 'id':
      return row.id
    case 'project_id':
      return row.projectId
    case 'operation':
      return row.operation
    case 'op_desc':
      return row.description
    case 'op_result':
      return row.result
    case 'resource_type':
      return row.resourceType
    case 'resource':
      return row.resource
    case 'username':
      return row.username
    case 'op_time':
      return row.opTime
  }
}

const castError = (column: Column, text: string): HarborQueryError =>
  new HarborQueryError(500, `invalid input syntax for column ${column}: "${text}"`)

/** A value as PostgreSQL would compare it with `column` (a string is cast; a wrong type is an error). */
function coerce(column: Column, value: Parsed | string): number | string | boolean {
  const type = COLUMN_TYPES[column]
  const parsed: Parsed = typeof value === 'string' ? { kind: 'string', value } : value
  switch (type) {
    case 'int':
      if (parsed.kind === 'int') return parsed.value
      if (parsed.kind === 'string' && /^\s*[+-]?\d+\s*$/.test(parsed.value)) return Number(parsed.value)
      throw castError(column, parsed.kind === 'string' ? parsed.value : String(parsed.kind === 'time' ? new Date(parsed.ms).toISOString() : ''))
    case 'bool':
      if (parsed.kind === 'string' && /^(t|true|y|yes|on|1)$/i.test(parsed.value.trim())) return true
      if (parsed.kind === 'string' && /^(f|false|n|no|off|0)$/i.test(parsed.value.trim())) return false
      if (parsed.kind === 'int' && (parsed.value === 0 || parsed.value === 1)) return parsed.value === 1
      throw castError(column, parsed.kind === 'string' ? parsed.value : String(parsed.kind))
    case 'time': {
      if (parsed.kind === 'time') return parsed.ms
      if (parsed.kind === 'string') {
        // PostgreSQL casts "2020-04-09 02:36:00" (the form the swagger text suggests) and friends.
        const match = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$/.exec(parsed.value.trim())
        if (match) return Date.parse(`${match[1]}T${match[2] ?? '00:00:00'}Z`)
      }
      throw castError(column, parsed.kind === 'string' ? parsed.value : String(parsed.kind === 'int' ? parsed.value : ''))
    }
    case 'text':
      if (parsed.kind === 'string') return parsed.value
      if (parsed.kind === 'int') return String(parsed.value)
      // A time bound against a text column: PostgreSQL compares the timestamp's text.
      return new Date(parsed.ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')
  }
}

function matches(row: HarborSimRow, filter: HarborListQuery['filters'][number]): boolean {
  const cell = cellOf(row, filter.column)
  const { condition } = filter
  const compare = (value: Parsed | string, op: 'eq' | 'gte' | 'lte' | 'gt' | 'lt'): boolean => {
    const other = coerce(filter.column, value)
    switch (op) {
      case 'eq':
        return cell === other
      case 'gte':
        return cell >= other
      case 'lte':
        return cell <= other
      case 'gt':
        return cell > other
      case 'lt':
        return cell < other
    }
  }
  if (filter.operator === 'icontains' || condition.kind === 'fuzzy') {
    if (COLUMN_TYPES[filter.column] !== 'text') throw new HarborQueryError(500, `operator does not exist: ${filter.column} ~~* unknown`)
    const needle = condition.kind === 'fuzzy' || condition.kind === 'exact' ? condition.value : ''
    return String(cell).toLowerCase().includes(needle.toLowerCase())
  }
  switch (condition.kind) {
    case 'exact':
      return compare(condition.value, filter.operator === 'eq' ? 'eq' : filter.operator)
    case 'range':
      return (condition.min === undefined || compare(condition.min, 'gte')) && (condition.max === undefined || compare(condition.max, 'lte'))
    case 'or':
      return condition.values.some((value) => compare(value, 'eq'))
    case 'and':
      return true
  }
}

/** Rows matching the query's filters and `projectIds` (the permission filter), sorted. */
export function runHarborQuery(rows: readonly HarborSimRow[], query: HarborListQuery, projectIds: readonly number[] | null): HarborSimRow[] {
  const selected = rows.filter(
    (row) => (projectIds === null || projectIds.includes(row.projectId)) && query.filters.every((filter) => matches(row, filter))
  )
  return selected.sort((a, b) => {
    for (const { column, desc } of query.sorts) {
      const x = cellOf(a, column)
      const y = cellOf(b, column)
      if (x < y) return desc ? 1 : -1
      if (x > y) return desc ? -1 : 1
    }
    return 0
  })
}

/**
 * Harbor's `Link` header for a request path and raw query: prev/next built from the parsed query
 * with `page` and `page_size` set, re-encoded, then unescaped again, relative, joined with " , ".
 */
export function harborLinks(path: string, rawQuery: string, total: number, page: number, pageSize: number): string {
  if (pageSize === 0) return ''
  const make = (target: number): string => {
    const values = new Map<string, string[]>()
    for (const pair of rawQuery.split('&')) {
      if (pair === '' || pair.includes(';')) continue
      const eq = pair.indexOf('=')
      const key = goQueryUnescape(eq < 0 ? pair : pair.slice(0, eq))
      const value = goQueryUnescape(eq < 0 ? '' : pair.slice(eq + 1))
      if (key === undefined || value === undefined) continue
      values.set(key, [...(values.get(key) ?? []), value])
    }
    values.set('page', [String(target)])
    values.set('page_size', [String(pageSize)])
    const encoded = [...values.keys()]
      .sort()
      .flatMap((key) => values.get(key)!.map((value) => `${goQueryEscape(key)}=${goQueryEscape(value)}`))
      .join('&')
    return `<${path}?${goQueryUnescape(encoded) ?? encoded}>`
  }
  const links: string[] = []
  if (page > 1 && (page - 1) * pageSize < total) links.push(`${make(page - 1)}; rel="prev"`)
  if (pageSize * page < total) links.push(`${make(page + 1)}; rel="next"`)
  return links.join(' , ')
}
