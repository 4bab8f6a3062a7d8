import Database from 'better-sqlite3'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Archive } from '../../src/main/core/db/archive'
import { BENCH_ACCOUNTS } from '../workload/bench-accounts'
import { benchConnectors, EVENT_COLUMNS, EventRowBuilder } from '../workload/event-rows'
import { benchEventStream } from '../workload/event-stream'
const N = 20000
const b = new EventRowBuilder(benchConnectors(), Date.now())
const rows = [...benchEventStream(N, 77)].map((r) => b.row(r))
const dir = mkdtempSync(path.join(os.tmpdir(), 'inscost-'))
function run(name: string, prep: (db: Database.Database) => void, sync: string) {
  const f = path.join(dir, name + '.db')
  const a = Archive.open(f); for (const s of BENCH_ACCOUNTS) a.addAccount({ name: s.name, kind: s.kind, url: s.url, options: s.options }); a.close()
  const db = new Database(f); db.pragma('journal_mode = WAL'); db.pragma('synchronous = ' + sync); db.pragma('cache_size = -32768')
  prep(db)
  const ins = db.prepare(`INSERT INTO events (${EVENT_COLUMNS.join(',')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(',')}) ON CONFLICT DO NOTHING`)
  const tx = db.transaction((p: unknown[][]) => { for (const r of p) ins.run(r) })
  const t = performance.now(); const c = process.cpuUsage()
  for (let i = 0; i < rows.length; i += 100) tx(rows.slice(i, i + 100))
  const u = process.cpuUsage(c)
  console.log(name.padEnd(28), sync.padEnd(7), Math.round(N / ((performance.now() - t) / 1000)), 'rows/s  cpu µs/row', ((u.user + u.system) / N).toFixed(1))
  db.close()
}
const dropFacets = (db: Database.Database) => { for (const t of ['insert','delete','update']) db.exec(`DROP TRIGGER events_facet_counts_${t}`) }
const dropFts = (db: Database.Database) => { for (const t of ['insert','delete','update']) db.exec(`DROP TRIGGER events_fts_${t}`) }
const narrow = (db: Database.Database) => { for (const [n, c] of [['events_occurred_at','occurred_at'],['events_account','account_id, occurred_at'],['events_label','label, occurred_at'],['events_repository','repository, occurred_at'],['events_tag','tag, occurred_at'],['events_digest','digest, occurred_at'],['events_verb','verb, occurred_at'],['events_activity','activity, occurred_at'],['events_actor','actor, occurred_at'],['events_outcome','outcome, occurred_at'],['events_client_ip','client_ip, occurred_at']]) { db.exec(`DROP INDEX ${n}; CREATE INDEX ${n} ON events (${c})`) } }
for (const sync of ['FULL', 'NORMAL']) {
  run('full-schema-' + sync, () => {}, sync)
  run('no-facet-triggers-' + sync, dropFacets, sync)
  run('no-facets-narrow-idx-' + sync, (db) => { dropFacets(db); narrow(db) }, sync)
  run('no-facets-narrow-no-fts-' + sync, (db) => { dropFacets(db); narrow(db); dropFts(db) }, sync)
}
