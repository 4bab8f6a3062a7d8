import Database from 'better-sqlite3'
import { Archive } from '../../src/main/core/db/archive'
import { decodeKeysetCursor, type KeysetPosition } from '../../src/main/core/db/keyset-cursor'
import type { PageRequest } from '../../src/shared/query'
import type { DuckEvents } from '../tools/duckdb-events'
import { jqProgram, runJq } from '../tools/jq-events'
import { cliQueryPlan, timeCasesInCli, type CliStatement } from '../tools/sqlite-cli'
import { ratio, repeat, round, summarise, type Timing } from '../tools/stats'
import { pickCaseValues, queryCases, type QueryCase } from './query-cases'

/**
 * First and deep pages of every query case, timed through the app (Archive.queryEvents), the
 * sqlite3 shell running the exact statements the app ran (Archive.queryPlan), DuckDB over the
 * same events, and jq over them as NDJSON; with each statement's query plan.
 */

/** The app's connection settings, applied to the shell too so both run SQLite the same way. */
export const APP_READ_PRAGMAS = ['cache_size = -32768']

export const PAGE = 100
/** Pages walked before the "deep" page is timed. */
export const DEEP_PAGES = 50

export interface PageTimes {
  request: PageRequest
  rows: number
  app: { wall: Timing; cpu: Timing }
  cli?: { cpu: Timing; wallMean: number }
  duckdb?: Timing
  /** Whether DuckDB's page holds the same events in the same order (free text differs by design). */
  duckdbSameIds?: boolean
  jq?: { wallMs: number; sameIds: boolean }
  /** app CPU p50 / shell CPU p50 (goal ≤ 1.2). */
  vsCli?: number
  /** app wall p50 / DuckDB wall p50 (below 1: the app is faster). */
  vsDuckdb?: number
  /** jq wall / app wall p50: how many times faster the app answers. */
  jqFactor?: number
  statements: Array<{ sql: string; params: unknown[]; plan: string[]; cliPlan?: string[] }>
  /** Plan findings: a full scan of events, or a sort of many rows. */
  flags: string[]
}

export interface QueryCaseResult {
  name: string
  first: PageTimes
  deep?: PageTimes
}

export interface QuerySectionOptions {
  runs: number
  warmup: number
  duckRuns: number
  /** Time DuckDB on the deep pages too (at 10M only first pages, to keep the run in time). */
  duckDeepPages: boolean
  cli: boolean
  duck: DuckEvents | undefined
  /** NDJSON file for jq, and the case names to time with jq (each run once). */
  jq?: { file: string; cases: readonly string[] }
  log: (line: string) => void
}

export async function runQueries(file: string, options: QuerySectionOptions): Promise<{ values: Record<string, string>; cases: QueryCaseResult[] }> {
  const probe = new Database(file, { readonly: true })
  const values = pickCaseValues(probe)
  probe.close()
  const archive = Archive.open(file, { readonly: true })
  try {
    const results: QueryCaseResult[] = []
    for (const item of queryCases(values)) {
      const first: PageRequest = { query: item.query, sort: item.sort, limit: PAGE }
      const deepRequest = deepPage(archive, item)
      results.push({
        name: item.name,
        first: timeApp(archive, first, options),
        deep: deepRequest === undefined ? undefined : timeApp(archive, deepRequest.request, options)
      })
      const last = results.at(-1)!
      if (last.deep !== undefined) (last.deep as PageTimes & { position?: KeysetPosition }).position = deepRequest!.position
    }

    if (options.cli) {
      options.log('    sqlite3 shell…')
      const pages = results.flatMap((r) => (r.deep === undefined ? [r.first] : [r.first, r.deep]))
      const cli = timeCasesInCli(
        file,
        pages.map((p) => ({ statements: p.statements as CliStatement[] })),
        { runs: options.runs, warmup: options.warmup, pragmas: APP_READ_PRAGMAS }
      )
      pages.forEach((page, index) => {
        const times = cli[index]!
        page.cli = { cpu: summarise(times.cpuMs), wallMean: round(times.wallMs.reduce((a, b) => a + b, 0) / times.wallMs.length) }
        page.vsCli = ratio(page.app.cpu.p50, page.cli.cpu.p50)
        for (const statement of page.statements) {
          const cliPlan = cliQueryPlan(file, statement)
          if (cliPlan.join('\n') !== statement.plan.join('\n')) statement.cliPlan = cliPlan
        }
      })
    }

    if (options.duck !== undefined) {
      options.log('    duckdb…')
      for (const result of results) {
        for (const page of result.deep === undefined || !options.duckDeepPages ? [result.first] : [result.first, result.deep]) {
          const position = (page as PageTimes & { position?: KeysetPosition }).position
          const timed = await options.duck.time(page.request.query, page.request.sort!, position, PAGE + 1, options.duckRuns, 1)
          page.duckdb = summarise(timed.wallMs)
          const appIds = archive.queryEvents(page.request).rows.map((r) => r.id)
          page.duckdbSameIds = JSON.stringify(appIds) === JSON.stringify(timed.ids.slice(0, PAGE))
          page.vsDuckdb = ratio(page.app.wall.p50, page.duckdb.p50)
        }
      }
    }

    if (options.jq !== undefined) {
      options.log('    jq…')
      for (const result of results.filter((r) => options.jq!.cases.includes(r.name))) {
        const request = result.first.request
        const timed = runJq(options.jq.file, jqProgram(request.query, request.sort!, PAGE))
        const appIds = archive.queryEvents(request).rows.map((r) => r.id)
        result.first.jq = { wallMs: round(timed.wallMs), sameIds: JSON.stringify(appIds) === JSON.stringify(timed.ids) }
        result.first.jqFactor = ratio(timed.wallMs, result.first.app.wall.p50)
      }
    }
    for (const result of results) {
      for (const page of [result.first, result.deep]) if (page) delete (page as PageTimes & { position?: unknown }).position
    }
    return { values: values as unknown as Record<string, string>, cases: results }
  } finally {
    archive.close()
  }
}

/** The request for page DEEP_PAGES + 1 of a case, found by paging through the app. */
function deepPage(archive: Archive, item: QueryCase): { request: PageRequest; position: KeysetPosition } | undefined {
  let cursor: string | null = null
  for (let page = 0; page < DEEP_PAGES; page++) {
    cursor = archive.queryEvents({ query: item.query, sort: item.sort, limit: PAGE, cursor }).nextCursor
    if (cursor === null) return undefined
  }
  return { request: { query: item.query, sort: item.sort, limit: PAGE, cursor }, position: decodeKeysetCursor(cursor!, item.sort) }
}

function timeApp(archive: Archive, request: PageRequest, options: QuerySectionOptions): PageTimes {
  const timed = repeat(() => archive.queryEvents(request), { warmup: options.warmup, minRuns: options.runs, maxRuns: options.runs, budgetMs: 0 })
  const statements = archive.queryPlan(request)
  return {
    request,
    rows: timed.last.rows.length,
    app: { wall: summarise(timed.wallMs), cpu: summarise(timed.cpuMs) },
    statements,
    flags: planFlags(statements.map((s) => s.plan))
  }
}

/** Lines of a plan worth a reader's attention: the events table read without an index, or sorted. */
export function planFlags(plans: string[][]): string[] {
  const flags: string[] = []
  for (const plan of plans) {
    for (const line of plan) {
      if (/^SCAN events\b(?! USING)/.test(line) || /^SCAN e\b(?! USING)/.test(line)) flags.push(`full scan: ${line}`)
      if (line.includes('TEMP B-TREE')) flags.push(`sorts matches: ${line}`)
    }
  }
  return [...new Set(flags)]
}
