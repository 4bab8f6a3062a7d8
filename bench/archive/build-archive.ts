import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Archive } from '../../src/main/core/db/archive'
import { MIGRATIONS } from '../../src/main/core/db/migrations/index'
import { FACET_COUNTS_REBUILD_SQL } from '../../src/main/core/db/migrations/0004-query-performance'
import { BENCH_ACCOUNTS } from '../workload/bench-accounts'
import { benchConnectors, EVENT_COLUMNS, EventRowBuilder } from '../workload/event-rows'
import { benchEventStream } from '../workload/event-stream'

/**
 * Builds (or reuses) a benchmark archive: `size` events of the seeded workload, in a file created
 * by the real Archive (all migrations) and filled fast: the events table's indexes and triggers
 * are set aside, rows go in with one prepared statement in large transactions, then the same
 * indexes and triggers are created again from their stored SQL and the FTS index and every table
 * derived from events are rebuilt. The result is the schema and content the writer would have
 * produced, in a fraction of the time.
 *
 * Files are cached under bench/data by size, seed and a hash of the schema and this generator, so
 * a schema change (a new migration) or a generator change builds afresh.
 */

/** Bump when the workload or the build changes what a file holds. */
const GENERATOR_VERSION = 'bench-archive-3'

export interface BenchArchiveInfo {
  file: string
  events: number
  seed: number
  /** The archive's file size in bytes (with its WAL checkpointed). */
  bytes: number
  /** Time spent building it; absent when it came from the cache. */
  buildMs?: number
  cached: boolean
  key: string
}

interface Manifest {
  key: string
  events: number
  seed: number
  buildMs: number
}

/** Where generated archives and other large bench files live (git-ignored). */
export const BENCH_DATA_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../data')

/** The cache key: schema + generator + size + seed. */
export function archiveKey(size: number, seed: number): string {
  const schema = MIGRATIONS.map((m) => `${m.version}:${m.sql}`).join('\n')
  return createHash('sha256').update(`${GENERATOR_VERSION}\n${schema}\n${size}\n${seed}`).digest('hex').slice(0, 12)
}

export function sizeLabel(size: number): string {
  return size % 1_000_000 === 0 ? `${size / 1_000_000}m` : size % 1000 === 0 ? `${size / 1000}k` : String(size)
}

export function benchArchive(size: number, seed: number, log: (line: string) => void = () => {}): BenchArchiveInfo {
  const key = archiveKey(size, seed)
  mkdirSync(BENCH_DATA_DIR, { recursive: true })
  const file = path.join(BENCH_DATA_DIR, `archive-${sizeLabel(size)}-s${seed}-${key}.db`)
  const manifestFile = `${file}.json`
  if (existsSync(file) && existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest
    if (manifest.key === key) {
      return { file, events: manifest.events, seed, bytes: statSync(file).size, cached: true, key }
    }
  }
  const started = performance.now()
  const building = `${file}.building`
  for (const leftover of [building, `${building}-wal`, `${building}-shm`]) rmSync(leftover, { force: true })
  const events = build(building, size, seed, log)
  renameSync(building, file)
  const buildMs = Math.round(performance.now() - started)
  writeFileSync(manifestFile, JSON.stringify({ key, events, seed, buildMs } satisfies Manifest))
  return { file, events, seed, bytes: statSync(file).size, buildMs, cached: false, key }
}

function build(file: string, size: number, seed: number, log: (line: string) => void): number {
  // The real archive creates the file: every migration, the accounts in BENCH_ACCOUNTS order.
  const archive = Archive.open(file)
  for (const spec of BENCH_ACCOUNTS) {
    archive.addAccount({ name: spec.name, kind: spec.kind, url: spec.url, options: spec.options })
  }
  archive.close()

  const db = new Database(file)
  // A file being built from scratch needs no rollback journal (a failed build is thrown away);
  // better-sqlite3's defensive mode refuses journal_mode OFF unless told this is intended.
  db.unsafeMode(true)
  db.pragma('journal_mode = DELETE')
  db.pragma('journal_mode = OFF')
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -1000000')
  db.pragma('threads = 2')
  const setAside = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
       WHERE tbl_name = 'events' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name`
    )
    .all() as Array<{ type: string; name: string; sql: string }>
  for (const item of setAside) db.exec(`DROP ${item.type === 'index' ? 'INDEX' : 'TRIGGER'} ${item.name}`)

  const insert = db.prepare(
    `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (account_id, source_event_id) DO NOTHING`
  )
  const builder = new EventRowBuilder(benchConnectors(), Date.parse('2025-06-01T00:05:00.000Z'))
  const stream = benchEventStream(size, seed)
  const batch = 100_000
  let written = 0
  const started = performance.now()
  const insertBatch = db.transaction((count: number) => {
    for (let i = 0; i < count; i++) {
      const next = stream.next()
      if (next.done === true) return
      insert.run(builder.row(next.value))
      written++
    }
  })
  while (written < size) {
    insertBatch(Math.min(batch, size - written))
    if (written % 1_000_000 === 0 || written === size) {
      log(`  ${written.toLocaleString('en')} rows (${Math.round(written / ((performance.now() - started) / 1000)).toLocaleString('en')}/s)`)
    }
  }

  let phase = performance.now()
  for (const item of setAside.filter((i) => i.type === 'index')) db.exec(item.sql)
  log(`  indexes ${Math.round(performance.now() - phase)} ms`)
  phase = performance.now()
  db.exec("INSERT INTO events_fts (events_fts) VALUES ('rebuild')")
  log(`  full-text index ${Math.round(performance.now() - phase)} ms`)
  for (const item of setAside.filter((i) => i.type === 'trigger')) db.exec(item.sql)
  phase = performance.now()
  rebuildDerivedTables(db)
  log(`  derived tables ${Math.round(performance.now() - phase)} ms`)
  const head = db.prepare('INSERT INTO chain_heads (account_id, head, count) VALUES (?, ?, ?)')
  builder.heads.forEach((h, index) => {
    if (h.count > 0) head.run(index + 1, h.head, h.count)
  })
  db.pragma('journal_mode = WAL')
  db.unsafeMode(false)
  db.close()

  // The planner statistics an archive in use has: the app's own close() leaves them (PRAGMA
  // optimize after the session's queries), so open, query, close through the app.
  phase = performance.now()
  const reopened = Archive.open(file)
  reopened.queryEvents({ query: {} })
  reopened.close()
  log(`  statistics ${Math.round(performance.now() - phase)} ms`)
  return written
}

/**
 * Tables the triggers keep from events (the bulk load ran with the triggers set aside) are
 * recomputed from the events by the migration's own statements.
 */
function rebuildDerivedTables(db: Database.Database): void {
  db.exec(FACET_COUNTS_REBUILD_SQL)
}
