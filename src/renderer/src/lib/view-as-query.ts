import { formatInstant } from '../../../shared/time'
import type { TimeRange } from './time-range'

/**
 * The whole view as one text in the query syntax (query-parser.ts): the bar's filter, the time
 * range and the pull choice. This is what a saved or recent query stores, so opening it restores
 * the view; a preset stays relative (`since:7d` means the last 7 days whenever it is opened).
 */
export function viewAsQueryText(view: { text: string; time: TimeRange; includePull: boolean }): string {
  const parts = view.text.trim() === '' ? [] : [view.text.trim()]
  const time = view.time
  if (time.kind === 'preset') {
    if (time.preset !== 'all') parts.push(`since:${time.preset}`)
  } else {
    if (time.from !== undefined) parts.push(`since:${formatInstant(time.from, 'UTC')}`)
    if (time.to !== undefined) parts.push(`until:${formatInstant(time.to, 'UTC')}`)
  }
  if (view.includePull) parts.push('include:pull')
  return parts.join(' ')
}
