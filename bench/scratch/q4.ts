import Database from 'better-sqlite3'
const db = new Database(process.argv[2]!, { readonly: true })
db.pragma('cache_size = -32768'); if (process.argv[3]) db.pragma(process.argv[3])
const actor = 'aec3c77e-9398-419e-aa9b-e51e5b8b3d38'
const qs: Record<string,string> = {
  count_old: `SELECT count(*) FROM events INDEXED BY events_actor WHERE actor = ? AND activity <> 'pull'`,
  count_new: `SELECT count(*) FROM events INDEXED BY events_actor2 WHERE actor = ? AND activity <> 'pull'`,
  keys_old: `SELECT repository, occurred_at, id FROM events INDEXED BY events_actor WHERE actor = ? AND activity <> 'pull' ORDER BY +repository, +occurred_at, +id LIMIT 101`,
  keys_new: `SELECT repository, occurred_at, id FROM events INDEXED BY events_actor2 WHERE actor = ? AND activity <> 'pull' ORDER BY +repository, +occurred_at, +id LIMIT 101`,
  order_new: `SELECT id FROM events INDEXED BY events_actor2 WHERE actor = ? ORDER BY actor, occurred_at DESC, id DESC LIMIT 101`,
}
for (const [k, sql] of Object.entries(qs)) {
  const st = db.prepare(sql)
  const t: number[] = []
  for (let i = 0; i < 5; i++) { const s = performance.now(); st.all(actor); t.push(performance.now() - s) }
  t.sort((a,b)=>a-b)
  console.log(k.padEnd(10), t.map(x=>x.toFixed(1)).join(' '), (db.prepare('EXPLAIN QUERY PLAN ' + sql).all(actor) as any[]).map(r => r.detail).join(' / '))
}
