import Database from 'better-sqlite3'
const file = process.argv[2]!
const db = new Database(file, { readonly: true })
const pr = process.argv[3]
if (pr) for (const p of pr.split(';')) db.pragma(p)
console.log(db.pragma('mmap_size'), db.pragma('cache_size'))
const actor = 'aec3c77e-9398-419e-aa9b-e51e5b8b3d38'
const cols = 'id, account_id, source_event_id, occurred_at, action, verb, activity, outcome, actor, actor_kind, namespace, repository, tag, digest, target, client_ip, user_agent, label, raw'
const qs: Record<string,string> = {
  fullsort: `SELECT ${cols} FROM events WHERE actor = ? AND activity <> 'pull' ORDER BY +repository, +occurred_at, +id LIMIT 101`,
  keysort: `SELECT ${cols} FROM events WHERE id IN (SELECT id FROM events WHERE actor = ? AND activity <> 'pull' ORDER BY +repository, +occurred_at, +id LIMIT 101) ORDER BY repository, occurred_at, id`,
  semijoin: `SELECT ${cols} FROM events INDEXED BY events_repository WHERE id IN (SELECT id FROM events INDEXED BY events_actor WHERE actor = ?) AND activity <> 'pull' ORDER BY repository, occurred_at, id LIMIT 101`,
  count: `SELECT count(*) FROM events WHERE actor = ? AND activity <> 'pull'`,
}
for (const [k, sql] of Object.entries(qs)) {
  const st = db.prepare(sql)
  const t: number[] = []
  for (let i = 0; i < 5; i++) { const s = performance.now(); st.all(actor); t.push(performance.now() - s) }
  t.sort((a,b)=>a-b)
  console.log(k.padEnd(10), t.map(x=>x.toFixed(1)).join(' '))
}
