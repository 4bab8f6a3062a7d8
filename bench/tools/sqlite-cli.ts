import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * The sqlite3 command-line shell as the benchmarks' reference: one process runs every statement
 * of every case `warmup + runs` times with `.timer on`, parameters bound through
 * temp.sqlite_parameters (the shell's own binding, so the statements are the exact prepared SQL
 * the app ran, not literals substituted in), rows written to /dev/null. Process start and file
 * open are paid once, outside every measurement.
 *
 * `.timer` reports wall time in whole milliseconds and user/system CPU time in microseconds, so
 * each statement's time here is its CPU time; a run's time is the sum over its statements.
 */

export interface CliStatement {
  sql: string
  params: readonly unknown[]
}

export interface CliCase {
  statements: readonly CliStatement[]
}

export interface CliCaseTimes {
  /** Per measured run: CPU ms (user + system) summed over the case's statements. */
  cpuMs: number[]
  /** Per measured run: wall ms as the shell reports it (1 ms resolution). */
  wallMs: number[]
}

export function sqliteCliAvailable(): boolean {
  return spawnSync('sqlite3', ['--version'], { encoding: 'utf8' }).status === 0
}

/** An SQL literal for a bound value. */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot pass ${value} to the sqlite3 shell`)
    return String(value)
  }
  if (typeof value === 'bigint') return value.toString()
  return `'${String(value).replace(/'/g, "''")}'`
}

function bindParameters(params: readonly unknown[]): string {
  const lines = ['.timer off', 'DELETE FROM temp.sqlite_parameters;']
  if (params.length > 0) {
    const values = params.map((value, index) => `('?${index + 1}', ${sqlLiteral(value)})`)
    lines.push(`INSERT INTO temp.sqlite_parameters (key, value) VALUES ${values.join(', ')};`)
  }
  lines.push('.timer on')
  return lines.join('\n')
}

const RUN_TIME = /^Run Time: real ([\d.]+) user ([\d.]+) sys ([\d.]+)/

/**
 * Times every case in one shell process. `pragmas` set the connection up as the app's is (page
 * cache size), so the comparison is of the same engine settings.
 */
export function timeCasesInCli(
  file: string,
  cases: readonly CliCase[],
  options: { runs: number; warmup: number; pragmas: readonly string[] }
): CliCaseTimes[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'))
  try {
    const script: string[] = ['.bail on', ...options.pragmas.map((p) => `PRAGMA ${p};`), '.parameter init', '.output /dev/null']
    for (const item of cases) {
      for (let run = 0; run < options.warmup + options.runs; run++) {
        for (const statement of item.statements) {
          script.push(bindParameters(statement.params), `${statement.sql.trim()};`)
        }
      }
    }
    script.push('.timer off', '')
    const scriptFile = path.join(dir, 'script.sql')
    writeFileSync(scriptFile, script.join('\n'))
    const result = spawnSync('sqlite3', ['-readonly', file, `.read ${scriptFile}`], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024
    })
    if (result.status !== 0) throw new Error(`sqlite3 failed (${result.status}): ${result.stderr.slice(0, 2000)}`)
    const times = result.stdout
      .split('\n')
      .map((line) => RUN_TIME.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ wall: Number(m[1]) * 1000, cpu: (Number(m[2]) + Number(m[3])) * 1000 }))
    const expected = cases.reduce((sum, c) => sum + c.statements.length * (options.warmup + options.runs), 0)
    if (times.length !== expected) throw new Error(`sqlite3 printed ${times.length} timings, expected ${expected}`)
    let at = 0
    return cases.map((item) => {
      const out: CliCaseTimes = { cpuMs: [], wallMs: [] }
      for (let run = 0; run < options.warmup + options.runs; run++) {
        let cpu = 0
        let wall = 0
        for (let s = 0; s < item.statements.length; s++) {
          cpu += times[at]!.cpu
          wall += times[at]!.wall
          at++
        }
        if (run >= options.warmup) {
          out.cpuMs.push(cpu)
          out.wallMs.push(wall)
        }
      }
      return out
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The shell's own EXPLAIN QUERY PLAN of a statement (its SQLite version may plan differently). */
export function cliQueryPlan(file: string, statement: CliStatement): string[] {
  const script = [
    '.parameter init',
    bindParameters(statement.params).replace('.timer on', '.timer off'),
    `EXPLAIN QUERY PLAN ${statement.sql.trim()};`
  ].join('\n')
  const result = spawnSync('sqlite3', ['-readonly', file], { input: script, encoding: 'utf8' })
  if (result.status !== 0) return [`(sqlite3 failed: ${result.stderr.trim().slice(0, 200)})`]
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && line.trim() !== 'QUERY PLAN')
    .map((line) => line.replace(/^[|`\s-]+/, ''))
}

/**
 * CSV of a query by the shell, to a file: the reference for the export benchmark. Wall time of
 * the whole shell process (its start is a few milliseconds) and its peak RSS from /usr/bin/time.
 */
export function cliCsvExport(
  file: string,
  sql: string,
  out: string,
  pragmas: readonly string[]
): { wallMs: number; peakRssKiB: number | null } {
  const script = [...pragmas.map((p) => `PRAGMA ${p};`), '.headers on', '.mode csv', `.output ${out}`, `${sql.trim()};`, ''].join('\n')
  const timed = existsSync('/usr/bin/time')
  const started = performance.now()
  const result = timed
    ? spawnSync('/usr/bin/time', ['-v', 'sqlite3', '-readonly', file], { input: script, encoding: 'utf8' })
    : spawnSync('sqlite3', ['-readonly', file], { input: script, encoding: 'utf8' })
  const wallMs = performance.now() - started
  if (result.status !== 0) throw new Error(`sqlite3 CSV export failed: ${result.stderr.slice(0, 500)}`)
  const peak = timed ? /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr) : null
  return { wallMs, peakRssKiB: peak ? Number(peak[1]) : null }
}
