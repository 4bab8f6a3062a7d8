import Database from 'better-sqlite3'
import { Archive } from '../../src/main/core/db/archive'
import { eventHistogram } from '../../src/main/core/db/event-histogram'
import { facetSource } from '../../src/main/core/db/facet-counts'
import { FACET_FIELDS } from '../../src/shared/query'
import { measure, summarise, type Timing } from '../tools/stats'
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
  facets: Timing
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

export function runFacets(file: string, options: { runs: number; warmup: number }): FacetCaseResult[] {
  const db = new Database(file, { readonly: true })
  db.pragma('cache_size = -32768')
  const archive = Archive.open(file, { readonly: true })
  try {
    const accountIds = db.prepare('SELECT id FROM accounts WHERE name = ?').pluck()
    const where = { accountIds: (names: string[]) => names.flatMap((name) => accountIds.all(name) as number[]) }
    return queryCases(pickCaseValues(db)).map((item) => {
      const times = { facets: [] as number[], estimated: [] as number[], count: [] as number[], histogram: [] as number[] }
      let buckets = 0
      let estimatedFields: string[] = []
      for (let run = 0; run < options.warmup + options.runs; run++) {
        const facets = measure(() => archive.facets(item.query, { top: FACET_TOP }))
        const estimated = measure(() => archive.facets(item.query, { top: FACET_TOP, approximate: true }))
        const count = measure(() => archive.countEvents(item.query, { limit: COUNT_LIMIT }))
        const histogram = measure(() => eventHistogram(db, item.query, where))
        buckets = histogram.value.buckets.length
        estimatedFields = FACET_FIELDS.filter((field) => estimated.value[field].some((entry) => entry.approximate === true))
        if (run < options.warmup) continue
        times.facets.push(facets.wallMs)
        times.estimated.push(estimated.wallMs)
        times.count.push(count.wallMs)
        times.histogram.push(histogram.wallMs)
      }
      return {
        name: item.name,
        facets: summarise(times.facets),
        facetsEstimated: summarise(times.estimated),
        estimatedFields,
        sources: Object.fromEntries(FACET_FIELDS.map((field) => [field, facetSource(field, item.query)])),
        count: summarise(times.count),
        histogram: summarise(times.histogram),
        buckets
      }
    })
  } finally {
    archive.close()
    db.close()
  }
}
