import Database from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'

/** What the results were measured on: the machine, the software, the commit and the load. */
export interface MachineInfo {
  date: string
  commit: string
  /** Uncommitted changes in the tree when the run started. */
  dirty: boolean
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  sqliteApp: string
  sqliteCli: string
  jq: string
  duckdb: string
  /** 1-minute load average at the start and end of the run (other work on a shared machine). */
  load: { start: number; end?: number }
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unavailable'
  }
}

export function describeMachine(): MachineInfo {
  const db = new Database(':memory:')
  const sqliteApp = db.prepare('SELECT sqlite_version()').pluck().get() as string
  db.close()
  let duckdb = 'unavailable'
  try {
    duckdb = (JSON.parse(readFileSync(new URL('../../node_modules/@duckdb/node-api/package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    // Not installed: the DuckDB comparison is skipped and says so.
  }
  return {
    date: new Date().toISOString(),
    commit: run('git', ['rev-parse', 'HEAD']),
    dirty: run('git', ['status', '--porcelain', '--untracked-files=no']) !== '',
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    sqliteApp,
    sqliteCli: run('sqlite3', ['--version']).split(' ')[0] ?? 'unavailable',
    jq: run('jq', ['--version']),
    duckdb,
    load: { start: os.loadavg()[0]! }
  }
}
