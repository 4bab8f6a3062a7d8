import type { RecentQuery, SavedQuery } from '../../../shared/investigation'
import { parseQuery, QuerySyntaxError } from '../../../shared/query-parser'
import type { EventSort } from '../../../shared/query'
import { AppError } from '../errors'
import type { InvestigationDb } from './investigation-db'

/** Recent queries kept; older ones are forgotten. */
export const RECENT_QUERIES_KEPT = 50

/** Names of saved queries and cases: what a person types on a command line without quoting much. */
export const INVESTIGATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$/

export function checkInvestigationName(name: string, what: string): string {
  if (typeof name !== 'string' || !INVESTIGATION_NAME.test(name) || name.trim() !== name) {
    throw new AppError(
      'INVALID_INPUT',
      `a ${what} name is 1 to 64 letters, digits, ".", "_", "-" or spaces, starting with a letter or digit`
    )
  }
  return name
}

/** The query must parse (times are relative to when it runs, so any moment will do for the check). */
function checkQueryText(query: string): string {
  try {
    parseQuery(query, { now: 0, timeZone: 'UTC' })
  } catch (error) {
    if (error instanceof QuerySyntaxError) throw new AppError('QUERY_SYNTAX', `bad query: ${error.message}`)
    throw error
  }
  return query
}

interface SavedRow {
  name: string
  query: string
  sort: string | null
  created_at: number
  updated_at: number
}

function toSaved(row: SavedRow): SavedQuery {
  return { ...row, sort: row.sort === null ? null : (JSON.parse(row.sort) as EventSort) }
}

/** Named queries and the recent ones, in the archive (migration 3). */
export class QueryStore {
  constructor(
    private readonly db: InvestigationDb,
    private readonly now: () => number
  ) {}

  list(): SavedQuery[] {
    return this.db.guard('listing saved queries', () =>
      (this.db.prepare('SELECT * FROM saved_queries ORDER BY name').all() as SavedRow[]).map(toSaved)
    )
  }

  get(name: string): SavedQuery {
    const row = this.db.guard('reading a saved query', () =>
      this.db.prepare('SELECT * FROM saved_queries WHERE name = ?').get(name)
    ) as SavedRow | undefined
    if (row === undefined) throw new AppError('NOT_FOUND', `there is no saved query named ${name}`)
    return toSaved(row)
  }

  /** Saves a query under a name; an existing name is replaced only with `replace`. */
  save(name: string, query: string, options: { sort?: EventSort | null; replace?: boolean } = {}): SavedQuery {
    checkInvestigationName(name, 'saved query')
    checkQueryText(query)
    const sort = options.sort === undefined || options.sort === null ? null : JSON.stringify(options.sort)
    const now = this.now()
    return this.db.guard('saving a query', () =>
      this.db.db
        .transaction(() => {
          const existing = this.db.prepare('SELECT 1 FROM saved_queries WHERE name = ?').get(name)
          if (existing !== undefined && options.replace !== true) {
            throw new AppError('CONFLICT', `a saved query named ${name} already exists`)
          }
          this.db
            .prepare(
              `INSERT INTO saved_queries (name, query, sort, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET query = excluded.query, sort = excluded.sort, updated_at = excluded.updated_at`
            )
            .run(name, query, sort, now, now)
          return toSaved(this.db.prepare('SELECT * FROM saved_queries WHERE name = ?').get(name) as SavedRow)
        })
        .immediate()
    )
  }

  delete(name: string): void {
    const changes = this.db.guard('deleting a saved query', () =>
      this.db.prepare('DELETE FROM saved_queries WHERE name = ?').run(name).changes
    )
    if (changes === 0) throw new AppError('NOT_FOUND', `there is no saved query named ${name}`)
  }

  /** Remembers a query that was run; an empty query is not worth remembering. */
  recordRecent(query: string, sort: EventSort | null = null): void {
    if (query.trim() === '') return
    checkQueryText(query)
    const now = this.now()
    this.db.guard('remembering a recent query', () =>
      this.db.db
        .transaction(() => {
          this.db
            .prepare(
              `INSERT INTO recent_queries (query, sort, used_at, uses) VALUES (?, ?, ?, 1)
               ON CONFLICT (query) DO UPDATE SET sort = excluded.sort, used_at = excluded.used_at, uses = uses + 1`
            )
            .run(query, sort === null ? null : JSON.stringify(sort), now)
          this.db
            .prepare(
              'DELETE FROM recent_queries WHERE query NOT IN (SELECT query FROM recent_queries ORDER BY used_at DESC, rowid DESC LIMIT ?)'
            )
            .run(RECENT_QUERIES_KEPT)
        })
        .immediate()
    )
  }

  /** Newest first. */
  recent(): RecentQuery[] {
    const rows = this.db.guard('listing recent queries', () =>
      this.db.prepare('SELECT query, sort, used_at, uses FROM recent_queries ORDER BY used_at DESC, rowid DESC').all()
    ) as Array<{ query: string; sort: string | null; used_at: number; uses: number }>
    return rows.map((row) => ({ ...row, sort: row.sort === null ? null : (JSON.parse(row.sort) as EventSort) }))
  }
}
