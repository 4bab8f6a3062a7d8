import Database from 'better-sqlite3'
import { Archive } from '../../src/main/core/db/archive'
const file = process.argv[2]!
const a = Archive.open(file)
const db = new Database(file, { readonly: true })
db.pragma('cache_size = -32768')
const req = JSON.parse(process.argv[3]!)
for (let k = 0; k < 3; k++) { const s = performance.now(); a.queryEvents(req); console.log('app', (performance.now()-s).toFixed(1)) }
for (const st of a.queryPlan(req)) {
  const p = db.prepare(st.sql)
  const t: number[] = []
  let n = 0
  for (let i = 0; i < 3; i++) { const s = performance.now(); n = p.all(...st.params).length; t.push(performance.now() - s) }
  console.log(t.map(x => x.toFixed(1)).join(' '), n, st.sql.slice(0, 300), JSON.stringify(st.params).slice(0,200), st.plan)
}
