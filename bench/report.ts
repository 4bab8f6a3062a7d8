import type { BenchArchiveInfo } from './archive/build-archive'
import type { ExportResult } from './sections/export'
import type { FacetCaseResult } from './sections/facets'
import type { IngestResult } from './sections/ingest'
import type { PageTimes, QueryCaseResult } from './sections/queries'
import type { RendererResult } from './sections/renderer'
import type { SyncResult } from './sections/sync'
import type { MachineInfo } from './tools/machine'

/** Everything one `npm run bench` measured, as written to bench/results/*.json. */
export interface BenchResults {
  machine: MachineInfo
  settings: Record<string, unknown>
  durationMs?: number
  sizes: SizeResults[]
  ingest?: IngestResult
  export?: ExportResult
  sync?: SyncResult
  renderer?: RendererResult
  budgets: Budget[]
  notes: string[]
}

export interface SizeResults {
  label: string
  events: number
  archive: Omit<BenchArchiveInfo, 'file'> & { file: string }
  duckdbLoad?: { ms: number; fromCache: boolean }
  ndjson?: { ms: number; cached: boolean }
  queries?: { values: Record<string, string>; cases: QueryCaseResult[] }
  facets?: FacetCaseResult[]
}

export interface Budget {
  what: string
  goal: string
  measured: string
  met: boolean | null
}

const fmt = (value: number | undefined | null, digits = 1): string =>
  value === undefined || value === null || Number.isNaN(value) ? '–' : value.toFixed(digits)

function pageRow(name: string, page: PageTimes): string {
  return [
    name,
    page.rows,
    fmt(page.app.wall.p50, 2),
    fmt(page.app.wall.p95, 2),
    fmt(page.app.cpu.p50, 2),
    fmt(page.cli?.cpu.p50, 2),
    fmt(page.vsCli, 2),
    `${fmt(page.duckdb?.p50, 1)}${page.duckdbSameIds === false ? ' ≠' : ''}`,
    fmt(page.vsDuckdb, 3),
    page.jq ? `${fmt(page.jq.wallMs / 1000, 1)} s (×${fmt(page.jqFactor, 0)})${page.jq.sameIds ? '' : ' ≠'}` : '',
    page.flags.length > 0 ? page.flags.map((f) => f.replace(/\|/g, '/')).join('; ') : ''
  ].join(' | ')
}

export function markdownReport(results: BenchResults): string {
  const m = results.machine
  const out: string[] = []
  out.push('# Benchmark results (issue 5, DESIGN.md §7)', '')
  out.push(
    `Run ${m.date} on commit \`${m.commit}\`${m.dirty ? ' (with uncommitted changes)' : ''}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; ` +
      `Node ${m.node}, SQLite ${m.sqliteApp} (app, better-sqlite3) and ${m.sqliteCli} (sqlite3 shell), ${m.jq}, DuckDB ${m.duckdb}. ` +
      `Load average (1 min) ${fmt(m.load.start, 2)} at the start, ${fmt(m.load.end, 2)} at the end (the machine is shared). ` +
      `Whole run: ${fmt((results.durationMs ?? 0) / 60000, 1)} min.`,
    ''
  )
  out.push('## Budgets', '', '| what | goal | measured | met |', '|---|---|---|---|')
  for (const b of results.budgets) out.push(`| ${b.what} | ${b.goal} | ${b.measured} | ${b.met === null ? 'n/a' : b.met ? 'yes' : '**no**'} |`)
  out.push('')
  if (results.notes.length > 0) out.push('## Notes', '', ...results.notes.map((n) => `- ${n}`), '')

  for (const size of results.sizes) {
    out.push(`## ${size.label}: ${size.events.toLocaleString('en')} events`, '')
    out.push(
      `Archive ${(size.archive.bytes / 2 ** 30).toFixed(2)} GiB` +
        (size.archive.buildMs !== undefined ? `, generated in ${fmt(size.archive.buildMs / 1000, 0)} s` : ', from the cache') +
        (size.duckdbLoad ? `; DuckDB table loaded in ${fmt(size.duckdbLoad.ms / 1000, 1)} s${size.duckdbLoad.fromCache ? ' (from its Parquet cache)' : ''}` : '') +
        (size.ndjson ? `; NDJSON for jq ${size.ndjson.cached ? 'from the cache' : `written in ${fmt(size.ndjson.ms / 1000, 1)} s`}` : '') +
        '.',
      ''
    )
    if (size.queries) {
      out.push(
        'Times in ms. app = Archive.queryEvents (wall p50/p95, CPU p50); shell = the same statements in the sqlite3 shell (CPU p50: its `.timer` resolves CPU in µs, wall only in ms); ' +
          '"vs shell" = app CPU / shell CPU; "vs DuckDB" = app wall / DuckDB wall (below 1: the app is faster); jq = one run over the NDJSON (× = jq time / app p50). ' +
          '≠ marks a page with other events than the app\'s (DuckDB and jq test free text as a substring, FTS as a word prefix). ' +
          'Plan notes: "sorts matches" is the sort plan, chosen when a probe found few matches (or for what a bounded walk of the sort index left), sorting only the matches\' keys; ' +
          '"full scan" would be the events table read without an index (none expected). Every statement and its plan are in the JSON.',
        ''
      )
      for (const which of ['first', 'deep'] as const) {
        out.push(`### ${which === 'first' ? 'First page' : `Deep page (page ${51} by keyset)`}`, '')
        out.push('| case | rows | app p50 | app p95 | app CPU p50 | shell CPU p50 | vs shell | DuckDB p50 | vs DuckDB | jq | plan notes |')
        out.push('|---|---|---|---|---|---|---|---|---|---|---|')
        for (const c of size.queries.cases) {
          const page = which === 'first' ? c.first : c.deep
          if (page) out.push(`| ${pageRow(c.name, page)} |`)
        }
        out.push('')
      }
    }
    if (size.facets) {
      out.push('### Facets (six fields, top 50), count and histogram, same filters', '')
      out.push(
        'Exact facets, and facets with estimates allowed (`approximate: true`: a field read from more than 50,000 matching events counts a 1-in-16 sample and says so). ' +
          '"counted from": base / actor / repository = the count tables, events = the matching events. At 10M, exact facets that must read millions of events (those estimated with estimates allowed) are not measured (–): tens of seconds each.',
        ''
      )
      out.push('| case | facets p50 | facets p95 | estimated p95 (fields) | counted from | count p95 | histogram p50 | histogram p95 |', '|---|---|---|---|---|---|---|---|')
      for (const f of size.facets) {
        const sources = [...new Set(Object.values(f.sources))].join(', ')
        const estimated = `${fmt(f.facetsEstimated.p95)}${f.estimatedFields.length > 0 ? ` (≈ ${f.estimatedFields.join(', ')})` : ''}`
        out.push(`| ${f.name} | ${fmt(f.facets?.p50)} | ${fmt(f.facets?.p95)} | ${estimated} | ${sources} | ${fmt(f.count.p95)} | ${fmt(f.histogram.p50)} | ${fmt(f.histogram.p95)} |`)
      }
      out.push('')
    }
  }
  if (results.ingest) {
    const i = results.ingest
    out.push('## Ingest', '')
    out.push(
      `${i.events.toLocaleString('en')} events into a fresh archive. Real writer (connector normalisers + Archive.writePage, pages of 100): ` +
        `${i.writer.eventsPerSecond.toLocaleString('en')}/s. Bare better-sqlite3 inserts of the same rows, same schema and settings, same page transactions: ` +
        `${i.bare.eventsPerSecond.toLocaleString('en')}/s (in one transaction: ${i.bareOneTransaction.eventsPerSecond.toLocaleString('en')}/s). Ratio **${fmt(i.ratio, 2)}** (goal ≥ 0.7), best of ${i.rounds} alternating rounds. ` +
          `CPU per event (median): writer ${fmt(i.writer.cpuUsPerEvent)} µs, bare ${fmt(i.bare.cpuUsPerEvent)} µs, one transaction ${fmt(i.bareOneTransaction.cpuUsPerEvent)} µs: ratio **${fmt(i.cpuRatio, 2)}** without the disk waits.`,
      ''
    )
  }
  if (results.export) {
    const e = results.export
    out.push('## CSV export', '')
    out.push(
      `${e.rows.toLocaleString('en')} rows. App: ${fmt(e.app.ms / 1000, 2)} s, ${fmt(e.app.bytes / 2 ** 20, 0)} MiB; RSS ${fmt(e.app.rssStartMiB, 0)} MiB before, ` +
        `peak ${fmt(e.app.rssPeakMiB, 0)} MiB, median ${fmt(e.app.rssEarlyMiB, 0)} MiB in the first fifth of the export and ${fmt(e.app.rssLateMiB, 0)} MiB in the last (growth ${fmt(e.growthMiB, 0)} MiB). ` +
        (e.cli ? `sqlite3 shell CSV mode, same rows, columns and order: ${fmt(e.cli.ms / 1000, 2)} s, peak RSS ${fmt(e.cli.peakRssMiB, 0)} MiB. Ratio **${fmt(e.vsCli, 2)}** (goal ≤ 1.5).` : ''),
      ''
    )
  }
  if (results.sync) {
    const s = results.sync
    out.push('## Sync', '')
    out.push(
      `Docker Hub simulator (own process), page size 100, into a copy of the ${results.sizes[0]?.label ?? ''} archive: ${s.events.toLocaleString('en')} events in ${s.pages} pages, ` +
        `${fmt(s.ms / 1000, 2)} s: **${s.eventsPerSecond.toLocaleString('en')} events/s**, ${fmt(s.cpuMsPer1000, 1)} ms CPU per 1,000 events (sync process).`,
      '',
      `Query latency, queries on the core's thread while a sync writes its pages on the PageWriter's thread, as in the app's core (from when each query was due): idle p50 ${fmt(s.latency.idle.p50)} / p95 ${fmt(s.latency.idle.p95)} ms; ` +
        `during a sync p50 ${fmt(s.latency.duringSync.p50)} / p95 ${fmt(s.latency.duringSync.p95)} / max ${fmt(s.latency.duringSync.max)} ms over ${s.latency.queriesDuringSync} queries (that sync ran at ${s.latency.syncEventsPerSecond.toLocaleString('en')} events/s).`,
      ''
    )
  }
  if (results.renderer) {
    const r = results.renderer
    out.push('## Renderer (browser mode, Chromium, 1M archive)', '')
    if (r.skipped) out.push(`Skipped: ${r.skipped}`, '')
    else {
      out.push(
        `First table row painted ${fmt(r.firstRowMs, 0)} ms after navigation. Scrolling ${r.scrolledRows?.toLocaleString('en')} rows: frame p50 ${fmt(r.frames?.p50)} / p95 ${fmt(r.frames?.p95)} / max ${fmt(r.frames?.max)} ms, ` +
          `${r.blankFrames} frames with blank rows of ${r.sampledFrames} sampled, longest blank stretch ${fmt(r.longestBlankMs, 0)} ms. Filter change to updated table: p50 ${fmt(r.filterUpdate?.p50, 0)} / p95 ${fmt(r.filterUpdate?.p95, 0)} ms.`,
        ''
      )
    }
  }
  return out.join('\n')
}
