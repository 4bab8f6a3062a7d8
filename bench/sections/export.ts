import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CSV_COLUMNS } from '../../src/main/core/export/export-events'
import { archivePath } from '../../src/main/core/paths'
import { cliCsvExport } from '../tools/sqlite-cli'
import { ratio, round } from '../tools/stats'
import { APP_READ_PRAGMAS } from './queries'

/**
 * CSV export of every event (pulls included: at 1M, a million rows) as the CLI and the desktop
 * app run it (AuditService.exportEvents), in a child process whose resident memory is sampled
 * every 20 ms, against the sqlite3 shell's CSV mode writing the same rows, columns and order
 * (account names joined, times as ISO UTC).
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export interface ExportResult {
  rows: number
  app: { ms: number; bytes: number; rssStartMiB: number; rssPeakMiB: number; rssEarlyMiB: number; rssLateMiB: number }
  cli?: { ms: number; bytes: number; peakRssMiB: number | null }
  /** app ms / shell ms (goal ≤ 1.5). */
  vsCli?: number
  /** Median RSS of the last fifth of the export less that of the first fifth (flat: a few MiB). */
  growthMiB: number
}

function rssKiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

export async function runExport(file: string, dir: string, options: { cli: boolean }): Promise<ExportResult> {
  const out = path.join(dir, 'export-app.csv')
  // The service opens its archive read-write (and may update statistics on close): a copy.
  const dataDir = path.join(dir, 'export-data')
  mkdirSync(dataDir, { recursive: true })
  copyFileSync(file, archivePath(dataDir))
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/children/export-child.ts'), dataDir, out], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const samples: Array<{ at: number; kib: number }> = []
  const timer = setInterval(() => {
    const kib = rssKiB(child.pid!)
    if (kib !== undefined) samples.push({ at: Date.now(), kib })
  }, 20)
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearInterval(timer)
  if (code !== 0) throw new Error(`export child failed (${code}): ${output}`)
  const lines = output.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>)
  const ready = lines.find((l) => (l as unknown as { type: string }).type === 'ready')!
  const done = lines.find((l) => (l as unknown as { type: string }).type === 'done')!
  const during = samples.filter((s) => s.at >= done['startedAt']! && s.at <= done['endedAt']!)
  const span = done['endedAt']! - done['startedAt']!
  const early = during.filter((s) => s.at <= done['startedAt']! + span / 5)
  const late = during.filter((s) => s.at >= done['endedAt']! - span / 5)
  const mib = (kib: number): number => round(kib / 1024)
  const max = (list: Array<{ kib: number }>): number => Math.max(0, ...list.map((s) => s.kib))
  // Medians: the garbage collector makes RSS saw up and down by tens of MiB; a leak would show as
  // the late median above the early one.
  const median = (list: Array<{ kib: number }>): number => {
    const sorted = list.map((s) => s.kib).sort((a, b) => a - b)
    return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!
  }
  const app = {
    ms: done['ms']!,
    bytes: statSync(out).size,
    rssStartMiB: mib(ready['rssKiB']!),
    rssPeakMiB: mib(max(during)),
    rssEarlyMiB: mib(median(early)),
    rssLateMiB: mib(median(late))
  }
  rmSync(out, { force: true })
  rmSync(dataDir, { recursive: true, force: true })
  const result: ExportResult = { rows: done['rows']!, app, growthMiB: round(app.rssLateMiB - app.rssEarlyMiB) }
  if (options.cli) {
    const cliOut = path.join(dir, 'export-cli.csv')
    const columns = CSV_COLUMNS.map((column) =>
      column === 'occurred_at'
        ? `strftime('%Y-%m-%dT%H:%M:%fZ', e.occurred_at / 1000.0, 'unixepoch') AS occurred_at`
        : column === 'account'
          ? 'a.name AS account'
          : `e.${column}`
    )
    const sql = `SELECT ${columns.join(', ')} FROM events e JOIN accounts a ON a.id = e.account_id ORDER BY e.occurred_at DESC, e.id DESC`
    const cli = cliCsvExport(file, sql, cliOut, APP_READ_PRAGMAS)
    result.cli = { ms: Math.round(cli.wallMs), bytes: statSync(cliOut).size, peakRssMiB: cli.peakRssKiB === null ? null : mib(cli.peakRssKiB) }
    result.vsCli = ratio(app.ms, cli.wallMs)
    rmSync(cliOut, { force: true })
  }
  return result
}
