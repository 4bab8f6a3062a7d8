import Database from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canonicalJson, sha256Hex } from '../../src/main/core/canonical'
import { Archive } from '../../src/main/core/db/archive'
import type { IngestEvent } from '../../src/main/core/db/archive-types'
import { SYNC_LOCK_STALE_MS } from '../../src/main/core/db/sync-lock'
import { AppError } from '../../src/main/core/errors'
import { generateEvents, ingestEvent, tempArchivePath, type TempDir } from './archive-fixtures'

let temp: TempDir
let archive: Archive

beforeEach(() => {
  temp = tempArchivePath()
  archive = Archive.open(temp.file)
})
afterEach(() => {
  archive.close()
  temp.remove()
})

function errorOf(work: () => unknown): AppError {
  try {
    work()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected an AppError')
}

/** A second, plain connection to the same file, to look at what the archive really stored. */
function peek<T>(look: (db: Database.Database) => T): T {
  const db = new Database(temp.file, { readonly: true })
  try {
    return look(db)
  } finally {
    db.close()
  }
}

/** FTS5's own check that the text index matches the events table exactly; throws if not. */
function ftsIntegrityCheck(): void {
  const db = new Database(temp.file)
  try {
    db.prepare("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)").run()
  } finally {
    db.close()
  }
}

const hub = { name: 'hub', kind: 'dockerhub' as const, url: 'https://hub.docker.com', options: { org: 'acme', username: 'ops' } }

describe('accounts', () => {
  it('adds, lists by name, gets, updates and refuses duplicate or invalid names', () => {
    const b = archive.addAccount({ ...hub, name: 'zeta' })
    const a = archive.addAccount(hub)
    expect(a).toMatchObject({ name: 'hub', kind: 'dockerhub', options: { org: 'acme', username: 'ops' }, removed_at: null })
    expect(archive.listAccounts().map((x) => x.name)).toEqual(['hub', 'zeta'])
    expect(archive.getAccount('zeta')?.id).toBe(b.id)
    expect(archive.getAccount('nope')).toBeUndefined()
    expect(errorOf(() => archive.addAccount(hub)).code).toBe('CONFLICT')
    expect(errorOf(() => archive.addAccount({ ...hub, name: 'bad name!' })).code).toBe('INVALID_INPUT')
    expect(errorOf(() => archive.addAccount({ ...hub, name: 'x', kind: 'gitlab' as never })).code).toBe('INVALID_INPUT')
    const renamed = archive.updateAccount(a.id, { name: 'hub-prod', options: { org: 'acme2', username: 'ops' } })
    expect(renamed).toMatchObject({ id: a.id, name: 'hub-prod', options: { org: 'acme2' } })
    expect(errorOf(() => archive.updateAccount(a.id, { name: 'zeta' })).code).toBe('CONFLICT')
    expect(errorOf(() => archive.updateAccount(999, { url: 'https://x' })).code).toBe('NOT_FOUND')
  })
})

describe('writePage', () => {
  it('inserts idempotently on (account, source_event_id), counting duplicates, also within one page', () => {
    const account = archive.addAccount(hub)
    const events = generateEvents(5, 3)
    expect(archive.writePage(account.id, 'auditlog', events.slice(0, 3), { page: 1 })).toEqual({ inserted: 3, duplicates: 0 })
    expect(archive.writePage(account.id, 'auditlog', events, { page: 2 })).toEqual({ inserted: 2, duplicates: 3 })
    const twice = [ingestEvent({ n: 'x' }), ingestEvent({ n: 'x' })]
    expect(archive.writePage(account.id, 'auditlog', twice, { page: 3 })).toEqual({ inserted: 1, duplicates: 1 })
    expect(archive.countEvents({ includePull: true })).toEqual({ count: 6, exact: true })
    // The same source id under another account is another event.
    const other = archive.addAccount({ ...hub, name: 'other' })
    expect(archive.writePage(other.id, 'auditlog', events, null)).toEqual({ inserted: 5, duplicates: 0 })
  })

  it("stores absent text as '' and reads it back as null, with the raw record as JSON text", () => {
    const account = archive.addAccount(hub)
    const raw = { action: 'org.member.add', nested: { b: 1, a: [true, null] } }
    archive.writePage(account.id, 'auditlog', [ingestEvent(raw, { repository: null, tag: null, actor: null, actor_kind: 'system' })], 7)
    const [row] = archive.queryEvents({ query: { includePull: true } }).rows
    expect(row).toMatchObject({ account: 'hub', account_id: account.id, repository: null, tag: null, actor: null, digest: null })
    expect(JSON.parse(row!.raw)).toEqual(raw)
    expect(archive.getEvent(row!.id)).toEqual(row)
    expect(archive.getEvent(row!.id + 1000)).toBeUndefined()
    expect(peek((db) => db.prepare('SELECT repository, actor FROM events').get())).toEqual({ repository: '', actor: '' })
  })

  it('chains each newly stored event: chain_hash = SHA-256(previous || canonical raw), per account', () => {
    const account = archive.addAccount(hub)
    const events = generateEvents(40, 9)
    archive.writePage(account.id, 'auditlog', events.slice(0, 25), 1)
    archive.writePage(account.id, 'auditlog', events.slice(10), 2)
    const rows = peek((db) =>
      db.prepare('SELECT raw, chain_hash FROM events WHERE account_id = ? ORDER BY id').all(account.id)
    ) as Array<{ raw: string; chain_hash: string }>
    expect(rows).toHaveLength(40)
    let head = ''
    for (const row of rows) {
      head = sha256Hex(head + canonicalJson(JSON.parse(row.raw)))
      expect(row.chain_hash).toBe(head)
    }
    expect(peek((db) => db.prepare('SELECT head, count FROM chain_heads WHERE account_id = ?').get(account.id))).toEqual({
      head,
      count: 40
    })
  })

  it('writes the cursor with the page; a cursor that cannot be stored rolls the whole page back', () => {
    const account = archive.addAccount(hub)
    expect(archive.getCursor(account.id, 'auditlog')).toBeNull()
    archive.writePage(account.id, 'auditlog', generateEvents(3, 1), { to: '2026-01-01', page: 1 })
    expect(archive.getCursor(account.id, 'auditlog')).toEqual({ to: '2026-01-01', page: 1 })
    const headBefore = peek((db) => db.prepare('SELECT head, count FROM chain_heads').get())

    const fresh = generateEvents(6, 2)
    const bigint = errorOf(() => archive.writePage(account.id, 'auditlog', fresh, { page: 2n }))
    expect(bigint.code).toBe('INVALID_INPUT')
    expect(bigint.message).toContain('cursor')
    expect(errorOf(() => archive.writePage(account.id, 'auditlog', fresh, undefined)).code).toBe('INVALID_INPUT')

    expect(archive.countEvents({ includePull: true }).count).toBe(3)
    expect(archive.getCursor(account.id, 'auditlog')).toEqual({ to: '2026-01-01', page: 1 })
    expect(peek((db) => db.prepare('SELECT head, count FROM chain_heads').get())).toEqual(headBefore)
    ftsIntegrityCheck()
  })

  it('rolls back events written before a bad event in the same page', () => {
    const account = archive.addAccount(hub)
    const page: IngestEvent[] = generateEvents(4, 5)
    page.splice(2, 0, ingestEvent({ bad: true }, { occurred_at: 1.5 }))
    const error = errorOf(() => archive.writePage(account.id, 'auditlog', page, { page: 1 }))
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.message).toContain('Event 3')
    const badVerb = [ingestEvent({ v: 1 }, { verb: 'PUSH' as never })]
    expect(errorOf(() => archive.writePage(account.id, 'auditlog', badVerb, null)).code).toBe('INVALID_INPUT')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const cyclicEvent = { ...ingestEvent({ c: 1 }), raw: cyclic }
    expect(errorOf(() => archive.writePage(account.id, 'auditlog', [cyclicEvent], null)).code).toBe('INVALID_INPUT')
    expect(archive.countEvents({ includePull: true }).count).toBe(0)
    expect(archive.getCursor(account.id, 'auditlog')).toBeNull()
  })

  it('refuses pages for unknown or removed accounts', () => {
    expect(errorOf(() => archive.writePage(42, 'auditlog', [], null)).code).toBe('NOT_FOUND')
    const account = archive.addAccount(hub)
    archive.removeAccount(account.id, { purgeEvents: false })
    expect(errorOf(() => archive.writePage(account.id, 'auditlog', [], null)).code).toBe('NOT_FOUND')
  })
})

describe('removeAccount', () => {
  it('without purge hides the account but keeps its events queryable under its name; re-adding revives it', () => {
    const account = archive.addAccount(hub)
    const events = generateEvents(20, 4)
    archive.writePage(account.id, 'auditlog', events, { page: 9 })
    expect(archive.removeAccount(account.id, { purgeEvents: false })).toEqual({ eventsDeleted: 0 })
    expect(archive.listAccounts()).toEqual([])
    expect(archive.getAccount('hub')).toBeUndefined()
    expect(archive.getAccount('hub', { includeRemoved: true })?.removed_at).toEqual(expect.any(Number))
    expect(archive.listAccounts({ includeRemoved: true }).map((a) => a.name)).toEqual(['hub'])
    const kept = archive.queryEvents({ query: { account: { any: ['hub'] }, includePull: true } }).rows
    expect(kept).toHaveLength(20)
    expect(kept.every((r) => r.account === 'hub')).toBe(true)
    expect(archive.getCursor(account.id, 'auditlog')).toBeNull()

    const again = archive.addAccount({ ...hub, options: { org: 'acme', username: 'other' } })
    expect(again).toMatchObject({ id: account.id, removed_at: null, options: { username: 'other' } })
    expect(archive.writePage(again.id, 'auditlog', events, { page: 1 })).toEqual({ inserted: 0, duplicates: 20 })
  })

  it('with purge deletes events (and their text index), cursors, runs, lock, chain head and the account', () => {
    const keep = archive.addAccount({ ...hub, name: 'keep' })
    const gone = archive.addAccount(hub)
    archive.writePage(keep.id, 'auditlog', generateEvents(10, 1), null)
    archive.writePage(gone.id, 'auditlog', generateEvents(15, 2), { page: 1 })
    const run = archive.startSyncRun(gone.id)
    archive.finishSyncRun(run.id, { status: 'ok', pages: 1, inserted: 15, duplicates: 0, error_code: null, error_message: null })
    expect(archive.acquireSyncLock(gone.id, { pid: process.pid, host: hostname() })).toBe(true)
    expect(archive.removeAccount(gone.id, { purgeEvents: true })).toEqual({ eventsDeleted: 15 })
    expect(archive.getAccount('hub', { includeRemoved: true })).toBeUndefined()
    expect(archive.countEvents({ includePull: true }).count).toBe(10)
    const leftovers = peek((db) => ({
      cursors: db.prepare('SELECT count(*) FROM sync_cursors WHERE account_id = ?').pluck().get(gone.id),
      runs: db.prepare('SELECT count(*) FROM sync_runs WHERE account_id = ?').pluck().get(gone.id),
      locks: db.prepare('SELECT count(*) FROM sync_locks WHERE account_id = ?').pluck().get(gone.id),
      heads: db.prepare('SELECT count(*) FROM chain_heads WHERE account_id = ?').pluck().get(gone.id),
      fts: db.prepare("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'alice OR bob OR carol OR someone'").pluck().get(),
      matching: db
        .prepare("SELECT count(*) FROM events WHERE actor IN ('alice', 'bob', 'carol') OR label LIKE 'someone%'")
        .pluck()
        .get()
    }))
    expect(leftovers).toMatchObject({ cursors: 0, runs: 0, locks: 0, heads: 0 })
    expect(leftovers.fts).toBe(leftovers.matching)
    ftsIntegrityCheck()
    expect(errorOf(() => archive.removeAccount(gone.id, { purgeEvents: true })).code).toBe('NOT_FOUND')
    expect(archive.addAccount(hub).id).not.toBe(gone.id)
  })
})

describe('sync runs', () => {
  it('records a run from start to finish and reads the last one', () => {
    const account = archive.addAccount(hub)
    expect(archive.lastSyncRun(account.id)).toBeUndefined()
    const first = archive.startSyncRun(account.id)
    expect(first).toMatchObject({ account_id: account.id, status: 'running', finished_at: null, pages: 0 })
    archive.finishSyncRun(first.id, { status: 'failed', pages: 2, inserted: 150, duplicates: 50, error_code: 'RATE_LIMITED', error_message: 'rate limited' })
    const second = archive.startSyncRun(account.id)
    expect(archive.lastSyncRun(account.id)?.id).toBe(second.id)
    archive.finishSyncRun(second.id, { status: 'ok', pages: 1, inserted: 0, duplicates: 100, error_code: null, error_message: null })
    expect(archive.lastSyncRun(account.id)).toMatchObject({ status: 'ok', duplicates: 100, finished_at: expect.any(Number) })
    expect(errorOf(() => archive.finishSyncRun(999, { status: 'ok', pages: 0, inserted: 0, duplicates: 0, error_code: null, error_message: null })).code).toBe('NOT_FOUND')
    expect(errorOf(() => archive.finishSyncRun(second.id, { status: 'done' as never, pages: 0, inserted: 0, duplicates: 0, error_code: null, error_message: null })).code).toBe('INVALID_INPUT')
  })
})

describe('sync lock (in one process)', () => {
  const me = { pid: process.pid, host: hostname() }

  it('is exclusive, heartbeats for its holder only, and is free again after release', () => {
    const account = archive.addAccount(hub)
    expect(archive.acquireSyncLock(account.id, me)).toBe(true)
    expect(archive.acquireSyncLock(account.id, me)).toBe(false)
    // The parent of this test process is alive and on this host.
    expect(archive.acquireSyncLock(account.id, { pid: process.ppid, host: me.host })).toBe(false)
    expect(archive.syncLockHolder(account.id)).toMatchObject(me)
    expect(archive.heartbeatSyncLock(account.id, me)).toBe(true)
    expect(archive.heartbeatSyncLock(account.id, { pid: process.ppid, host: me.host })).toBe(false)
    archive.releaseSyncLock(account.id, me)
    expect(archive.syncLockHolder(account.id)).toBeUndefined()
    expect(archive.acquireSyncLock(account.id, { pid: process.ppid, host: me.host })).toBe(true)
  })

  it("takes over a dead process's lock at once, and another host's only once its heartbeat is stale", () => {
    const account = archive.addAccount(hub)
    const exited = spawnSync(process.execPath, ['-e', '0'])
    const deadPid = exited.pid as number
    expect(archive.acquireSyncLock(account.id, { pid: deadPid, host: me.host })).toBe(true)
    expect(archive.acquireSyncLock(account.id, me)).toBe(true)
    expect(archive.syncLockHolder(account.id)).toMatchObject(me)
    archive.releaseSyncLock(account.id, me)

    const remote = { pid: 1, host: 'build-server-7' }
    expect(archive.acquireSyncLock(account.id, remote)).toBe(true)
    expect(archive.acquireSyncLock(account.id, me)).toBe(false)
    const db = new Database(temp.file)
    db.prepare('UPDATE sync_locks SET heartbeat_at = ?').run(Date.now() - SYNC_LOCK_STALE_MS - 1000)
    db.close()
    expect(archive.acquireSyncLock(account.id, me)).toBe(true)
    expect(archive.heartbeatSyncLock(account.id, remote)).toBe(false)
  })

  it('treats a lock row carrying our own pid but not held by this process as left over (pid reuse)', () => {
    const account = archive.addAccount(hub)
    const db = new Database(temp.file)
    db.prepare('INSERT INTO sync_locks (account_id, pid, host, acquired_at, heartbeat_at) VALUES (?, ?, ?, 0, 0)').run(
      account.id,
      me.pid,
      me.host
    )
    db.close()
    expect(archive.acquireSyncLock(account.id, me)).toBe(true)
    expect(archive.acquireSyncLock(account.id, me)).toBe(false)
  })

  it('releases the locks it still holds when closed', () => {
    const account = archive.addAccount(hub)
    expect(archive.acquireSyncLock(account.id, me)).toBe(true)
    archive.close()
    archive = Archive.open(temp.file)
    expect(archive.syncLockHolder(account.id)).toBeUndefined()
  })
})
