/**
 * `npm run bench` (node --import tsx bench/run.ts): the performance budgets of DESIGN.md §7 as
 * ratios measured side by side in one run, on seeded archives of 1M and 10M events.
 *
 * Environment:
 *   BENCH_SIZES     comma list of sizes (default "1m,10m"; "1m" for a quick run)
 *   BENCH_SEED      workload seed (default 1)
 *   BENCH_SECTIONS  comma list among ingest,queries,facets,export,sync,renderer (default all)
 *   BENCH_OUT       results path without extension (default bench/results/latest)
 *
 * Generated archives, the DuckDB Parquet copies and the NDJSON for jq are cached in bench/data
 * (git-ignored) by size, seed and a hash of the schema and generator.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BENCH_DATA_DIR, benchArchive, sizeLabel } from './archive/build-archive'
import { markdownReport, type BenchResults, type Budget, type SizeResults } from './report'
import { runExport } from './sections/export'
import { runFacets } from './sections/facets'
import { runIngest } from './sections/ingest'
import { runQueries } from './sections/queries'
import { runRenderer } from './sections/renderer'
import { runSync } from './sections/sync'
import { loadDuckEvents, memoryAvailableGiB, type DuckEvents } from './tools/duckdb-events'
import { eventsAsNdjson, jqAvailable } from './tools/jq-events'
import { describeMachine } from './tools/machine'
import { sqliteCliAvailable } from './tools/sqlite-cli'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SECTIONS = ['ingest', 'queries', 'facets', 'export', 'sync', 'renderer'] as const
type Section = (typeof SECTIONS)[number]

/** jq reads the whole NDJSON for each question (tens of seconds at 1M): a few representative cases. */
const JQ_CASES = ['default view (pulls hidden), newest first', 'top actor (a bot), by repository', 'free text and NOT free text']

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim())
  if (!match) throw new Error(`BENCH_SIZES: cannot read "${text}" (use e.g. 1m, 10m, 200k)`)
  const unit = match[2]!.toLowerCase() === 'm' ? 1_000_000 : match[2]!.toLowerCase() === 'k' ? 1000 : 1
  return Math.round(Number(match[1]) * unit)
}

const began = performance.now()
const log = (line: string): void => {
  const elapsed = Math.round((performance.now() - began) / 1000)
  process.stdout.write(`${`${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}`.padStart(6)}  ${line}\n`)
}

async function main(): Promise<void> {
  const started = performance.now()
  const sizes = (process.env['BENCH_SIZES'] ?? '1m,10m').split(',').map(parseSize)
  const seed = Number(process.env['BENCH_SEED'] ?? 1)
  const sections = new Set<Section>(
    (process.env['BENCH_SECTIONS'] ?? SECTIONS.join(',')).split(',').map((s) => {
      if (!(SECTIONS as readonly string[]).includes(s.trim())) throw new Error(`BENCH_SECTIONS: unknown section "${s}"`)
      return s.trim() as Section
    })
  )
  const outBase = path.resolve(process.env['BENCH_OUT'] ?? path.join(REPO, 'bench/results/latest'))
  const work = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-bench-'))
  const cli = sqliteCliAvailable()
  const jq = jqAvailable()
  const results: BenchResults = {
    machine: describeMachine(),
    settings: { sizes, seed, sections: [...sections], queryRuns: '20 (10 at 10M), after 3 (2) warm-up runs', duckdbRuns: '5 (2 at 10M, first pages only)', facetRuns: '3 to 30 within 1.5 s per measure (2 to 10 at 10M); work over 1.5 s measured once', ingestEvents: 20000, syncEvents: 10000 },
    sizes: [],
    budgets: [],
    notes: []
  }
  if (!cli) results.notes.push('sqlite3 shell not found: the shell comparisons were skipped.')
  if (!jq) results.notes.push('jq not found: the jq comparison was skipped.')
  log(`registry-audit bench: sizes ${sizes.map(sizeLabel).join(', ')}, seed ${seed}, commit ${results.machine.commit.slice(0, 10)}`)

  try {
    if (sections.has('ingest')) {
      log('ingest: real writer vs bare inserts…')
      results.ingest = runIngest(work, { events: 20_000, seed: seed + 1000, rounds: 3 })
      log(
        `  writer ${results.ingest.writer.eventsPerSecond}/s, bare ${results.ingest.bare.eventsPerSecond}/s → ratio ${results.ingest.ratio}; ` +
          `CPU ${results.ingest.writer.cpuUsPerEvent} vs ${results.ingest.bare.cpuUsPerEvent} µs/event → ${results.ingest.cpuRatio}`
      )
    }

    for (const size of sizes) {
      const label = sizeLabel(size)
      log(`${label}: archive…`)
      const info = benchArchive(size, seed, (line) => log(line))
      log(`  ${info.cached ? 'cached' : `generated in ${Math.round((info.buildMs ?? 0) / 1000)} s`}: ${info.file} (${(info.bytes / 2 ** 30).toFixed(2)} GiB)`)
      const sizeResults: SizeResults = { label, events: info.events, archive: { ...info, file: path.relative(REPO, info.file) } }
      results.sizes.push(sizeResults)

      if (sections.has('queries')) {
        let duck: DuckEvents | undefined
        // DuckDB holds every column in memory: about a kilobyte an event, raw records included.
        const needGiB = (info.events * 1100) / 2 ** 30 + 2
        if (memoryAvailableGiB() > needGiB) {
          log('  loading DuckDB…')
          duck = await loadDuckEvents(info.file, path.join(BENCH_DATA_DIR, `events-${label}-s${seed}-${info.key}.parquet`), (line) => log(line))
          if (duck) sizeResults.duckdbLoad = { ms: duck.loadMs, fromCache: duck.fromCache }
          else results.notes.push('@duckdb/node-api not installed: the DuckDB comparison was skipped.')
        } else {
          results.notes.push(`${label}: not enough memory for DuckDB's in-memory copy (${Math.round(memoryAvailableGiB())} GiB available, ~${Math.round(needGiB)} GiB needed); DuckDB skipped.`)
        }
        let jqFile: string | undefined
        // jq at 10M would read ~10 GB per question: minutes each. Timed at the first size only, up to 2M.
        if (jq && size === sizes[0] && size <= 2_000_000) {
          log('  NDJSON for jq…')
          jqFile = path.join(BENCH_DATA_DIR, `events-${label}-s${seed}-${info.key}.ndjson`)
          sizeResults.ndjson = await eventsAsNdjson(info.file, jqFile)
        }
        log('  queries…')
        // At 10M every slow case costs ten times as much: fewer repetitions keep the run in time.
        const large = size >= 5_000_000
        try {
          sizeResults.queries = await runQueries(info.file, {
            runs: large ? 10 : 20,
            warmup: large ? 2 : 3,
            duckRuns: large ? 2 : 5,
            duckDeepPages: !large,
            cli,
            duck,
            jq: jqFile === undefined ? undefined : { file: jqFile, cases: JQ_CASES },
            log
          })
        } finally {
          duck?.close()
        }
        for (const c of sizeResults.queries.cases) {
          log(
            `    ${c.name.padEnd(52)} p50 ${c.first.app.wall.p50.toFixed(2).padStart(7)} p95 ${c.first.app.wall.p95.toFixed(2).padStart(7)} ms` +
              `  vs shell ${String(c.first.vsCli ?? '–').padStart(5)}  vs DuckDB ${String(c.first.vsDuckdb ?? '–').padStart(6)}` +
              (c.first.jqFactor !== undefined ? `  jq ×${Math.round(c.first.jqFactor)}` : '')
          )
        }
      }
      if (sections.has('facets')) {
        log('  facets and histogram…')
        sizeResults.facets = runFacets(
          info.file,
          size >= 5_000_000 ? { warmup: 1, minRuns: 2, maxRuns: 10, budgetMs: 1500 } : { warmup: 2, minRuns: 3, maxRuns: 30, budgetMs: 1500 },
          { skipSlowExact: size >= 5_000_000 }
        )
        for (const f of sizeResults.facets) {
          log(
            `    ${f.name.padEnd(52)} facets p95 ${(f.facets?.p95.toFixed(1) ?? '–').padStart(8)} ms (estimates allowed ${f.facetsEstimated.p95.toFixed(1).padStart(7)})` +
              `  count ${f.count.p95.toFixed(1).padStart(7)}  histogram ${f.histogram.p95.toFixed(1).padStart(7)} ms`
          )
        }
      }
      if (size === sizes[0]) {
        if (sections.has('export')) {
          log('  CSV export…')
          results.export = await runExport(info.file, work, { cli })
          log(`    app ${results.export.app.ms} ms, shell ${results.export.cli?.ms ?? '–'} ms → ratio ${results.export.vsCli ?? '–'}; RSS growth ${results.export.growthMiB} MiB`)
        }
        if (sections.has('sync')) {
          log('  sync from the Docker Hub simulator…')
          results.sync = await runSync(info.file, work, { events: 10_000, log })
          log(`    ${results.sync.eventsPerSecond} events/s, ${results.sync.cpuMsPer1000} ms CPU per 1,000; query p95 idle ${results.sync.latency.idle.p95} ms, during sync ${results.sync.latency.duringSync.p95} ms`)
        }
        if (sections.has('renderer')) {
          log('  renderer in Chromium…')
          results.renderer = await runRenderer(info.file, work, { log })
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
    results.durationMs = Math.round(performance.now() - started)
    results.machine.load.end = os.loadavg()[0]
    results.budgets = budgets(results)
    mkdirSync(path.dirname(outBase), { recursive: true })
    writeFileSync(`${outBase}.json`, `${JSON.stringify(results, null, 2)}\n`)
    writeFileSync(`${outBase}.md`, `${markdownReport(results)}\n`)
    log('')
    log('budgets:')
    for (const b of results.budgets) log(`  ${b.met === null ? 'n/a ' : b.met ? 'met ' : 'MISS'}  ${b.what}: ${b.measured} (goal ${b.goal})`)
    log(`results: ${path.relative(process.cwd(), outBase)}.json / .md (${Math.round(results.durationMs / 1000)} s)`)
  }
}

/** Every budget of DESIGN.md §7 and issue 5 against what this run measured. */
function budgets(results: BenchResults): Budget[] {
  const out: Budget[] = []
  const max = (values: number[]): number => Math.max(...values.filter((v) => Number.isFinite(v)))
  if (results.ingest) {
    const i = results.ingest
    out.push({
      what: 'ingest, writer vs bare inserts (events/s, best of rounds; CPU per event)',
      goal: '≥ 0.7',
      measured: `${i.ratio} by wall clock (${i.writer.eventsPerSecond} vs ${i.bare.eventsPerSecond} events/s), ${i.cpuRatio} by CPU (${i.writer.cpuUsPerEvent} vs ${i.bare.cpuUsPerEvent} µs/event)`,
      met: i.ratio >= 0.7 && i.cpuRatio >= 0.7
    })
  }
  for (const size of results.sizes) {
    const limit = size.events >= 10_000_000 ? 150 : 50
    const cases = size.queries?.cases
    if (cases) {
      const worst = cases.reduce((a, b) => (b.first.app.wall.p95 > a.first.app.wall.p95 ? b : a))
      const over = cases.filter((c) => c.first.app.wall.p95 > limit).map((c) => c.name)
      out.push({
        what: `${size.label}: first page p95, every case`,
        goal: `≤ ${limit} ms`,
        measured: `worst ${worst.first.app.wall.p95} ms (${worst.name})${over.length > 0 ? `; over: ${over.join('; ')}` : ''}`,
        met: over.length === 0
      })
      const vsCli = cases.map((c) => c.first.vsCli ?? Number.NaN).filter(Number.isFinite)
      if (vsCli.length > 0) {
        const sorted = [...vsCli].sort((a, b) => a - b)
        out.push({
          what: `${size.label}: first page vs sqlite3 shell (CPU p50 ratio)`,
          goal: '≤ 1.2',
          measured: `median ${sorted[Math.floor(sorted.length / 2)]}, worst ${max(vsCli)}`,
          met: max(vsCli) <= 1.2
        })
      }
      const vsDuck = cases.map((c) => c.first.vsDuckdb ?? Number.NaN).filter(Number.isFinite)
      if (vsDuck.length > 0) {
        const faster = vsDuck.filter((r) => r < 1).length
        out.push({
          what: `${size.label}: first page vs DuckDB (app / DuckDB wall p50)`,
          goal: size.events >= 10_000_000 ? 'app faster (< 1)' : 'report',
          measured: `app faster in ${faster} of ${vsDuck.length} cases, worst ${max(vsDuck)}`,
          met: size.events >= 10_000_000 ? faster === vsDuck.length : null
        })
      }
      const jqFactors = cases.map((c) => c.first.jqFactor ?? Number.NaN).filter(Number.isFinite)
      if (jqFactors.length > 0) {
        out.push({ what: `${size.label}: jq over NDJSON, time / app time`, goal: 'report', measured: `×${Math.round(Math.min(...jqFactors))} to ×${Math.round(max(jqFactors))}`, met: null })
      }
    }
    if (size.facets && size.events <= 1_000_000) {
      for (const [which, pick] of [
        ['exact', (f: (typeof size.facets)[number]) => f.facets?.p95 ?? Number.NaN],
        ['estimates allowed', (f: (typeof size.facets)[number]) => f.facetsEstimated.p95]
      ] as const) {
        const worst = size.facets.reduce((a, b) => (pick(b) > pick(a) ? b : a))
        const over = size.facets.filter((f) => pick(f) > 200).map((f) => f.name)
        out.push({
          what: `${size.label}: facet counts p95, every case (${which})`,
          goal: '≤ 200 ms',
          measured: `worst ${pick(worst)} ms (${worst.name})${over.length > 0 ? `; over: ${over.join('; ')}` : ''}`,
          met: over.length === 0
        })
      }
    }
  }
  if (results.export) {
    const e = results.export
    out.push({
      what: `CSV export of ${e.rows.toLocaleString('en')} rows`,
      goal: '≤ 5 s',
      measured: `${(e.app.ms / 1000).toFixed(2)} s${e.cli ? ` (the sqlite3 shell: ${(e.cli.ms / 1000).toFixed(2)} s)` : ''}`,
      met: e.app.ms <= 5000
    })
    if (e.vsCli !== undefined) out.push({ what: 'CSV export vs sqlite3 shell CSV mode', goal: '≤ 1.5', measured: `${e.vsCli}`, met: e.vsCli <= 1.5 })
    out.push({
      what: 'CSV export memory flat (median RSS, last fifth less first fifth)',
      goal: 'growth ≤ 32 MiB',
      measured: `${e.growthMiB} MiB (peak ${e.app.rssPeakMiB} MiB)`,
      met: e.growthMiB <= 32
    })
  }
  if (results.sync) {
    const s = results.sync
    out.push({ what: 'sync throughput (Docker Hub simulator, page size 100)', goal: 'report', measured: `${s.eventsPerSecond} events/s, ${s.cpuMsPer1000} ms CPU / 1,000`, met: null })
    out.push({ what: 'query p95 while a sync writes (app core, pages on the page writer thread)', goal: '≤ 50 ms (first-page budget)', measured: `${s.latency.duringSync.p95} ms (idle ${s.latency.idle.p95} ms)`, met: s.latency.duringSync.p95 <= 50 })
  }
  if (results.renderer && results.renderer.skipped === undefined) {
    const r = results.renderer
    out.push({ what: 'first table row painted', goal: '≤ 1 s', measured: `${Math.round(r.firstRowMs ?? Number.NaN)} ms`, met: (r.firstRowMs ?? Infinity) <= 1000 })
    out.push({ what: 'scrolling: blank rows beyond one frame', goal: 'none', measured: `longest blank stretch ${Math.round(r.longestBlankMs ?? 0)} ms, ${r.blankFrames} of ${r.sampledFrames} frames`, met: (r.longestBlankMs ?? 0) <= (r.frames?.p50 ?? 17) * 1.5 })
    out.push({ what: 'filter change to updated table', goal: 'report (first page ≤ 50 ms + render)', measured: `p95 ${Math.round(r.filterUpdate?.p95 ?? Number.NaN)} ms`, met: null })
  }
  return out
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
