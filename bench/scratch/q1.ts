import Database from 'better-sqlite3'
import { Archive } from '../../src/main/core/db/archive'
import { pickCaseValues, queryCases } from '../../bench/sections/query-cases'
const file = process.argv[2]!
const db = new Database(file, { readonly: true })
let t = performance.now()
const v = pickCaseValues(db)
console.log('values', Math.round(performance.now() - t), v)
const a = Archive.open(file)
for (const c of queryCases(v)) {
  const times: number[] = []
  let cursor: string | null = null
  for (let i = 0; i < 7; i++) {
    const s = performance.now()
    const p = a.queryEvents({ query: c.query, sort: c.sort, limit: 100 })
    times.push(performance.now() - s); cursor = p.nextCursor
  }
  // deep: 30 pages
  let cur: string | null = null
  for (let i = 0; i < 30 && (i === 0 || cur); i++) cur = a.queryEvents({ query: c.query, sort: c.sort, limit: 100, cursor: cur }).nextCursor
  const dt: number[] = []
  for (let i = 0; i < 5 && cur; i++) { const s = performance.now(); a.queryEvents({ query: c.query, sort: c.sort, limit: 100, cursor: cur }); dt.push(performance.now() - s) }
  const f0 = performance.now(); a.facets(c.query); const fm = performance.now() - f0
  times.sort((x, y) => x - y); dt.sort((x,y)=>x-y)
  const plan = a.queryPlan({ query: c.query, sort: c.sort, limit: 100 }).map(s => s.plan.join(' / ')).join(' || ')
  console.log(c.name.padEnd(50), 'first', times[3]!.toFixed(1), 'max', times[6]!.toFixed(1), 'deep', (dt[2] ?? NaN).toFixed(1), 'facets', fm.toFixed(0), '\n     ', plan.slice(0, 400))
}
