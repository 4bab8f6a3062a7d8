import Database from 'better-sqlite3'
import { Archive } from '../../src/main/core/db/archive'
import { eventHistogram } from '../../src/main/core/db/event-histogram'
import { facetSource } from '../../src/main/core/db/facet-counts'
import { FACET_FIELDS } from '../../src/shared/query'
import { measure, summarise, type Timing } from '../tools/stats'
import { pickCaseValues, queryCases } from './query-cases'

/**
 * The filter sidebar's facet counts (all six fields, top 10) and the histogram, for the same
 * filters as the query cases: what the UI asks for beside every first page.
 */

export interface FacetCaseResult {
  name: string
  facets: Timing
  /** Where each field's counts came from: a per-day count table or the events. */
  sources: Record<string, string>
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
      const facetTimes: number[] = []
      const histogramTimes: number[] = []
      let buckets = 0
      for (let run = 0; run < options.warmup + options.runs; run++) {
        const facets = measure(() => archive.facets(item.query, { top: 10 }))
        const histogram = measure(() => eventHistogram(db, item.query, where))
        buckets = histogram.value.buckets.length
        if (run < options.warmup) continue
        facetTimes.push(facets.wallMs)
        histogramTimes.push(histogram.wallMs)
      }
      return {
        name: item.name,
        facets: summarise(facetTimes),
        sources: Object.fromEntries(FACET_FIELDS.map((field) => [field, facetSource(field, item.query)])),
        histogram: summarise(histogramTimes),
        buckets
      }
    })
  } finally {
    archive.close()
    db.close()
  }
}
