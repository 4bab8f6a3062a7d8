import Database from 'better-sqlite3'
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import os from 'node:os'
import { buildEventWhere, ftsTerms } from '../../src/main/core/db/event-query-sql'
import { EVENT_SELECT } from '../../src/main/core/db/event-row'
import type { KeysetPosition } from '../../src/main/core/db/keyset-cursor'
import type { EventQuery, EventSort } from '../../src/shared/query'

/**
 * DuckDB as the columnar comparison: the same events (every column, the raw record included)
 * in an in-memory table, the same filters and sorts as one SQL statement each. Loaded once from
 * the archive through DuckDB's appender and kept as a Parquet file beside the archive, so later
 * runs load it in seconds.
 *
 * Differences it cannot avoid: DuckDB has no FTS5 index here, so free-text terms are an ILIKE
 * substring test over the same nine columns FTS indexes (it finds at least what FTS finds), and
 * the keyset position is spelled out as ORs instead of a row-value comparison.
 */

type DuckDb = typeof import('@duckdb/node-api')

export interface DuckEvents {
  /** Runs one case's statement `runs` times after `warmup`; wall ms per run. */
  time(query: EventQuery, sort: EventSort, position: KeysetPosition | undefined, limit: number, runs: number, warmup: number): Promise<{ wallMs: number[]; ids: number[] }>
  close(): void
  loadMs: number
  fromCache: boolean
}

const FTS_COLUMNS = ['label', 'action', 'actor', 'repository', 'tag', 'digest', 'target', 'client_ip', 'user_agent']
const COLUMNS = EVENT_SELECT.split(',').map((c) => c.trim())
const INTEGER_COLUMNS = new Set(['id', 'account_id', 'occurred_at'])

export async function loadDuckEvents(archiveFile: string, parquetFile: string, log: (line: string) => void): Promise<DuckEvents | undefined> {
  let duck: DuckDb
  try {
    duck = await import('@duckdb/node-api')
  } catch {
    return undefined
  }
  // Table data beyond the memory limit spills to a temporary folder instead of failing.
  const spill = `${parquetFile}.spill`
  const instance = await duck.DuckDBInstance.create(':memory:', {
    memory_limit: `${Math.max(2, Math.floor(memoryAvailableGiB() * 0.6))}GB`,
    temp_directory: spill
  })
  const connection = await instance.connect()
  const started = performance.now()
  const columns = COLUMNS.map((c) => `${c} ${INTEGER_COLUMNS.has(c) ? 'BIGINT' : 'VARCHAR'}`)
  await connection.run(`CREATE TABLE accounts (id BIGINT, name VARCHAR)`)
  const sqlite = new Database(archiveFile, { readonly: true })
  try {
    const accounts = await connection.createAppender('accounts')
    for (const row of sqlite.prepare('SELECT id, name FROM accounts').raw().iterate() as Iterable<[number, string]>) {
      accounts.appendBigInt(BigInt(row[0]))
      accounts.appendVarchar(row[1])
      accounts.endRow()
    }
    accounts.closeSync()
    const fromCache = existsSync(parquetFile)
    if (fromCache) {
      await connection.run(`CREATE TABLE events AS SELECT * FROM read_parquet('${parquetFile.replace(/'/g, "''")}')`)
    } else {
      await connection.run(`CREATE TABLE events (${columns.join(', ')})`)
      const appender = await connection.createAppender('events')
      let rows = 0
      for (const row of sqlite.prepare(`SELECT ${EVENT_SELECT} FROM events`).raw().iterate() as Iterable<unknown[]>) {
        for (let i = 0; i < COLUMNS.length; i++) {
          const value = row[i]
          if (INTEGER_COLUMNS.has(COLUMNS[i]!)) appender.appendBigInt(BigInt(value as number))
          else appender.appendVarchar(value as string)
        }
        appender.endRow()
        if (++rows % 1_000_000 === 0) log(`    duckdb: ${rows.toLocaleString('en')} rows appended`)
      }
      appender.closeSync()
      const partial = `${parquetFile}.partial`
      rmSync(partial, { force: true })
      await connection.run(`COPY events TO '${partial.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`)
      renameSync(partial, parquetFile)
    }
    const loadMs = Math.round(performance.now() - started)
    return {
      loadMs,
      fromCache,
      async time(query, sort, position, limit, runs, warmup) {
        const statement = duckSql(query, sort, position, limit, (names) =>
          (sqlite.prepare(`SELECT id FROM accounts WHERE name IN (${names.map(() => '?').join(', ')})`).pluck().all(...names) as number[])
        )
        const prepared = await connection.prepare(statement.sql)
        prepared.bind(statement.params as never)
        const wallMs: number[] = []
        let ids: number[] = []
        for (let run = 0; run < warmup + runs; run++) {
          const start = performance.now()
          const result = await prepared.run()
          const rows = await result.getRows()
          if (run >= warmup) wallMs.push(performance.now() - start)
          ids = rows.map((row) => Number(row[0]))
        }
        prepared.destroySync()
        return { wallMs, ids }
      },
      close() {
        connection.closeSync()
        instance.closeSync()
        sqlite.close()
        rmSync(spill, { recursive: true, force: true })
      }
    }
  } catch (error) {
    sqlite.close()
    connection.closeSync()
    instance.closeSync()
    throw error
  }
}

/** MemAvailable from /proc/meminfo (free memory plus what the page cache would give back), in GiB. */
export function memoryAvailableGiB(): number {
  try {
    const match = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))
    if (match) return Number(match[1]) / 2 ** 20
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.freemem() / 2 ** 30
}

/** One DuckDB statement for a page: the archive's own filter SQL, DuckDB's text test, a keyset, the sort. */
export function duckSql(
  query: EventQuery,
  sort: EventSort,
  position: KeysetPosition | undefined,
  limit: number,
  accountIds: (names: string[]) => number[]
): { sql: string; params: unknown[] } {
  const where = buildEventWhere({ ...query, text: undefined, notText: undefined }, { accountIds })
  const conditions = [where.sql]
  const params: unknown[] = [...where.params]
  const textTest = (term: string): string => {
    params.push(...FTS_COLUMNS.map(() => `%${term}%`))
    return `(${FTS_COLUMNS.map((c) => `e.${c} ILIKE ?`).join(' OR ')})`
  }
  // The FTS phrases are `"term"*`; DuckDB gets the bare term.
  const bare = (phrase: string): string => phrase.slice(1, -2).replace(/""/g, '"')
  for (const term of ftsTerms(query.text, 'text').map(bare)) conditions.push(textTest(term))
  const notText = ftsTerms(query.notText, 'notText').map(bare)
  if (notText.length > 0) conditions.push(`NOT (${notText.map(textTest).join(' OR ')})`)
  const dir = sort.dir === 'asc' ? 'ASC' : 'DESC'
  const first = sort.key === 'occurred_at' ? undefined : sort.key === 'account' ? 'a.name' : `e.${sort.key}`
  const keys = first === undefined ? ['e.occurred_at', 'e.id'] : [first, 'e.occurred_at', 'e.id']
  if (position !== undefined) {
    const values = first === undefined ? [position.occurredAt, position.id] : [position.value, position.occurredAt, position.id]
    const op = sort.dir === 'asc' ? '>' : '<'
    // (k1, k2, k3) op (v1, v2, v3), spelled out.
    const ors: string[] = []
    for (let i = 0; i < keys.length; i++) {
      const equal = keys.slice(0, i).map((k) => `${k} = ?`)
      ors.push(`(${[...equal, `${keys[i]} ${op} ?`].join(' AND ')})`)
      params.push(...values.slice(0, i + 1))
    }
    conditions.push(`(${ors.join(' OR ')})`)
  }
  // The archive's conditions name bare columns; qualify them by aliasing events as e.
  const select = COLUMNS.map((c) => `e.${c}`).join(', ')
  const join = sort.key === 'account' ? ' JOIN accounts a ON a.id = e.account_id' : ''
  return {
    sql: `SELECT ${select} FROM events e${join} WHERE ${conditions.join(' AND ')} ORDER BY ${keys.map((k) => `${k} ${dir}`).join(', ')} LIMIT ${limit}`,
    params
  }
}
