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
 * transaction. Each side gets a fresh archive; rounds alternate the sides, and the best wall time
 * of each counts, to damp other load on a shared machine. Every commit waits for the disk
 * (synchronous FULL), whose latency varies most on a shared machine, so the CPU time per event
 * (median of the rounds) is reported beside it as a ratio without the waits.
 */

const PAGE = 100

export interface IngestResult {
  events: number
  /** Best of the rounds (wall clock) for each side, and the median CPU time per event. */
  writer: { eventsPerSecond: number; ms: number; cpuUsPerEvent: number }
  bare: { eventsPerSecond: number; ms: number; cpuUsPerEvent: number }
  bareOneTransaction: { eventsPerSecond: number; ms: number; cpuUsPerEvent: number }
  /** writer / bare events per second, wall clock (goal ≥ 0.7). */
  ratio: number
  /** bare / writer CPU per event: the same ratio without waits for the disk (fsync per page). */
  cpuRatio: number
  rounds: number
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

interface RunTimes {
  ms: number
  cpuMs: number
}

function timed(work: () => void): RunTimes {
  const cpu = process.cpuUsage()
  const started = performance.now()
  work()
  const used = process.cpuUsage(cpu)
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
}

function runWriter(file: string, records: StreamRecord[][]): RunTimes {
  const archive = freshArchive(file)
  const connectors = benchConnectors()
  const times = timed(() => {
    records.forEach((group, index) => {
      for (let i = 0; i < group.length; i += PAGE) {
        const page: IngestEvent[] = group.slice(i, i + PAGE).map((record) => toIngestEvent(record, connectors))
        archive.writePage(index + 1, BENCH_ACCOUNTS[index]!.stream, page, { page: i / PAGE })
      }
    })
  })
  archive.close()
  return times
}

function runBare(file: string, rows: EventRowValues[][], oneTransaction: boolean): RunTimes {
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
  const times = timed(() => {
    if (oneTransaction) write(rows.flat())
    else for (const group of rows) for (let i = 0; i < group.length; i += PAGE) write(group.slice(i, i + PAGE))
  })
  db.close()
  return times
}

export function runIngest(dir: string, options: { events: number; seed: number; rounds?: number }): IngestResult {
  const records = [...benchEventStream(options.events, options.seed)]
  const grouped = byAccount(records)
  const builder = new EventRowBuilder(benchConnectors(), Date.now())
  const rows = grouped.map((group) => group.map((record) => builder.row(record)))
  const rounds = options.rounds ?? 3
  const runs = { writer: [] as RunTimes[], bare: [] as RunTimes[], one: [] as RunTimes[] }
  for (let round = 0; round < rounds; round++) {
    runs.writer.push(runWriter(path.join(dir, `ingest-writer-${round}.db`), grouped))
    runs.bare.push(runBare(path.join(dir, `ingest-bare-${round}.db`), rows, false))
    runs.one.push(runBare(path.join(dir, `ingest-bare-one-${round}.db`), rows, true))
  }
  const summary = (list: RunTimes[]): { eventsPerSecond: number; ms: number; cpuUsPerEvent: number } => {
    const best = Math.min(...list.map((r) => r.ms))
    const cpu = list.map((r) => r.cpuMs).sort((a, b) => a - b)[Math.floor(list.length / 2)]!
    return { eventsPerSecond: Math.round(records.length / (best / 1000)), ms: round(best), cpuUsPerEvent: round((cpu * 1000) / records.length) }
  }
  const writer = summary(runs.writer)
  const bare = summary(runs.bare)
  return {
    events: records.length,
    writer,
    bare,
    bareOneTransaction: summary(runs.one),
    ratio: ratio(writer.eventsPerSecond, bare.eventsPerSecond),
    cpuRatio: ratio(bare.cpuUsPerEvent, writer.cpuUsPerEvent),
    rounds
  }
}
