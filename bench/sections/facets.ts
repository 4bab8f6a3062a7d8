import Database from 'better-sqlite3'
import { Archive } from '../../src/main/core/db/archive'
import { eventHistogram } from '../../src/main/core/db/event-histogram'
import { facetSource } from '../../src/main/core/db/facet-counts'
import { FACET_FIELDS } from '../../src/shared/query'
import { repeat, summarise, type RepeatOptions, type Timing } from '../tools/stats'
import { pickCaseValues, queryCases } from './query-cases'

/**
 * What the UI asks for beside every first page, for the same filters as the query cases: the
 * facet counts (six fields, top 50, as the filter sidebar asks), exact and with estimates
 * allowed, the count above the table (limit 1,000,000, as the UI asks), and the histogram.
 */

/** The UI's requests (src/renderer/src/stores/events-store.ts). */
const FACET_TOP = 50
const COUNT_LIMIT = 1_000_000

export interface FacetCaseResult {
  name: string
  /** Exact counts; not measured at 10M where they must read millions of events (see estimatedFields). */
  facets: Timing | undefined
  /** With `approximate: true`: fields read from many events are estimated from a sample. */
  facetsEstimated: Timing
  /** Fields whose estimate was used (their entries say approximate). */
  estimatedFields: string[]
  /** Where each field's counts came from: a count table or the events. */
  sources: Record<string, string>
  count: Timing
  histogram: Timing
  buckets: number
}

export function runFacets(file: string, repeatOptions: RepeatOptions, options: { skipSlowExact?: boolean } = {}): FacetCaseResult[] {
  const db = new Database(file, { readonly: true })
  db.pragma('cache_size = -32768')
  const archive = Archive.open(file, { readonly: true })
  try {
    const accountIds = db.prepare('SELECT id FROM accounts WHERE name = ?').pluck()
    const where = { accountIds: (names: string[]) => names.flatMap((name) => accountIds.all(name) as number[]) }
    return queryCases(pickCaseValues(db)).map((item) => {
      const estimated = repeat(() => archive.facets(item.query, { top: FACET_TOP, approximate: true }), repeatOptions)
      const estimatedFields = FACET_FIELDS.filter((field) => estimated.last[field].some((entry) => entry.approximate === true))
      // Exact counts that must read millions of events take tens of seconds at 10M: skipped there.
      const facets = options.skipSlowExact === true && estimatedFields.length > 0 ? undefined : repeat(() => archive.facets(item.query, { top: FACET_TOP }), repeatOptions)
      const count = repeat(() => archive.countEvents(item.query, { limit: COUNT_LIMIT }), repeatOptions)
      const histogram = repeat(() => eventHistogram(db, item.query, where), repeatOptions)
      return {
        name: item.name,
        facets: facets === undefined ? undefined : summarise(facets.wallMs),
        facetsEstimated: summarise(estimated.wallMs),
        estimatedFields,
        sources: Object.fromEntries(FACET_FIELDS.map((field) => [field, facetSource(field, item.query)])),
        count: summarise(count.wallMs),
        histogram: summarise(histogram.wallMs),
        buckets: histogram.last.buckets.length
      }
    })
  } finally {
    archive.close()
    db.close()
  }
}
