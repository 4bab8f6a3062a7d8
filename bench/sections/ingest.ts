import Database from 'better-sqlite3'
import path from 'node:path'
import { Archive } from '../../src/main/core/db/archive'
import type { IngestEvent } from '../../src/main/core/db/archive-types'
import { BENCH_ACCOUNTS } from '../workload/bench-accounts'
import { benchConnectors, EVENT_COLUMNS, EventRowBuilder, toIngestEvent, type EventRowValues } from '../workload/event-rows'
import { benchEventStream, type StreamRecord } from '../workload/event-stream'
import { ratio, round } from '../tools/stats'

/**
 * Ingest: the real sync path (each raw record through its connector's normaliser and id rule,
 * then Archive.writePage in pages of 100, one transaction each, with the integrity chain) against
 * bare better-sqlite3 inserts of the same finished rows into the same schema, with the same
 * connection settings and the same page transactions; and, for reference, bare inserts in one
 * transaction. Each side gets a fresh archive; the best of two alternating rounds counts, to damp
 * other load on a shared machine.
 */

const PAGE = 100

export interface IngestResult {
  events: number
  writer: { eventsPerSecond: number; ms: number }
  bare: { eventsPerSecond: number; ms: number }
  bareOneTransaction: { eventsPerSecond: number; ms: number }
  /** writer / bare events per second (goal ≥ 0.7). */
  ratio: number
}

/** Records grouped by account, in stream order within each: what a sync of each account writes. */
function byAccount<T extends { account: number }>(records: T[]): T[][] {
  const groups = BENCH_ACCOUNTS.map(() => [] as T[])
  for (const record of records) groups[record.account]!.push(record)
  return groups
}

function freshArchive(file: string): Archive {
  const archive = Archive.open(file)
  for (const spec of BENCH_ACCOUNTS) archive.addAccount({ name: spec.name, kind: spec.kind, url: spec.url, options: spec.options })
  return archive
}

function runWriter(file: string, records: StreamRecord[][]): number {
  const archive = freshArchive(file)
  const connectors = benchConnectors()
  const started = performance.now()
  records.forEach((group, index) => {
    for (let i = 0; i < group.length; i += PAGE) {
      const page: IngestEvent[] = group.slice(i, i + PAGE).map((record) => toIngestEvent(record, connectors))
      archive.writePage(index + 1, BENCH_ACCOUNTS[index]!.stream, page, { page: i / PAGE })
    }
  })
  const ms = performance.now() - started
  archive.close()
  return ms
}

function runBare(file: string, rows: EventRowValues[][], oneTransaction: boolean): number {
  freshArchive(file).close()
  const db = new Database(file)
  // The archive's own connection settings (schema-migrations.ts and Archive.open).
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('cache_size = -32768')
  const insert = db.prepare(
    `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (account_id, source_event_id) DO NOTHING`
  )
  const write = db.transaction((page: EventRowValues[]) => {
    for (const row of page) insert.run(row)
  })
  const started = performance.now()
  if (oneTransaction) write(rows.flat())
  else for (const group of rows) for (let i = 0; i < group.length; i += PAGE) write(group.slice(i, i + PAGE))
  const ms = performance.now() - started
  db.close()
  return ms
}

export function runIngest(dir: string, options: { events: number; seed: number }): IngestResult {
  const records = [...benchEventStream(options.events, options.seed)]
  const grouped = byAccount(records)
  const builder = new EventRowBuilder(benchConnectors(), Date.now())
  const rows = grouped.map((group) => group.map((record) => builder.row(record)))
  const best = { writer: Infinity, bare: Infinity, one: Infinity }
  for (let round = 0; round < 2; round++) {
    best.writer = Math.min(best.writer, runWriter(path.join(dir, `ingest-writer-${round}.db`), grouped))
    best.bare = Math.min(best.bare, runBare(path.join(dir, `ingest-bare-${round}.db`), rows, false))
    best.one = Math.min(best.one, runBare(path.join(dir, `ingest-bare-one-${round}.db`), rows, true))
  }
  const rate = (ms: number): number => Math.round(records.length / (ms / 1000))
  return {
    events: records.length,
    writer: { eventsPerSecond: rate(best.writer), ms: round(best.writer) },
    bare: { eventsPerSecond: rate(best.bare), ms: round(best.bare) },
    bareOneTransaction: { eventsPerSecond: rate(best.one), ms: round(best.one) },
    ratio: ratio(rate(best.writer), rate(best.bare))
  }
}
