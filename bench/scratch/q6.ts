import Database from 'better-sqlite3'
const db = new Database(process.argv[2]!, { readonly: true })
db.pragma('cache_size = -32768')
const qs: Array<[string, string, unknown[]]> = [
  ['prefix-range', `SELECT count(*) FROM events_fts WHERE events_fts MATCH ? AND rowid BETWEEN ? AND ?`, ['"latest"*', 989000, 1000000]],
  ['exact-range', `SELECT count(*) FROM events_fts WHERE events_fts MATCH ? AND rowid BETWEEN ? AND ?`, ['"latest"', 989000, 1000000]],
  ['prefix-all', `SELECT count(*) FROM events_fts WHERE events_fts MATCH ?`, ['"latest"*']],
  ['exact-all', `SELECT count(*) FROM events_fts WHERE events_fts MATCH ?`, ['"latest"']],
  ['uuid-prefix-range', `SELECT count(*) FROM events_fts WHERE events_fts MATCH ? AND rowid BETWEEN ? AND ?`, ['"aec3c77e-9398-419e-aa9b-e51e5b8b3d38"*', 989000, 1000000]],
  ['uuid-exact-range', `SELECT count(*) FROM events_fts WHERE events_fts MATCH ? AND rowid BETWEEN ? AND ?`, ['"aec3c77e-9398-419e-aa9b-e51e5b8b3d38"', 989000, 1000000]],
]
for (const [k, sql, params] of qs) {
  const st = db.prepare(sql)
  const t: number[] = []
  let n = 0
  for (let i = 0; i < 5; i++) { const s = performance.now(); n = st.pluck().get(...params) as number; t.push(performance.now() - s) }
  t.sort((a,b)=>a-b)
  console.log(k.padEnd(20), n, t.map(x=>x.toFixed(1)).join(' '))
}
