import { DEFAULT_SORT, SORT_KEYS, type EventSort, type SortKey } from '../../../shared/query'
import { DEFAULT_TIME_RANGE, isTimePresetId, type TimeRange } from './time-range'

/**
 * The view's filter state in the URL hash, so a view can be bookmarked and reopened:
 * `#q=verb%3ADELETE+repo%3Ateam%2F*&t=7d&sort=actor:asc&pull=1`. Keys this module does not own
 * (browser mode's `token`) are kept as they are.
 */
export interface ViewParams {
  /** The query bar's text, in the qualifier syntax. */
  q: string
  time: TimeRange
  sort: EventSort
  includePull: boolean
}

export const DEFAULT_VIEW: ViewParams = {
  q: '',
  time: DEFAULT_TIME_RANGE,
  sort: DEFAULT_SORT,
  includePull: false
}

const OWN_KEYS = ['q', 't', 'from', 'to', 'sort', 'pull'] as const

function isSortKey(value: string): value is SortKey {
  return (SORT_KEYS as readonly string[]).includes(value)
}

function parseInstant(text: string | null): number | undefined {
  if (text === null || text === '') return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}

/** Reads a hash (with or without its leading `#`); anything malformed falls back to the default. */
export function parseViewHash(hash: string): ViewParams {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash)
  const view: ViewParams = { ...DEFAULT_VIEW }
  view.q = params.get('q') ?? ''
  const preset = params.get('t')
  const from = parseInstant(params.get('from'))
  const to = parseInstant(params.get('to'))
  if (from !== undefined || to !== undefined) {
    view.time = { kind: 'absolute', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }
  } else if (preset !== null && isTimePresetId(preset)) {
    view.time = { kind: 'preset', preset }
  }
  const sort = params.get('sort')
  if (sort !== null) {
    const [key, dir] = sort.split(':')
    if (key !== undefined && isSortKey(key) && (dir === 'asc' || dir === 'desc')) view.sort = { key, dir }
  }
  view.includePull = params.get('pull') === '1'
  return view
}

/**
 * Writes the view into `currentHash`, keeping keys it does not own and leaving out values
 * equal to the default, so an untouched view has a short URL.
 */
export function formatViewHash(view: ViewParams, currentHash = ''): string {
  const params = new URLSearchParams(currentHash.startsWith('#') ? currentHash.slice(1) : currentHash)
  for (const key of OWN_KEYS) params.delete(key)
  if (view.q.trim() !== '') params.set('q', view.q.trim())
  if (view.time.kind === 'preset') {
    if (view.time.preset !== 'all') params.set('t', view.time.preset)
  } else {
    if (view.time.from !== undefined) params.set('from', new Date(view.time.from).toISOString())
    if (view.time.to !== undefined) params.set('to', new Date(view.time.to).toISOString())
  }
  if (view.sort.key !== DEFAULT_SORT.key || view.sort.dir !== DEFAULT_SORT.dir) {
    params.set('sort', `${view.sort.key}:${view.sort.dir}`)
  }
  if (view.includePull) params.set('pull', '1')
  const text = params.toString()
  return text === '' ? '' : `#${text}`
}
