import Database from 'better-sqlite3'
import { realpathSync } from 'node:fs'
import { accountNameSchema, sourceKindSchema } from '../../../shared/account'
import { ACTIVITIES, ACTOR_KINDS, OUTCOMES, VERBS, type AuditEvent } from '../../../shared/event'
import {
  DEFAULT_PAGE_SIZE,
  DEFAULT_SORT,
  FACET_FIELDS,
  MAX_PAGE_SIZE,
  SORT_KEYS,
  type EventQuery,
  type EventSort,
  type FacetField,
  type PageRequest
} from '../../../shared/query'
import { INTERRUPTED_RUN_MESSAGE } from '../../../shared/sync'
import { canonicalJson, sha256Hex } from '../canonical'
import { AppError } from '../errors'
import type {
  ArchiveApi,
  EventCount,
  EventPage,
  FacetCounts,
  IngestEvent,
  NewAccount,
  StoredAccount,
  SyncLockOwner,
  SyncRun,
  WriteStats
} from './archive-types'
import { EVENT_SELECT, toAuditEvent, type EventRow } from './event-row'
import { buildEventWhere, SORT_COLUMNS, type EventWhere, type WhereOptions } from './event-query-sql'
import { FacetCounter, SAMPLE_ABOVE } from './facet-counts'
import { decodeKeysetCursor, encodeKeysetCursor, type KeysetPosition } from './keyset-cursor'
import { openArchiveDatabase } from './schema-migrations'
import { toArchiveError } from './sqlite-errors'
import { SortedEventReader, type TracedStatement } from './sorted-event-reader'
import { mayTakeOverSyncLock, type SyncLockRow } from './sync-lock'

export interface ArchiveOpenOptions {
  /** Path of a better-sqlite3 native binary (the Electron app ships one built for Electron). */
  nativeBinding?: string
  /** Open without writing anything: no WAL switch, no migrations; the schema must be current. */
  readonly?: boolean
  /**
   * Rows a page walks along the sort index before it sorts the remaining matches instead
   * (default 10,000; see SortedEventReader). Every setting returns the same rows; tests set it
   * to force one way or the other.
   */
  walkLimit?: number
  /** Matching events from which facets may be estimated when asked to (default SAMPLE_ABOVE); for tests. */
  facetSampleAbove?: number
}

// Shared with the sync panel, which says the same of such a run before it is closed.
export { INTERRUPTED_RUN_MESSAGE }
/** The process ended unexpectedly (crash, kill -9): no more specific code applies. */
const INTERRUPTED_RUN_CODE = 'INTERNAL'

const MAX_FACET_TOP = 1000
const DEFAULT_WALK_LIMIT = 10_000
const STATEMENT_CACHE_SIZE = 256

const VERB_SET = new Set<string>(VERBS)
const ACTIVITY_SET = new Set<string>(ACTIVITIES)
const OUTCOME_SET = new Set<string>(OUTCOMES)
const ACTOR_KIND_SET = new Set<string>(ACTOR_KINDS)

const EVENT_INSERT = `INSERT INTO events (account_id, source_event_id, occurred_at, action, verb, activity, outcome,
  actor, actor_kind, namespace, repository, tag, digest, target, client_ip, user_agent, label, raw, chain_hash,
  ingested_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (account_id, source_event_id) DO NOTHING`

interface AccountRow {
  id: number
  name: string
  kind: string
  url: string
  options: string
  created_at: number
  updated_at: number
  removed_at: number | null
}

/**
 * Sync locks this process holds, by archive file and account. The database row says who holds a
 * lock; this set tells "held by this process now" apart from "left by an earlier process that had
 * the same pid".
 */
const locksHeldHere = new Set<string>()

/**
 * The local event archive: one SQLite file (WAL) holding accounts, events with their raw records,
 * sync cursors, runs and locks. Synchronous (better-sqlite3); under Electron it lives in a worker.
 * Every method throws AppError; SQLite's own errors are translated (busy → ARCHIVE_LOCKED,
 * corrupt → ARCHIVE_DAMAGED, constraint → INVALID_INPUT, disk → IO).
 */
export class Archive implements ArchiveApi {
  readonly file: string
  private readonly db: Database.Database
  private readonly isReadonly: boolean
  private readonly lockKeyPrefix: string
  private readonly heldLocks = new Set<string>()
  private readonly statementCache = new Map<string, Database.Statement>()
  private readonly stmt: ReturnType<typeof prepareStatements>
  private readonly reader: SortedEventReader
  private readonly writePageTransaction: Database.Transaction<
    (accountId: number, stream: string, events: IngestEvent[], cursor: unknown) => WriteStats
  >

  /**
   * Opens (creating if needed) the archive at `file` and brings its schema up to date. Refuses,
   * without changing a byte of the file: a file that is not SQLite (ARCHIVE_DAMAGED), another
   * application's SQLite database (INVALID_INPUT), an archive of a newer schema (SCHEMA_TOO_NEW),
   * an archive whose applied migration differs from this build's (MIGRATION_CHANGED).
   */
  static open(file: string, options: ArchiveOpenOptions = {}): Archive {
    const db = openArchiveDatabase(file, options)
    // A bigger page cache keeps the hot parts of the event indexes in memory (default is 2 MiB).
    db.pragma('cache_size = -32768')
    const walkLimit = options.walkLimit ?? DEFAULT_WALK_LIMIT
    if (!Number.isSafeInteger(walkLimit) || walkLimit < 1) {
      db.close()
      throw new AppError('INVALID_INPUT', 'walkLimit must be a whole number of at least 1.')
    }
    if (options.facetSampleAbove !== undefined && (!Number.isSafeInteger(options.facetSampleAbove) || options.facetSampleAbove < 1)) {
      db.close()
      throw new AppError('INVALID_INPUT', 'facetSampleAbove must be a whole number of at least 1.')
    }
    return new Archive(db, file, options.readonly === true, walkLimit, options.facetSampleAbove ?? SAMPLE_ABOVE)
  }

  private constructor(
    db: Database.Database,
    file: string,
    isReadonly: boolean,
    walkLimit: number,
    private readonly facetSampleAbove: number
  ) {
    this.db = db
    this.file = file
    this.isReadonly = isReadonly
    let realFile = file
    try {
      realFile = realpathSync(file)
    } catch {
      // The path stays as given; it only keys this process's lock bookkeeping.
    }
    this.lockKeyPrefix = `${realFile}\0`
    this.stmt = prepareStatements(db)
    this.reader = new SortedEventReader(db, (sql) => this.cached(sql), walkLimit)
    this.writePageTransaction = db.transaction(
      (accountId: number, stream: string, events: IngestEvent[], cursor: unknown) =>
        this.writePageInTransaction(accountId, stream, events, cursor)
    )
  }

  /** Releases the sync locks this archive object still holds, then closes the database. */
  close(): void {
    if (!this.db.open) return
    for (const key of [...this.heldLocks]) {
      const [accountId, pid, host] = key.slice(this.lockKeyPrefix.length).split('\0')
      try {
        this.releaseSyncLock(Number(accountId), { pid: Number(pid), host: host ?? '' })
      } catch {
        // Left behind, the row names this process; once it has exited, the next taker sees a
        // dead pid and takes the lock over.
      }
    }
    if (!this.isReadonly) {
      try {
        // Keeps the planner's statistics fresh for the index choices queries rely on; bounded
        // work, and it gives up at once rather than wait for another process's write.
        this.db.pragma('busy_timeout = 0')
        this.db.pragma('analysis_limit = 1000')
        this.db.pragma('optimize')
      } catch {
        // Statistics are an optimisation; a busy archive must still close.
      }
    }
    this.db.close()
  }

  // ---------------------------------------------------------------------------------- accounts

  /**
   * Adds an account. A name in use gives CONFLICT, except the name of an account removed without
   * purging its events: that account comes back (same id, its events, a fresh cursor), so events
   * synced again dedup against those already kept instead of appearing twice.
   */
  addAccount(account: NewAccount): StoredAccount {
    const fields = checkNewAccount(account)
    return this.guard('adding an account', () =>
      this.db
        .transaction(() => {
          const existing = this.stmt.accountByName.get(fields.name) as AccountRow | undefined
          const now = Date.now()
          if (existing !== undefined) {
            if (existing.removed_at === null) {
              throw new AppError('CONFLICT', `An account named "${fields.name}" already exists.`, {
                account: fields.name
              })
            }
            this.stmt.reviveAccount.run(fields.kind, fields.url, fields.options, now, existing.id)
            return this.accountById(existing.id)
          }
          const id = this.stmt.insertAccount.run(fields.name, fields.kind, fields.url, fields.options, now, now)
            .lastInsertRowid
          return this.accountById(Number(id))
        })
        .immediate()
    )
  }

  updateAccount(id: number, patch: Partial<NewAccount>): StoredAccount {
    return this.guard('updating an account', () =>
      this.db
        .transaction(() => {
          const current = this.stmt.accountById.get(id) as AccountRow | undefined
          if (current === undefined || current.removed_at !== null) {
            throw new AppError('NOT_FOUND', `No account with id ${id}.`)
          }
          const fields = checkNewAccount({
            name: patch.name ?? current.name,
            kind: patch.kind ?? (current.kind as NewAccount['kind']),
            url: patch.url ?? current.url,
            options: patch.options ?? (JSON.parse(current.options) as Record<string, unknown>)
          })
          if (fields.name !== current.name && this.stmt.accountByName.get(fields.name) !== undefined) {
            throw new AppError(
              'CONFLICT',
              `The name "${fields.name}" is taken by another account (possibly a removed one whose events are kept).`,
              { account: current.name }
            )
          }
          this.stmt.updateAccount.run(fields.name, fields.kind, fields.url, fields.options, Date.now(), id)
          return this.accountById(id)
        })
        .immediate()
    )
  }

  listAccounts(options: { includeRemoved?: boolean } = {}): StoredAccount[] {
    const rows = (options.includeRemoved === true ? this.stmt.allAccounts : this.stmt.activeAccounts).all() as AccountRow[]
    return rows.map(toAccount)
  }

  getAccount(name: string, options: { includeRemoved?: boolean } = {}): StoredAccount | undefined {
    const row = this.stmt.accountByName.get(name) as AccountRow | undefined
    if (row === undefined || (row.removed_at !== null && options.includeRemoved !== true)) return undefined
    return toAccount(row)
  }

  /**
   * Without purgeEvents the account is marked removed: hidden from lists, its cursors and lock
   * dropped (a later re-add starts a full sync), its events, runs and integrity chain kept and
   * still queryable under its name. With purgeEvents everything of the account is deleted, the
   * account row too; this also works on an account removed earlier without purge.
   */
  removeAccount(id: number, options: { purgeEvents: boolean }): { eventsDeleted: number } {
    return this.guard('removing an account', () =>
      this.db
        .transaction(() => {
          const row = this.stmt.accountById.get(id) as AccountRow | undefined
          if (row === undefined) throw new AppError('NOT_FOUND', `No account with id ${id}.`)
          if (!options.purgeEvents) {
            if (row.removed_at === null) this.stmt.markAccountRemoved.run(Date.now(), id)
            this.stmt.deleteCursors.run(id)
            this.stmt.deleteLock.run(id)
            return { eventsDeleted: 0 }
          }
          const eventsDeleted = this.stmt.deleteEvents.run(id).changes
          this.stmt.deleteCursors.run(id)
          this.stmt.deleteRuns.run(id)
          this.stmt.deleteLock.run(id)
          this.stmt.deleteChainHead.run(id)
          this.stmt.deleteAccount.run(id)
          return { eventsDeleted }
        })
        .immediate()
    )
  }

  private accountById(id: number): StoredAccount {
    const row = this.stmt.accountById.get(id) as AccountRow | undefined
    if (row === undefined) throw new AppError('NOT_FOUND', `No account with id ${id}.`)
    return toAccount(row)
  }

  /** Every account's name by id, removed ones included (their events are still shown). */
  private accountNames(): Map<number, string> {
    const rows = this.stmt.accountNames.all() as Array<{ id: number; name: string }>
    return new Map(rows.map((r) => [r.id, r.name]))
  }

  // ------------------------------------------------------------------------------ sync writes

  getCursor(accountId: number, stream: string): unknown {
    const text = this.guard('reading a sync cursor', () => this.stmt.getCursor.get(accountId, stream) as string | undefined)
    return text === undefined ? null : (JSON.parse(text) as unknown)
  }

  /**
   * Writes a page's events and the cursor after them in one IMMEDIATE transaction: either all of
   * it is stored or none (a crash or a bad value rolls back the events, the chain head and the
   * cursor together). Events already stored are counted as duplicates and left as they were.
   */
  writePage(accountId: number, stream: string, events: IngestEvent[], cursor: unknown): WriteStats {
    return this.guard('writing a page of events', () =>
      this.writePageTransaction.immediate(accountId, stream, events, cursor)
    )
  }

  private writePageInTransaction(
    accountId: number,
    stream: string,
    events: IngestEvent[],
    cursor: unknown
  ): WriteStats {
    const account = this.stmt.accountById.get(accountId) as AccountRow | undefined
    if (account === undefined || account.removed_at !== null) {
      throw new AppError('NOT_FOUND', `No account with id ${accountId} to write events for.`)
    }
    if (typeof stream !== 'string' || stream === '') {
      throw new AppError('INVALID_INPUT', 'A sync stream name must be a non-empty string.', { account: account.name })
    }
    if (!Array.isArray(events)) {
      throw new AppError('INVALID_INPUT', 'A page of events must be a list.', { account: account.name })
    }
    const head = this.stmt.getChainHead.get(accountId) as { head: string; count: number } | undefined
    // The chain starts from '' and links each newly stored event in ingest order:
    // chain_hash = SHA-256(previous chain_hash || canonical JSON of the raw record).
    let chain = head?.head ?? ''
    let inserted = 0
    const now = Date.now()
    const insert = this.stmt.insertEvent
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as IngestEvent
      const { rawText, canonical } = checkIngestEvent(event, i, account.name)
      const n = event.normalised
      const hash = sha256Hex(chain + canonical)
      const result = insert.run(
        accountId,
        event.sourceEventId,
        n.occurred_at,
        n.action ?? '',
        n.verb,
        n.activity,
        n.outcome,
        n.actor ?? '',
        n.actor_kind,
        n.namespace ?? '',
        n.repository ?? '',
        n.tag ?? '',
        n.digest ?? '',
        n.target ?? '',
        n.client_ip ?? '',
        n.user_agent ?? '',
        n.label ?? '',
        rawText,
        hash,
        now
      )
      if (result.changes === 1) {
        chain = hash
        inserted++
      }
    }
    if (inserted > 0) this.stmt.upsertChainHead.run(accountId, chain, (head?.count ?? 0) + inserted)
    let cursorText: string | undefined
    try {
      cursorText = JSON.stringify(cursor)
    } catch (error) {
      throw new AppError('INVALID_INPUT', `The sync cursor cannot be stored as JSON: ${(error as Error).message}`, {
        account: account.name,
        cause: error
      })
    }
    if (cursorText === undefined) {
      throw new AppError('INVALID_INPUT', 'The sync cursor cannot be stored as JSON (it is undefined).', {
        account: account.name
      })
    }
    this.stmt.upsertCursor.run(accountId, stream, cursorText, now)
    return { inserted, duplicates: events.length - inserted }
  }

  // -------------------------------------------------------------------------------- sync runs

  startSyncRun(accountId: number): SyncRun {
    return this.guard('starting a sync run', () => {
      this.requireActiveAccount(accountId)
      const id = Number(this.stmt.insertRun.run(accountId, Date.now()).lastInsertRowid)
      return this.stmt.runById.get(id) as SyncRun
    })
  }

  finishSyncRun(
    runId: number,
    result: Pick<SyncRun, 'status' | 'pages' | 'inserted' | 'duplicates' | 'error_code' | 'error_message'>
  ): void {
    this.guard('finishing a sync run', () => {
      const changes = this.stmt.finishRun.run(
        Date.now(),
        result.status,
        result.pages,
        result.inserted,
        result.duplicates,
        result.error_code ?? null,
        result.error_message ?? null,
        runId
      ).changes
      if (changes === 0) throw new AppError('NOT_FOUND', `No sync run with id ${runId}.`)
    })
  }

  lastSyncRun(accountId: number): SyncRun | undefined {
    return this.guard('reading sync runs', () => this.stmt.lastRun.get(accountId) as SyncRun | undefined)
  }

  /**
   * Takes the account's sync lock inside one IMMEDIATE transaction (so two processes cannot both
   * see it free). Busy while another live process on this host holds it, or a process on another
   * host heartbeated within SYNC_LOCK_STALE_MS; also busy when this process already holds it.
   * Taking over a dead holder's lock closes the runs it left 'running' as failed (same transaction).
   */
  acquireSyncLock(accountId: number, owner: SyncLockOwner): boolean {
    const key = this.lockKey(accountId, owner)
    const acquired = this.guard('taking the sync lock', () =>
      this.db
        .transaction(() => {
          this.requireActiveAccount(accountId)
          const row = this.stmt.getLock.get(accountId) as SyncLockRow | undefined
          const now = Date.now()
          if (row !== undefined && !mayTakeOverSyncLock(row, owner, now, locksHeldHere.has(key))) return false
          if (row !== undefined) {
            // The holder is gone (killed, crashed, or silent past the stale limit) and nobody else
            // syncs this account now, so its runs still marked running never finish: close them
            // as failed, ended at the holder's last sign of life, for the run history and status.
            this.stmt.failInterruptedRuns.run(row.heartbeat_at, INTERRUPTED_RUN_CODE, INTERRUPTED_RUN_MESSAGE, accountId)
          }
          this.stmt.upsertLock.run(accountId, owner.pid, owner.host, now, now)
          return true
        })
        .immediate()
    )
    if (acquired) {
      locksHeldHere.add(key)
      this.heldLocks.add(key)
    }
    return acquired
  }

  releaseSyncLock(accountId: number, owner: SyncLockOwner): void {
    const key = this.lockKey(accountId, owner)
    this.guard('releasing the sync lock', () => this.stmt.releaseLock.run(accountId, owner.pid, owner.host))
    locksHeldHere.delete(key)
    this.heldLocks.delete(key)
  }

  heartbeatSyncLock(accountId: number, owner: SyncLockOwner): boolean {
    return this.guard(
      'renewing the sync lock',
      () => this.stmt.heartbeatLock.run(Date.now(), accountId, owner.pid, owner.host).changes === 1
    )
  }

  syncLockHolder(accountId: number): (SyncLockOwner & { acquired_at: number; heartbeat_at: number }) | undefined {
    return this.guard('reading the sync lock', () => this.stmt.getLock.get(accountId) as SyncLockRow | undefined)
  }

  private lockKey(accountId: number, owner: SyncLockOwner): string {
    return `${this.lockKeyPrefix}${accountId}\0${owner.pid}\0${owner.host}`
  }

  private requireActiveAccount(accountId: number): void {
    const row = this.stmt.accountById.get(accountId) as AccountRow | undefined
    if (row === undefined || row.removed_at !== null) throw new AppError('NOT_FOUND', `No account with id ${accountId}.`)
  }

  // ---------------------------------------------------------------------------------- queries

  /**
   * One page of events by keyset: rows after the cursor's (column, occurred_at, id) in sort
   * order, `limit` of them plus one that only says whether there is a next page. Never counts.
   * How SQLite finds them is chosen per query (see SortedEventReader.page).
   */
  queryEvents(request: PageRequest): EventPage {
    return this.readPage(request)
  }

  /**
   * The statements `queryEvents` ran for a request, with their parameters and SQLite's query
   * plans: for benchmarks (the same SQL in the sqlite3 CLI) and for checking that indexes serve
   * a query.
   */
  queryPlan(request: PageRequest): Array<{ sql: string; params: unknown[]; plan: string[] }> {
    const trace: TracedStatement[] = []
    this.readPage(request, trace)
    return this.guard('explaining a query', () =>
      trace.map((statement) => {
        const plan = this.db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.params) as Array<{
          detail: string
        }>
        return { ...statement, plan: plan.map((row) => row.detail) }
      })
    )
  }

  private readPage(request: PageRequest, trace?: TracedStatement[]): EventPage {
    const sort = checkSort(request.sort ?? DEFAULT_SORT)
    const limit = checkPageSize(request.limit)
    const position =
      request.cursor === undefined || request.cursor === null || request.cursor === ''
        ? undefined
        : decodeKeysetCursor(String(request.cursor), sort)
    return this.guard('querying events', () => {
      const names = this.accountNames()
      const where = this.where(request.query ?? {}, names)
      const rows = this.reader.page(where, sort, position, names, limit + 1, trace)
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      const nextCursor =
        rows.length > limit && last !== undefined ? encodeKeysetCursor(sort, positionOf(last, sort, names)) : null
      return { rows: page.map((row) => toAuditEvent(row, names)), nextCursor }
    })
  }

  /**
   * Counts matching events, stopping at `limit` when given (so a count never stalls on a huge
   * archive): `exact` is false when there are more than `limit`. Filters the facet count tables
   * serve (account, Type, activity, outcome, time, and actor or repository) are counted from
   * them, at once, whatever the limit.
   */
  countEvents(query: EventQuery, options: { limit?: number } = {}): EventCount {
    const limit = options.limit
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw new AppError('INVALID_INPUT', 'A count limit must be a whole number of at least 0.')
    }
    return this.guard('counting events', () => {
      const names = this.accountNames()
      const where = this.where(query, names)
      // A filter the count tables serve is counted from them, exactly and at once.
      const counted = new FacetCounter((sql) => this.cached(sql), (omit) => this.whereOptions(names, omit), false).total(query)
      if (counted !== undefined) {
        return limit === undefined ? { count: counted, exact: true } : { count: Math.min(counted, limit), exact: counted <= limit }
      }
      if (limit === undefined) {
        const count = this.cached(`SELECT count(*) FROM events WHERE ${where.sql}`).pluck().get(...where.params) as number
        return { count, exact: true }
      }
      const count = this.cached(`SELECT count(*) FROM (SELECT 1 FROM events WHERE ${where.sql} LIMIT ?)`)
        .pluck()
        .get(...where.params, limit + 1) as number
      return { count: Math.min(count, limit), exact: count <= limit }
    })
  }

  /**
   * The `top` most frequent values of each field under the query, most frequent first. Each
   * field's counts ignore that field's own filter, so the user sees the alternatives to what is
   * selected. Empty values (no actor, no repository) are not listed. Counts are exact unless
   * `approximate` allows estimates: then a field whose counts must be read from more than
   * SAMPLE_ABOVE matching events is estimated from a sample, and its entries say `approximate`.
   */
  facets(query: EventQuery, options: { fields?: FacetField[]; top?: number; approximate?: boolean } = {}): FacetCounts {
    const fields = options.fields ?? [...FACET_FIELDS]
    const top = options.top ?? 10
    if (!Array.isArray(fields) || fields.some((f) => !(FACET_FIELDS as readonly string[]).includes(f))) {
      throw new AppError('INVALID_INPUT', `Facet fields must be among: ${FACET_FIELDS.join(', ')}.`)
    }
    if (!Number.isSafeInteger(top) || top < 1 || top > MAX_FACET_TOP) {
      throw new AppError('INVALID_INPUT', `"top" must be a whole number from 1 to ${MAX_FACET_TOP}.`)
    }
    return this.guard('counting facets', () => {
      const names = this.accountNames()
      const counter = new FacetCounter(
        (sql) => this.cached(sql),
        (omit) => this.whereOptions(names, omit),
        options.approximate === true,
        this.facetSampleAbove
      )
      const result = Object.fromEntries(FACET_FIELDS.map((f) => [f, []])) as unknown as FacetCounts
      counter.withTextLists(query, () => {
        for (const field of fields) {
          // Counted by account id; ties go by the name shown, so every account is counted first.
          const counted = counter.count(field, query, field === 'account' ? Math.max(1, names.size) : top)
          const entries = counted.rows.map((r) => ({
            value: field === 'account' ? (names.get(r.value as number) ?? `#${r.value}`) : String(r.value),
            count: r.count,
            ...(counted.approximate ? { approximate: true } : {})
          }))
          result[field] =
            field === 'account'
              ? entries.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).slice(0, top)
              : entries
        }
      })
      return result
    })
  }

  getEvent(id: number): AuditEvent | undefined {
    if (!Number.isSafeInteger(id)) throw new AppError('INVALID_INPUT', 'An event id is a whole number.')
    return this.guard('reading an event', () => {
      const row = this.stmt.eventById.get(id) as EventRow | undefined
      return row === undefined ? undefined : toAuditEvent(row, this.accountNames())
    })
  }

  /**
   * Streams every matching event in order, one row at a time (memory stays flat for a million
   * rows). While the iterator is open, reads work but writes on this archive object fail (its
   * connection is busy): finish the iteration, or stop it with `break`/`return()`, first.
   */
  iterateEvents(query: EventQuery, sort: EventSort = DEFAULT_SORT): IterableIterator<AuditEvent> {
    const checked = checkSort(sort)
    const names = this.accountNames()
    const rows = this.guard('streaming events', () => this.reader.iterate(this.where(query, names), checked, names))
    const file = this.file
    function* events(): IterableIterator<AuditEvent> {
      try {
        for (;;) {
          let next: IteratorResult<EventRow>
          try {
            next = rows.next()
          } catch (error) {
            throw toArchiveError(error, file, 'streaming events')
          }
          if (next.done === true) return
          yield toAuditEvent(next.value, names)
        }
      } finally {
        rows.return?.()
      }
    }
    return events()
  }

  private where(query: EventQuery, names: Map<number, string>, omit?: FacetField): EventWhere {
    return buildEventWhere(query, this.whereOptions(names, omit))
  }

  private whereOptions(names: Map<number, string>, omit?: FacetField): WhereOptions {
    return {
      omit,
      accountIds: (wanted) => {
        const set = new Set(wanted)
        return [...names].filter(([, name]) => set.has(name)).map(([id]) => id)
      }
    }
  }

  private cached(sql: string): Database.Statement {
    let statement = this.statementCache.get(sql)
    if (statement === undefined) {
      statement = this.db.prepare(sql)
      if (this.statementCache.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statementCache.keys().next().value
        if (oldest !== undefined) this.statementCache.delete(oldest)
      }
      this.statementCache.set(sql, statement)
    }
    return statement
  }

  private guard<T>(doing: string, work: () => T): T {
    try {
      return work()
    } catch (error) {
      throw toArchiveError(error, this.file, doing)
    }
  }
}

function prepareStatements(db: Database.Database) {
  const accountColumns = 'id, name, kind, url, options, created_at, updated_at, removed_at'
  return {
    accountById: db.prepare(`SELECT ${accountColumns} FROM accounts WHERE id = ?`),
    accountByName: db.prepare(`SELECT ${accountColumns} FROM accounts WHERE name = ?`),
    activeAccounts: db.prepare(`SELECT ${accountColumns} FROM accounts WHERE removed_at IS NULL ORDER BY name`),
    allAccounts: db.prepare(`SELECT ${accountColumns} FROM accounts ORDER BY name`),
    accountNames: db.prepare('SELECT id, name FROM accounts'),
    insertAccount: db.prepare(
      'INSERT INTO accounts (name, kind, url, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'
    ),
    updateAccount: db.prepare(
      'UPDATE accounts SET name = ?, kind = ?, url = ?, options = ?, updated_at = ? WHERE id = ?'
    ),
    reviveAccount: db.prepare(
      'UPDATE accounts SET kind = ?, url = ?, options = ?, updated_at = ?, removed_at = NULL WHERE id = ?'
    ),
    markAccountRemoved: db.prepare('UPDATE accounts SET removed_at = ? WHERE id = ?'),
    deleteAccount: db.prepare('DELETE FROM accounts WHERE id = ?'),
    deleteEvents: db.prepare('DELETE FROM events WHERE account_id = ?'),
    deleteCursors: db.prepare('DELETE FROM sync_cursors WHERE account_id = ?'),
    deleteRuns: db.prepare('DELETE FROM sync_runs WHERE account_id = ?'),
    deleteLock: db.prepare('DELETE FROM sync_locks WHERE account_id = ?'),
    deleteChainHead: db.prepare('DELETE FROM chain_heads WHERE account_id = ?'),

    getCursor: db.prepare('SELECT cursor FROM sync_cursors WHERE account_id = ? AND stream = ?').pluck(),
    upsertCursor: db.prepare(
      `INSERT INTO sync_cursors (account_id, stream, cursor, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`
    ),
    getChainHead: db.prepare('SELECT head, count FROM chain_heads WHERE account_id = ?'),
    upsertChainHead: db.prepare(
      `INSERT INTO chain_heads (account_id, head, count) VALUES (?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET head = excluded.head, count = excluded.count`
    ),
    insertEvent: db.prepare(EVENT_INSERT),
    eventById: db.prepare(`SELECT ${EVENT_SELECT} FROM events WHERE id = ?`),

    insertRun: db.prepare("INSERT INTO sync_runs (account_id, started_at, status) VALUES (?, ?, 'running')"),
    runById: db.prepare('SELECT * FROM sync_runs WHERE id = ?'),
    finishRun: db.prepare(
      `UPDATE sync_runs SET finished_at = ?, status = ?, pages = ?, inserted = ?, duplicates = ?, error_code = ?,
       error_message = ? WHERE id = ?`
    ),
    lastRun: db.prepare('SELECT * FROM sync_runs WHERE account_id = ? ORDER BY id DESC LIMIT 1'),
    failInterruptedRuns: db.prepare(
      `UPDATE sync_runs SET status = 'failed', finished_at = max(started_at, ?), error_code = ?, error_message = ?
       WHERE account_id = ? AND status = 'running'`
    ),

    getLock: db.prepare('SELECT pid, host, acquired_at, heartbeat_at FROM sync_locks WHERE account_id = ?'),
    upsertLock: db.prepare(
      `INSERT INTO sync_locks (account_id, pid, host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET pid = excluded.pid, host = excluded.host,
         acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`
    ),
    releaseLock: db.prepare('DELETE FROM sync_locks WHERE account_id = ? AND pid = ? AND host = ?'),
    heartbeatLock: db.prepare('UPDATE sync_locks SET heartbeat_at = ? WHERE account_id = ? AND pid = ? AND host = ?')
  }
}

function toAccount(row: AccountRow): StoredAccount {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as StoredAccount['kind'],
    url: row.url,
    options: JSON.parse(row.options) as Record<string, unknown>,
    created_at: row.created_at,
    updated_at: row.updated_at,
    removed_at: row.removed_at
  }
}

function checkNewAccount(account: NewAccount): { name: string; kind: string; url: string; options: string } {
  const name = accountNameSchema.safeParse(account?.name)
  if (!name.success) {
    throw new AppError('INVALID_INPUT', `Invalid account name: ${name.error.issues[0]?.message ?? 'bad value'}.`)
  }
  const kind = sourceKindSchema.safeParse(account.kind)
  if (!kind.success) {
    throw new AppError('INVALID_INPUT', `Unknown account kind "${String(account.kind)}".`, { account: name.data })
  }
  if (typeof account.url !== 'string' || account.url === '') {
    throw new AppError('INVALID_INPUT', 'An account needs its source URL.', { account: name.data })
  }
  const options = account.options ?? {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new AppError('INVALID_INPUT', 'Account options must be an object.', { account: name.data })
  }
  let optionsText: string
  try {
    optionsText = JSON.stringify(options)
  } catch (error) {
    throw new AppError('INVALID_INPUT', 'Account options cannot be stored as JSON.', { account: name.data, cause: error })
  }
  return { name: name.data, kind: kind.data, url: account.url, options: optionsText }
}

/**
 * Per-event checks that SQLite's STRICT types cannot make, plus the two serialisations the row
 * needs: the raw record as stored (JSON text) and its canonical form for the integrity chain.
 */
function checkIngestEvent(
  event: IngestEvent,
  index: number,
  account: string
): { rawText: string; canonical: string } {
  const bad = (why: string, cause?: unknown): AppError =>
    new AppError('INVALID_INPUT', `Event ${index + 1} of the page cannot be stored: ${why}.`, { account, cause })
  if (typeof event !== 'object' || event === null) throw bad('it is not an object')
  const n = event.normalised
  if (typeof event.sourceEventId !== 'string' || event.sourceEventId === '') throw bad('it has no source event id')
  if (typeof n !== 'object' || n === null) throw bad('it has no normalised fields')
  if (!Number.isSafeInteger(n.occurred_at)) throw bad('occurred_at is not a time in whole milliseconds')
  if (!VERB_SET.has(n.verb)) throw bad(`unknown verb "${String(n.verb)}"`)
  if (!ACTIVITY_SET.has(n.activity)) throw bad(`unknown activity "${String(n.activity)}"`)
  if (!OUTCOME_SET.has(n.outcome)) throw bad(`unknown outcome "${String(n.outcome)}"`)
  if (!ACTOR_KIND_SET.has(n.actor_kind)) throw bad(`unknown actor kind "${String(n.actor_kind)}"`)
  let rawText: string | undefined
  let canonical: string
  try {
    rawText = JSON.stringify(event.raw)
    canonical = canonicalJson(event.raw)
  } catch (error) {
    throw bad(`its raw record is not JSON (${(error as Error).message})`, error)
  }
  if (rawText === undefined) throw bad('it has no raw record')
  return { rawText, canonical }
}

function checkSort(sort: EventSort): EventSort {
  if (
    typeof sort !== 'object' ||
    sort === null ||
    !(SORT_KEYS as readonly string[]).includes(sort.key) ||
    (sort.dir !== 'asc' && sort.dir !== 'desc')
  ) {
    throw new AppError('INVALID_INPUT', `Sort by one of ${SORT_KEYS.join(', ')}, ascending or descending.`)
  }
  return { key: sort.key, dir: sort.dir }
}

function checkPageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new AppError('INVALID_INPUT', `A page holds 1 to ${MAX_PAGE_SIZE} events.`)
  }
  return limit
}

function positionOf(row: EventRow, sort: EventSort, names: Map<number, string>): KeysetPosition {
  if (sort.key === 'occurred_at') return { value: null, occurredAt: row.occurred_at, id: row.id }
  const value =
    sort.key === 'account'
      ? (names.get(row.account_id) ?? '')
      : (row[SORT_COLUMNS[sort.key] as keyof EventRow] as string)
  return { value, occurredAt: row.occurred_at, id: row.id }
}
