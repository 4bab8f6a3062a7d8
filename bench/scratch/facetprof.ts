import Database from 'better-sqlite3'
import { Archive } from '../../src/main/core/db/archive'
import { pickCaseValues, queryCases } from '../sections/query-cases'
import { FACET_FIELDS } from '../../src/shared/query'
import { facetSource } from '../../src/main/core/db/facet-counts'
const file = process.argv[2]!
const db = new Database(file, { readonly: true })
const v = pickCaseValues(db)
const a = Archive.open(file, { readonly: true })
const only = process.argv[3]
for (const c of queryCases(v)) {
  if (only && !c.name.includes(only)) continue
  const parts: string[] = []
  let total = 0
  for (const f of FACET_FIELDS) {
    a.facets(c.query, { fields: [f], approximate: process.argv[4] === 'approx' })
    const t: number[] = []
    for (let i = 0; i < 3; i++) { const s = performance.now(); a.facets(c.query, { fields: [f], approximate: process.argv[4] === 'approx' }); t.push(performance.now() - s) }
    t.sort((x, y) => x - y); total += t[1]!
    parts.push(`${f}:${facetSource(f, c.query)[0]}=${t[1]!.toFixed(0)}`)
  }
  console.log(c.name.padEnd(50), total.toFixed(0).padStart(6), parts.join(' '))
}
