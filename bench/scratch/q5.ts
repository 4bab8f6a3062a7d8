import Database from 'better-sqlite3'
const db = new Database(process.argv[2]!, { readonly: true })
db.pragma('cache_size = -32768')
const cols = 'id, account_id, source_event_id, occurred_at, action, verb, activity, outcome, actor, actor_kind, namespace, repository, tag, digest, target, client_ip, user_agent, label, raw'
const qs: Array<[string, string, unknown[]]> = [
  ['inlist', `SELECT ${cols} FROM events INDEXED BY events_occurred_at WHERE activity <> 'pull' AND id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) ORDER BY occurred_at DESC, id DESC LIMIT 101`, ['"api"*']],
  ['exists', `SELECT ${cols} FROM events INDEXED BY events_occurred_at WHERE activity <> 'pull' AND EXISTS (SELECT 1 FROM events_fts WHERE events_fts MATCH ? AND rowid = events.id) ORDER BY occurred_at DESC, id DESC LIMIT 101`, ['"api"*']],
  ['inlist2', `SELECT ${cols} FROM events INDEXED BY events_occurred_at WHERE activity <> 'pull' AND id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) AND id NOT IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) ORDER BY occurred_at DESC, id DESC LIMIT 101`, ['"latest"*', '"aec3c77e-9398-419e-aa9b-e51e5b8b3d38"*']],
  ['exists2', `SELECT ${cols} FROM events INDEXED BY events_occurred_at WHERE activity <> 'pull' AND EXISTS (SELECT 1 FROM events_fts WHERE events_fts MATCH ? AND rowid = events.id) AND NOT EXISTS (SELECT 1 FROM events_fts WHERE events_fts MATCH ? AND rowid = events.id) ORDER BY occurred_at DESC, id DESC LIMIT 101`, ['"latest"*', '"aec3c77e-9398-419e-aa9b-e51e5b8b3d38"*']],
  ['ftscount', `SELECT count(*) FROM events_fts WHERE events_fts MATCH ?`, ['"latest"*']],
  ['ftscount2', `SELECT count(*) FROM events_fts WHERE events_fts MATCH ?`, ['"api"*']],
]
for (const [k, sql, params] of qs) {
  const st = db.prepare(sql)
  const t: number[] = []
  let n = 0
  for (let i = 0; i < 5; i++) { const s = performance.now(); const r = st.all(...params); n = r.length; t.push(performance.now() - s) }
  t.sort((a,b)=>a-b)
  console.log(k.padEnd(10), n, t.map(x=>x.toFixed(1)).join(' '), (db.prepare('EXPLAIN QUERY PLAN ' + sql).all(...params) as any[]).map(r => r.detail).join(' / '))
}
