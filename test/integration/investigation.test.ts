import Database from 'better-sqlite3'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/shared/event'
import type { DeletionCause, DeletionReport } from '../../src/shared/investigation'
import { contract, type ContractResult, type MethodName, type PushEvents } from '../../src/shared/contract'
import { createContractHandlers, dispatchCall } from '../../src/main/core/api-handlers'
import { CoreRuntime } from '../../src/main/core/core-runtime'
import { AppError } from '../../src/main/core/errors'
import { BULK_MIN, BULK_WINDOW_MS } from '../../src/main/core/investigate/deletion-explainer'
import { archivePath } from '../../src/main/core/paths'
import { policyKindOf } from '../../src/main/core/sources/msr-normalise'
import { AuditService } from '../../src/main/core/service'
import {
  buildInvestigationArchive,
  D1,
  D1B,
  D2,
  D3,
  DW,
  LIB_GUN,
  M1,
  M2,
  T,
  WEB_GUN,
  type InvestigationArchive
} from './fixtures/investigation-archive'

/**
 * The investigation features (issue 7) over a real archive filled by syncing the Docker Hub and
 * MSR simulators (with the MSR's Notary changefeed) and a real notary-server through the real
 * connectors and normalisers. Tests that change the archive work on a copy of it.
 */

const MIN = 60_000
const HOUR = 60 * MIN
let a: InvestigationArchive
const copies: string[] = []

beforeAll(async () => {
  a = await buildInvestigationArchive()
}, 120_000)

/** The real notary-server's changefeed, as the server itself gives it. */
async function notaryFeed(): Promise<Array<{ gun: string; category: string; createdAt: number }>> {
  return (await a.notary.feed()).map((record) => ({
    gun: String(record['GUN']),
    category: String(record['Category']),
    createdAt: Date.parse(String(record['CreatedAt']))
  }))
}

afterAll(async () => {
  await a?.close()
  for (const dir of copies) rmSync(dir, { recursive: true, force: true })
})

/** A copy of the synced archive in a folder of its own, with a service over it and raw SQL access. */
function copy(): { service: AuditService; sql: Database.Database; file: string; close(): void } {
  a.service.close()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'investigation-copy-'))
  copies.push(dir)
  mkdirSync(path.join(dir, 'data'))
  const file = archivePath(path.join(dir, 'data'))
  copyFileSync(archivePath(a.dataDir), file)
  if (existsSync(`${archivePath(a.dataDir)}-wal`)) throw new Error('the archive was not checkpointed on close')
  const service = new AuditService({ dataDir: path.join(dir, 'data') })
  service.listAccounts()
  const sql = new Database(file)
  return {
    service,
    sql,
    file,
    close: () => {
      sql.close()
      service.close()
    }
  }
}

function expectAppError(fn: () => unknown, code: string): AppError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught, 'expected an AppError').toBeInstanceOf(AppError)
  expect((caught as AppError).code).toBe(code)
  return caught as AppError
}

function eventIdOf(where: (e: AuditEvent) => boolean, service = a.service): number {
  const rows = service.queryEvents({ query: { includePull: true }, limit: 1000 }).rows
  const found = rows.filter(where)
  expect(found).toHaveLength(1)
  return found[0]!.id
}

describe('digest lineage', () => {
  it('lists pushes, retags, the overwrite and the tag delete that removed a digest, linked and explained', () => {
    const lineage = a.service.investigation.digestLineage(D1)
    expect(lineage.entries.map((e) => [e.event.actor, e.role, e.link])).toEqual([
      ['alice', 'push', 'digest'],
      ['alice', 'retag', 'digest'],
      ['ci-bot', 'overwritten', 'tag'],
      ['bob', 'untag', 'tag']
    ])
    // bob's delete names no digest: it is in the lineage through the tag history, and says so.
    const untag = lineage.entries[3]!
    expect(untag.event.digest).toBeNull()
    expect(untag.how).toContain('acme/app:1.0 pointed at this digest')
    expect(lineage.entries[2]!.event.digest).toBe(D2)
    expect(lineage.tags.map((s) => [s.tag, s.endedBy])).toEqual([
      ['1.0', 'untag'],
      ['latest', 'overwritten']
    ])
    expect(lineage).toMatchObject({ digest: D1, accounts: ['hub'], repositories: ['acme/app'], tagged: false, truncated: false })
    expect(lineage.pulls.count).toBe(0)
  })

  it('follows a digest across accounts and repositories to a repository delete', () => {
    const lineage = a.service.investigation.digestLineage(D3)
    expect(lineage.entries.map((e) => [e.event.actor, e.role, e.link, e.event.repository])).toEqual([
      ['alice', 'push', 'digest', 'acme/tmp'],
      ['alice', 'push', 'digest', 'acme/app'],
      ['<user-access-token>', 'untag', 'tag', 'acme/app'],
      ['erin', 'repository-delete', 'repository', 'acme/tmp']
    ])
    expect(lineage.repositories).toEqual(['acme/app', 'acme/tmp'])
  })

  it('links the Notary signature that followed the push by repository and time, and no later one', () => {
    // A prefix is enough when it names one digest.
    const lineage = a.service.investigation.digestLineage(M1.slice(0, 16))
    expect(lineage.digest).toBe(M1)
    expect(lineage.entries.map((e) => e.role)).toEqual(['push', 'push', 'sign', 'scan', 'promotion', 'pull', 'untag'])
    const sign = lineage.entries.find((e) => e.role === 'sign')!
    expect(sign).toMatchObject({ link: 'trust', event: { account: 'msr', activity: 'sign', digest: null, occurred_at: T + 30_000 } })
    expect(sign.how).toMatch(/30 s after this digest was pushed to payments\/api as :latest/)
    expect(sign.how).toMatch(/by repository and time/)
    // The trust update two days later followed no push: it is not M1's.
    const allSigns = a.service.queryEvents({ query: { activity: { any: ['sign'] }, account: { any: ['msr'] } }, limit: 10 }).rows
    expect(allSigns).toHaveLength(2)
    expect(lineage.entries.some((e) => e.event.occurred_at === T + 48 * HOUR)).toBe(false)
    expect(lineage.tags.map((s) => [s.tag, s.until === null, s.endedBy])).toEqual([
      ['latest', true, null],
      ['prod', false, 'untag']
    ])
    expect(lineage.tagged).toBe(true)
    expect(lineage.pulls).toMatchObject({ count: 1, first: T + 20 * MIN })

    const withoutPulls = a.service.investigation.digestLineage(M1, { includePull: false })
    expect(withoutPulls.entries.some((e) => e.role === 'pull')).toBe(false)
    expect(withoutPulls.pulls.count).toBe(1)
    const truncated = a.service.investigation.digestLineage(M1, { limit: 2 })
    expect(truncated.truncated).toBe(true)
  })

  it('links the real notary-server\'s signatures and trust deletion of the repository to the pushed digest, and no other repository\'s', async () => {
    const feed = await notaryFeed()
    const webUpdates = feed.filter((r) => r.gun === WEB_GUN && r.category === 'update')
    expect(webUpdates).toHaveLength(3)
    expect(feed.filter((r) => r.gun === WEB_GUN && r.category === 'deletion')).toHaveLength(1)
    expect(feed.filter((r) => r.gun === LIB_GUN)).toHaveLength(2)

    const lineage = a.service.investigation.digestLineage(DW)
    expect(lineage.accounts).toEqual(['hub', 'trust'])
    expect(lineage.entries.map((e) => [e.role, e.link, e.event.account])).toEqual([
      ['push', 'digest', 'hub'],
      ['sign', 'trust', 'trust'],
      ['sign', 'trust', 'trust'],
      ['sign', 'trust', 'trust'],
      ['trust-delete', 'trust', 'trust'],
      ['untag', 'tag', 'hub']
    ])
    const push = lineage.entries[0]!.event
    expect(push).toMatchObject({ actor: 'alice', repository: 'acme/web', tag: '1.0', occurred_at: a.release.pushedAt })
    // Each signature is one of the server's own changes, at the time the server recorded it.
    const signs = lineage.entries.filter((e) => e.role === 'sign')
    expect(signs.map((e) => e.event.occurred_at)).toEqual(webUpdates.map((r) => r.createdAt))
    for (const sign of signs) {
      expect(sign.event).toMatchObject({ repository: 'acme/web', digest: null, activity: 'sign' })
      expect(sign.how).toMatch(new RegExp(`\\d+ s after this digest was pushed to acme/web as :1\\.0 \\(event ${push.id}, hub\\)`))
      expect(sign.how).toMatch(/by repository and time/)
    }
    expect(lineage.entries[4]!.how).toMatch(/deleted while acme\/web:1\.0 \(hub\) pointed at this digest/)
    expect(lineage.entries[5]!.event).toMatchObject({ actor: 'mallory', activity: 'delete', occurred_at: a.release.deletedAt })
    // acme/lib was signed too, in the same seconds, but nothing pushed it: none of its changes is DW's.
    const libChanges = a.service.queryEvents({ query: { account: { any: ['trust'] }, repository: { any: ['acme/lib'] } }, limit: 10 }).rows
    expect(libChanges).toHaveLength(2)
    expect(lineage.entries.some((e) => e.event.repository === 'acme/lib')).toBe(false)
  })

  it('refuses unknown, too short and ambiguous digests with typed errors', () => {
    const investigation = a.service.investigation
    expectAppError(() => investigation.digestLineage(`sha256:${'09'.repeat(32)}`), 'NOT_FOUND')
    expectAppError(() => investigation.digestLineage('sha256:0909090909'), 'NOT_FOUND')
    expectAppError(() => investigation.digestLineage('sha256:a'), 'INVALID_INPUT')
    expectAppError(() => investigation.digestLineage('not a digest at all'), 'INVALID_INPUT')
    const ambiguous = expectAppError(() => investigation.digestLineage('sha256:a1a1a1a1'), 'INVALID_INPUT')
    expect(ambiguous.message).toContain(D1)
    expect(ambiguous.message).toContain(D1B)
  })
})

describe('tag history', () => {
  it('gives the tags per account now, at a moment, and the difference between two moments', () => {
    const investigation = a.service.investigation
    const now = investigation.tagState('acme/app')
    expect(now.map((s) => [s.account, s.tags.map((t) => [t.tag, t.digest])])).toEqual([
      ['hub', [['latest', D2]]],
      ['msr', [['latest', M2]]]
    ])
    const then = investigation.tagState('acme/app', { account: 'hub', at: T + 45 * MIN })
    expect(then).toHaveLength(1)
    expect(then[0]!.tags.map((t) => [t.tag, t.digest])).toEqual([
      ['1.0', D1],
      ['2.0', D3],
      ['latest', D1]
    ])
    const diff = investigation.tagDiff('acme/app', { from: T + 45 * MIN, to: T + 5 * HOUR })
    const hub = diff.accounts.find((x) => x.account === 'hub')!
    expect(hub.added).toEqual([])
    expect(hub.removed.map((r) => [r.tag, r.digest, r.removedBy?.actor])).toEqual([
      ['1.0', D1, 'bob'],
      ['2.0', D3, '<user-access-token>']
    ])
    expect(hub.moved.map((m) => [m.tag, m.from.digest, m.to.digest])).toEqual([['latest', D1, D2]])
    expect(hub.changes.every((c) => c.at > T + 45 * MIN && c.at <= T + 5 * HOUR)).toBe(true)
    const msr = diff.accounts.find((x) => x.account === 'msr')!
    expect(msr.added.map((t) => [t.tag, t.digest])).toEqual([['latest', M2]])
  })

  it('answers "was :latest overwritten?" with the events that did it', () => {
    const history = a.service.investigation.tagHistory('acme/app', { tag: 'latest', account: 'hub' })
    expect(history.changes.map((c) => c.kind)).toEqual(['created', 'moved'])
    expect(history.overwrites).toHaveLength(1)
    expect(history.overwrites[0]).toMatchObject({ actor: 'ci-bot', from: D1, to: D2, at: T + HOUR })
    const other = a.service.investigation.tagHistory('acme/app', { tag: '1.0' })
    expect(other.overwrites).toEqual([])
    expect(other.changes.map((c) => [c.kind, c.actor])).toEqual([
      ['created', 'alice'],
      ['removed', 'bob']
    ])
  })

  it('refuses an unknown account or repository, and a diff backwards', () => {
    const investigation = a.service.investigation
    expectAppError(() => investigation.tagState('acme/app', { account: 'ghost' }), 'NOT_FOUND')
    expectAppError(() => investigation.tagHistory('no/such-repo'), 'NOT_FOUND')
    expectAppError(() => investigation.tagDiff('acme/app', { from: T + HOUR, to: T }), 'INVALID_INPUT')
  })
})

/**
 * Checks every cause against the archive: evidence is never empty, every piece names an event that
 * exists, and that event shows what the cause claims. Ranks follow the scores.
 */
function checkCauses(report: DeletionReport, service: AuditService): void {
  for (const explanation of report.deletions) {
    const deletion = explanation.deletion
    expect(deletion.activity).toBe('delete')
    const ranked = explanation.causes
    expect(ranked.map((c) => c.rank)).toEqual(ranked.map((_, i) => i + 1))
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score)
    for (const cause of ranked) {
      expect(cause.evidence.length, `${cause.kind} without evidence`).toBeGreaterThan(0)
      const events = cause.evidence.map((item) => service.getEvent(item.eventId))
      checkCause(cause, deletion, events, service)
    }
  }
}

function checkCause(cause: DeletionCause, deletion: AuditEvent, events: AuditEvent[], service: AuditService): void {
  switch (cause.kind) {
    case 'user-delete':
      expect(['user', 'token']).toContain(deletion.actor_kind)
      expect(deletion.actor).not.toBeNull()
      expect(policyKindOf(deletion.actor)).toBeNull()
      expect(events.every((e) => e.id === deletion.id)).toBe(true)
      break
    case 'retention-policy':
      expect(policyKindOf(deletion.actor) === 'pruning' || /retention|prun|clean|expir|lifecycle|ttl/i.test(`${deletion.actor} ${deletion.action}`)).toBe(true)
      break
    case 'promotion-or-mirror-policy':
      expect(
        ['promotion', 'mirror'].includes(policyKindOf(deletion.actor) ?? '') ||
          events.every((e) => (e.activity === 'promotion' || e.activity === 'mirror') && e.occurred_at <= deletion.occurred_at)
      ).toBe(true)
      break
    case 'system-job':
      expect(['system', 'job'].includes(deletion.actor_kind) || /gc|garbage|janitor|system|scheduler|cron/i.test(`${deletion.actor} ${deletion.action}`)).toBe(true)
      break
    case 'bulk-delete': {
      const count = service.countEvents({
        account: { any: [deletion.account] },
        actor: { any: [deletion.actor ?? ''] },
        activity: { any: ['delete'] },
        since: deletion.occurred_at - BULK_WINDOW_MS,
        until: deletion.occurred_at + BULK_WINDOW_MS + 1
      }).count
      expect(count).toBeGreaterThanOrEqual(BULK_MIN)
      expect(events.every((e) => e.actor === deletion.actor && e.activity === 'delete')).toBe(true)
      break
    }
  }
}

describe('the deletion explainer', () => {
  it('explains the delete of a signed tag as a user delete, with the trust deletion in the notes', () => {
    const report = a.service.investigation.explainDeletion({ repository: 'acme/web', tag: '1.0' })
    expect(report.deletions).toHaveLength(1)
    const [explanation] = report.deletions
    expect(explanation!.digest).toBe(DW)
    expect(explanation!.deletion).toMatchObject({ account: 'hub', actor: 'mallory' })
    expect(explanation!.causes.map((c) => c.kind)).toEqual(['user-delete'])
    expect(explanation!.actorActivity.map((e) => e.actor)).toEqual(['mallory'])
    // The notary-server's trust deletion just before is context, not a cause: it names no actor.
    const trustDelete = eventIdOf((e) => e.account === 'trust' && e.activity === 'trust-delete')
    const seconds = Math.round((a.release.deletedAt - a.service.getEvent(trustDelete).occurred_at) / 1000)
    expect(report.notes).toContain(
      `trust data of ${WEB_GUN} deleted (event ${trustDelete}, trust) ${seconds} s before the deletion in event ${explanation!.deletion.id}; ` +
        'the Notary changefeed does not say who deleted it'
    )
    expect(explanation!.causes.flatMap((c) => c.evidence.map((e) => e.eventId))).not.toContain(trustDelete)
    checkCauses(report, a.service)
  })

  it('ranks a pruning policy first for its delete, and never calls it a user delete', () => {
    const report = a.service.investigation.explainDeletion({ repository: 'payments/api', tag: 'prod' })
    expect(report.deletions).toHaveLength(1)
    const [explanation] = report.deletions
    expect(explanation!.digest).toBe(M1)
    expect(explanation!.causes.map((c) => c.kind)).toEqual(['retention-policy'])
    checkCauses(report, a.service)
  })

  it('shows a bulk delete by one user with the other deletes as evidence, and the hour around it', () => {
    const report = a.service.investigation.explainDeletion({ repository: 'acme/old', tag: 'v3' })
    const [explanation] = report.deletions
    expect(explanation!.causes.map((c) => c.kind)).toEqual(['user-delete', 'bulk-delete'])
    const bulk = explanation!.causes.find((c) => c.kind === 'bulk-delete')!
    expect(bulk.evidence.length).toBe(6)
    expect(explanation!.actorActivity.map((e) => e.actor)).toEqual(Array(6).fill('dave'))
    // The pushes at T+2h30 are more than 30 minutes before the 13:02:30 delete; they are not "around it".
    expect(explanation!.actorActivity.every((e) => e.activity === 'delete')).toBe(true)
    checkCauses(report, a.service)
  })

  it('names the token of a token delete, and a repository delete for a digest', () => {
    const token = a.service.investigation.explainDeletion({ repository: 'acme/app', tag: '2.0' })
    expect(token.deletions[0]!.causes[0]).toMatchObject({ kind: 'user-delete', rank: 1 })
    expect(token.deletions[0]!.causes[0]!.evidence[0]!.text).toContain('access token "<user-access-token>"')
    const digest = a.service.investigation.explainDeletion({ digest: D3 })
    expect(digest.deletions.map((d) => [d.scope, d.deletion.actor])).toEqual([
      ['repository', 'erin'],
      ['tag', '<user-access-token>']
    ])
    checkCauses(token, a.service)
    checkCauses(digest, a.service)
  })

  it('says when nothing was deleted, and that the tag was overwritten', () => {
    const report = a.service.investigation.explainDeletion({ repository: 'acme/app', tag: 'latest' })
    expect(report.deletions).toEqual([])
    expect(report.notes.join('\n')).toMatch(/hub: acme\/app:latest exists now/)
    expect(report.notes.join('\n')).toMatch(/overwritten with another digest 1 time/)
  })

  it('backs every cause of every deletion in the archive with evidence', () => {
    const deletes = a.service.queryEvents({ query: { activity: { any: ['delete'] } }, limit: 1000 }).rows
    expect(deletes.length).toBeGreaterThan(8)
    let causes = 0
    for (const event of deletes) {
      const targets = [
        ...(event.tag !== null && event.repository !== null ? [{ repository: event.repository, tag: event.tag }] : []),
        ...(event.digest !== null ? [{ digest: event.digest }] : [])
      ]
      for (const target of targets) {
        const report = a.service.investigation.explainDeletion(target)
        checkCauses(report, a.service)
        causes += report.deletions.reduce((n, d) => n + d.causes.length, 0)
      }
    }
    expect(causes).toBeGreaterThan(8)
  })

  it('lists no cause for a deletion whose record says nothing about who did it', () => {
    const c = copy()
    try {
      // An actor the source did not record: no cause may be claimed for it.
      const id = eventIdOf((e) => e.tag === 'v5' && e.activity === 'delete', c.service)
      c.sql.prepare("UPDATE events SET actor = '', actor_kind = 'unknown' WHERE id = ?").run(id)
      const report = c.service.investigation.explainDeletion({ repository: 'acme/old', tag: 'v5' })
      expect(report.deletions).toHaveLength(1)
      expect(report.deletions[0]!.causes).toEqual([])
      expect(report.deletions[0]!.actorActivity).toEqual([])
      // A job's delete right after a promotion of the same image.
      const v6 = eventIdOf((e) => e.tag === 'v6' && e.activity === 'delete', c.service)
      const v6Push = eventIdOf((e) => e.tag === 'v6' && e.activity === 'push', c.service)
      c.sql.prepare("UPDATE events SET actor = 'registry-gc', actor_kind = 'job' WHERE id = ?").run(v6)
      c.sql.prepare("UPDATE events SET activity = 'promotion', occurred_at = ? WHERE id = ?").run(T + 3 * HOUR + 4 * MIN, v6Push)
      const job = c.service.investigation.explainDeletion({ repository: 'acme/old', tag: 'v6' })
      expect(job.deletions[0]!.causes.map((x) => x.kind)).toEqual(['system-job', 'promotion-or-mirror-policy'])
      expect(job.deletions[0]!.causes[1]!.evidence.map((e) => e.eventId)).toEqual([v6Push])
      checkCauses(job, c.service)
    } finally {
      c.close()
    }
  })
})

describe('chain verification', () => {
  it('reports the synced archive intact', () => {
    const result = a.service.investigation.verify()
    expect(result.intact).toBe(true)
    expect(result.accounts.map((x) => [x.account, x.intact, x.events, x.recordedCount, x.head === x.computedHead])).toEqual([
      ['hub', true, 23, 23, true],
      ['msr', true, 9, 9, true],
      ['trust', true, 6, 6, true]
    ])
  })

  it('finds an altered raw record at its own event, and nowhere else', () => {
    const c = copy()
    try {
      const id = eventIdOf((e) => e.repository === 'acme/app' && e.tag === '1.0' && e.activity === 'delete', c.service)
      c.sql.prepare("UPDATE events SET raw = json_set(raw, '$.actor', 'mallory') WHERE id = ?").run(id)
      const result = c.service.investigation.verify()
      expect(result.intact).toBe(false)
      const hub = result.accounts.find((x) => x.account === 'hub')!
      expect(hub).toMatchObject({ intact: false, badLinks: 1, firstBreak: { reason: 'hash-mismatch', eventId: id } })
      expect(hub.otherBreaks).toEqual([])
      expect(result.accounts.find((x) => x.account === 'msr')!.intact).toBe(true)
      expect(result.accounts.find((x) => x.account === 'trust')!.intact).toBe(true)

      // A real notary-server's change, rewritten to hide which repository lost its trust data.
      const trustDelete = eventIdOf((e) => e.account === 'trust' && e.activity === 'trust-delete', c.service)
      c.sql.prepare("UPDATE events SET raw = json_set(raw, '$.GUN', 'docker.io/acme/lib') WHERE id = ?").run(trustDelete)
      const again = c.service.investigation.verify()
      expect(again.accounts.find((x) => x.account === 'trust')).toMatchObject({
        intact: false,
        badLinks: 1,
        firstBreak: { reason: 'hash-mismatch', eventId: trustDelete }
      })
    } finally {
      c.close()
    }
  })

  it('finds a deleted row, a deleted newest row and a reordered row', () => {
    const c = copy()
    try {
      const hubIds = c.sql.prepare('SELECT id FROM events WHERE account_id = 1 ORDER BY id').pluck().all() as number[]
      const msrIds = c.sql.prepare('SELECT id FROM events WHERE account_id = 2 ORDER BY id').pluck().all() as number[]
      // A row from the middle of hub's chain.
      c.sql.prepare('DELETE FROM events WHERE id = ?').run(hubIds[5])
      // msr's newest row: every link before it still holds; only the head tells.
      c.sql.prepare('DELETE FROM events WHERE id = ?').run(msrIds.at(-1))
      let result = c.service.investigation.verify()
      const hub = result.accounts.find((x) => x.account === 'hub')!
      expect(hub.firstBreak).toMatchObject({ reason: 'hash-mismatch', eventId: hubIds[6], afterEventId: hubIds[4] })
      expect(hub.otherBreaks.map((b) => b.reason)).toContain('count-mismatch')
      const msr = result.accounts.find((x) => x.account === 'msr')!
      expect(msr.firstBreak).toMatchObject({ reason: 'head-mismatch', eventId: null, afterEventId: msrIds.at(-2) })
      expect(msr.badLinks).toBe(0)

      // Reordering: hub's second event moved to the end of the table.
      const c2 = copy()
      try {
        const ids = c2.sql.prepare('SELECT id FROM events WHERE account_id = 1 ORDER BY id').pluck().all() as number[]
        c2.sql.prepare('UPDATE events SET id = (SELECT max(id) + 1 FROM events) WHERE id = ?').run(ids[1])
        result = c2.service.investigation.verify()
        const reordered = result.accounts.find((x) => x.account === 'hub')!
        expect(reordered.intact).toBe(false)
        expect(reordered.firstBreak).toMatchObject({ reason: 'hash-mismatch', eventId: ids[2] })
      } finally {
        c2.close()
      }
    } finally {
      c.close()
    }
  })
})

describe('local retention', () => {
  it('prunes old events from the middle of a chain, keeps pinned ones and the FTS index, and stays verifiable', () => {
    const c = copy()
    try {
      const investigation = c.service.investigation
      const pinned = eventIdOf((e) => e.repository === 'acme/app' && e.tag === '1.0' && e.activity === 'push', c.service)
      investigation.cases.create('incident-1')
      investigation.cases.pin('incident-1', pinned, 'first push of D1')
      const cutoff = T + 150 * MIN
      const before = c.service.countEvents({ account: { any: ['hub'] }, includePull: true }).count
      // Everything of hub but the signed release (minutes old) is older than a day; the pinned event would stay.
      expect(investigation.previewPrune('hub', 1)).toMatchObject({ account: 'hub', count: before - 3, pinned: 1, oldest: T })
      const expected = c.service.countEvents({ account: { any: ['hub'] }, until: cutoff, includePull: true }).count - 1
      const result = investigation.prune('hub', cutoff)
      expect(result).toMatchObject({ account: 'hub', deleted: expected, keptPinned: 1 })
      // The pruned stretch lies between held events (the pinned push is the oldest, stored last).
      expect(result.checkpoints).toBe(1)
      expect(c.sql.prepare('SELECT after_event_id FROM chain_checkpoints').pluck().get()).toBeGreaterThan(0)
      expect(c.service.countEvents({ account: { any: ['hub'] }, includePull: true }).count).toBe(before - expected)
      expect(c.service.getEvent(pinned).tag).toBe('1.0')
      // The FTS rows went with the events (through the archive's trigger), and the index is sound.
      expect(c.service.countEvents({ text: ['bob'] }).count).toBe(0)
      c.sql.exec("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')")
      const verified = investigation.verify()
      expect(verified.intact).toBe(true)
      expect(verified.accounts.find((x) => x.account === 'hub')).toMatchObject({ events: before - expected, pruned: expected, recordedCount: before })
      expect(investigation.coverage().accounts.find((x) => x.account === 'hub')!.pruned).toEqual({ events: expected, cutoff })

      // A second prune merges with the checkpoints of the first.
      const second = investigation.prune('hub', T + 5 * HOUR + 1)
      expect(second.deleted).toBeGreaterThan(0)
      expect(investigation.verify().intact).toBe(true)

      // An altered checkpoint is a break.
      c.sql.prepare("UPDATE chain_checkpoints SET hash = ? WHERE rowid = (SELECT min(rowid) FROM chain_checkpoints)").run('0'.repeat(64))
      const broken = investigation.verify()
      expect(broken.intact).toBe(false)
      // And a broken chain is not pruned: that would remove the evidence of the break.
      const count = c.service.countEvents({ includePull: true }).count
      expectAppError(() => investigation.prune('hub', Date.now()), 'CONFLICT')
      expect(c.service.countEvents({ includePull: true }).count).toBe(count)
    } finally {
      c.close()
    }
  })

  it('keeps the chain verifiable when later events get ids the pruned ones had', async () => {
    const b = await buildInvestigationArchive()
    try {
      const investigation = b.service.investigation
      const maxBefore = b.service.queryEvents({ query: { includePull: true }, limit: 1 }).rows[0]
      const msrIds = b.service.queryEvents({ query: { account: { any: ['msr'] }, includePull: true }, limit: 100 }).rows.map((e) => e.id)
      const trustIds = b.service.queryEvents({ query: { account: { any: ['trust'] }, includePull: true }, limit: 100 }).rows.map((e) => e.id)
      // msr's and then the notary account's events hold the highest ids: pruning them all lets
      // SQLite hand those ids out again.
      expect(Math.min(...msrIds, ...trustIds)).toBeGreaterThan(b.service.queryEvents({ query: { account: { any: ['hub'] }, includePull: true }, limit: 1 }).rows.length)
      expect(investigation.prune('trust', Date.now()).deleted).toBe(trustIds.length)
      const result = investigation.prune('msr', T + 3 * 24 * HOUR)
      expect(result.deleted).toBe(msrIds.length)
      expect(investigation.verify().intact).toBe(true)
      const now = Date.now()
      b.msrSim.addEvents([
        {
          id: '00000000-0000-4000-8000-00000000abcd',
          publishedAt: new Date(now - 5 * MIN).toISOString(),
          actor: 'PRUNING 5D4C3B2A',
          type: 'DELETE',
          object: { id: M1, type: 'TAG', name: 'latest' },
          target: { id: 'r', type: 'REPOSITORY', name: 'payments/api' }
        }
      ])
      b.msrSim.trust.add(b.msrSim.gun('payments/api'), 'deletion', now - 4 * MIN)
      await b.sync()
      const added = b.service.queryEvents({ query: { account: { any: ['msr'] }, includePull: true }, limit: 100 }).rows
      // Only the new ones: the sync's overlap re-read msr's newest (pruned) event, and it stayed out.
      expect(added.map((e) => e.label).sort()).toEqual([
        'Delete Tag payments/api:latest by PRUNING 5D4C3B2A',
        'trust data of dtr.example.org/payments/api deleted'
      ])
      // The new events reuse pruned ids (below the old maximum).
      expect(Math.min(...added.map((e) => e.id))).toBeLessThanOrEqual(Math.max(...msrIds))
      expect(maxBefore).toBeDefined()
      const verified = investigation.verify()
      expect(verified.intact).toBe(true)
      expect(verified.accounts.find((x) => x.account === 'msr')).toMatchObject({ events: 2, pruned: msrIds.length, recordedCount: msrIds.length + 2 })
      expect(verified.accounts.find((x) => x.account === 'trust')).toMatchObject({ intact: true, events: 0, pruned: trustIds.length })
    } finally {
      await b.close()
    }
  }, 60_000)

  it('refuses bad ages and unknown accounts', () => {
    const investigation = a.service.investigation
    expectAppError(() => investigation.previewPrune('hub', 0), 'INVALID_INPUT')
    expectAppError(() => investigation.previewPrune('ghost', 30), 'NOT_FOUND')
    expectAppError(() => investigation.prune('hub', Date.now() + HOUR), 'INVALID_INPUT')
  })
})

describe('coverage', () => {
  it('gives each account its range and retention, finds gaps between runs and warns when a sync is overdue', async () => {
    const c = copy()
    try {
      let report = c.service.investigation.coverage()
      const hub = report.accounts.find((x) => x.account === 'hub')!
      expect(hub).toMatchObject({ kind: 'dockerhub', events: 23, oldest: T, newest: a.release.deletedAt, retention: { days: 30 }, successfulRuns: 1, gaps: [], warnings: [] })
      expect(hub.coverageStart).toBe(hub.firstSuccessfulRun! - 30 * 24 * HOUR)
      const msr = report.accounts.find((x) => x.account === 'msr')!
      expect(msr).toMatchObject({ retention: { days: null, keepsAll: false }, coverageStart: null, gaps: [], warnings: [] })
      // The notary-server's changefeed keeps every change: held from the first one it recorded.
      const feed = await notaryFeed()
      const trust = report.accounts.find((x) => x.account === 'trust')!
      expect(trust).toMatchObject({
        kind: 'notary',
        events: feed.length,
        oldest: Math.min(...feed.map((r) => r.createdAt)),
        newest: Math.max(...feed.map((r) => r.createdAt)),
        retention: { days: null, keepsAll: true },
        successfulRuns: 1,
        gaps: [],
        warnings: []
      })

      // Runs 100 and 50 days ago: the second began 20 days after the first had read up to.
      const now = Date.now()
      c.sql.prepare("UPDATE sync_runs SET started_at = ?, finished_at = ? WHERE account_id = 1").run(now - 100 * 24 * HOUR, now - 100 * 24 * HOUR + 1000)
      c.sql
        .prepare("INSERT INTO sync_runs (account_id, started_at, finished_at, status) VALUES (1, ?, ?, 'ok'), (1, ?, NULL, 'failed')")
        .run(now - 50 * 24 * HOUR, now - 50 * 24 * HOUR + 1000, now - HOUR)
      report = c.service.investigation.coverage()
      const stale = report.accounts.find((x) => x.account === 'hub')!
      expect(stale.gaps).toEqual([
        {
          from: now - 100 * 24 * HOUR,
          to: now - 80 * 24 * HOUR,
          afterRunStartedAt: now - 100 * 24 * HOUR,
          nextRunStartedAt: now - 50 * 24 * HOUR
        }
      ])
      expect(stale.warnings.join('\n')).toMatch(/not synced for 50 days, longer than the source keeps events \(30 days\)/)
      expect(stale.warnings.join('\n')).toMatch(/the last sync failed/)
      expect(stale.warnings.join('\n')).toMatch(/1 gap/)
    } finally {
      c.close()
    }
  })
})

describe('saved queries, recent queries and cases', () => {
  it('saves, lists, replaces and deletes named queries, refusing bad ones', () => {
    const c = copy()
    try {
      const queries = c.service.investigation.queries
      const saved = queries.save('deletes by dave', 'verb:DELETE actor:dave since:30d', { sort: { key: 'actor', dir: 'asc' } })
      expect(saved).toMatchObject({ name: 'deletes by dave', query: 'verb:DELETE actor:dave since:30d', sort: { key: 'actor', dir: 'asc' } })
      expectAppError(() => queries.save('deletes by dave', 'verb:DELETE'), 'CONFLICT')
      expect(queries.save('deletes by dave', 'verb:DELETE', { replace: true }).query).toBe('verb:DELETE')
      expectAppError(() => queries.save('bad', 'verb:NOPE'), 'QUERY_SYNTAX')
      expectAppError(() => queries.save(' spaced', 'verb:DELETE'), 'INVALID_INPUT')
      expectAppError(() => queries.save('x'.repeat(65), 'verb:DELETE'), 'INVALID_INPUT')
      expect(queries.list().map((q) => q.name)).toEqual(['deletes by dave'])
      queries.delete('deletes by dave')
      expectAppError(() => queries.delete('deletes by dave'), 'NOT_FOUND')

      for (let i = 0; i < 55; i++) queries.recordRecent(`actor:user${i}`)
      queries.recordRecent('actor:user54')
      queries.recordRecent('')
      const recent = queries.recent()
      expect(recent).toHaveLength(50)
      expect(recent[0]).toMatchObject({ query: 'actor:user54', uses: 2 })
      expect(recent.some((q) => q.query === 'actor:user0')).toBe(false)
    } finally {
      c.close()
    }
  })

  it('pins events to cases with notes, and keeps a copy of an event the archive no longer holds', () => {
    const c = copy()
    try {
      const cases = c.service.investigation.cases
      cases.create('incident-2', 'latest overwritten')
      expectAppError(() => cases.create('incident-2'), 'CONFLICT')
      const msrEvent = eventIdOf((e) => e.actor === 'PRUNING 5D4C3B2A', c.service)
      cases.pin('incident-2', msrEvent, 'the pruning policy')
      cases.pin('incident-2', msrEvent, 'the pruning policy removed :prod')
      expectAppError(() => cases.pin('incident-2', 999_999, ''), 'NOT_FOUND')
      expectAppError(() => cases.pin('ghost', msrEvent, ''), 'NOT_FOUND')
      let detail = cases.get('incident-2')
      expect(detail).toMatchObject({ name: 'incident-2', description: 'latest overwritten', pins: 1 })
      expect(detail.pins_list[0]).toMatchObject({ eventId: msrEvent, note: 'the pruning policy removed :prod', held: true })
      // Purging the account takes the event; the case keeps its copy and says it is gone.
      c.service.removeAccount('msr', { purgeEvents: true })
      detail = cases.get('incident-2')
      expect(detail.pins_list[0]).toMatchObject({ held: false, event: { actor: 'PRUNING 5D4C3B2A', id: msrEvent } })
      expect(cases.list()).toMatchObject([{ name: 'incident-2', pins: 1 }])
      cases.unpin('incident-2', msrEvent)
      expectAppError(() => cases.unpin('incident-2', msrEvent), 'NOT_FOUND')
      cases.delete('incident-2')
      expect(cases.list()).toEqual([])
    } finally {
      c.close()
    }
  })
})

describe('the contract methods', () => {
  it('serve lineage, tags, the explainer, integrity, evidence and local retention through the dispatch', async () => {
    const c = copy()
    c.close()
    const dataDir = path.dirname(c.file)
    const runtime = new CoreRuntime({ dataDir, version: '9.9.9-test', transport: 'browser', autoSync: false })
    const pushed: Array<PushEvents['events:changed']> = []
    runtime.events.on((event, payload) => {
      if (event === 'events:changed') pushed.push(payload as PushEvents['events:changed'])
    })
    const handlers = createContractHandlers(runtime, { runExport: () => Promise.reject(new Error('unused')) })
    const call = async <M extends MethodName>(method: M, input?: unknown) =>
      (await dispatchCall(handlers, contract[method].channel, input)) as
        | { ok: true; value: ContractResult<M> }
        | { ok: false; error: { code: string; message: string } }
    const value = async <M extends MethodName>(method: M, input?: unknown): Promise<ContractResult<M>> => {
      const result = await call(method, input)
      if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`)
      return result.value
    }
    try {
      expect((await value('digestLineage', { digest: D1 })).entries).toHaveLength(4)
      expect((await value('tagHistory', { repository: 'acme/app', tag: 'latest' })).overwrites).toHaveLength(1)
      expect((await value('tagState', { repository: 'acme/app', at: T + 45 * MIN })).map((s) => s.account)).toEqual(['hub', 'msr'])
      expect((await value('digestLineage', { digest: DW })).entries.filter((e) => e.event.account === 'trust').map((e) => e.role)).toEqual([
        'sign',
        'sign',
        'sign',
        'trust-delete'
      ])
      expect((await value('tagDiff', { repository: 'acme/app', from: T, to: T + 5 * HOUR })).accounts).toHaveLength(2)
      expect((await value('explainDeletion', { digest: D3 })).deletions).toHaveLength(2)
      expect(await call('explainDeletion', { repository: 'acme/app', digest: D3 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
      expect(await call('explainDeletion', { digest: 'sha256:0000000000' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
      expect((await value('verifyArchive')).intact).toBe(true)
      expect((await value('coverage')).accounts.map((x) => x.account)).toEqual(['hub', 'msr', 'trust'])
      expect(await value('saveQuery', { name: 'mine', query: 'actor:dave' })).toMatchObject({ name: 'mine' })
      expect(await call('saveQuery', { name: 'mine', query: 'actor:dave' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } })
      expect((await value('recordRecentQuery', { query: 'verb:DELETE' }))[0]).toMatchObject({ query: 'verb:DELETE', uses: 1 })
      await value('createCase', { name: 'contract-case' })
      const pin = await value('pinEvent', { name: 'contract-case', eventId: eventIdOf((e) => e.actor === 'erin', runtime.service), note: 'repo gone' })
      expect(pin).toMatchObject({ note: 'repo gone', held: true })

      const evidence = await value('exportEvidence', { query: { actor: { any: ['dave'] } }, timeZone: 'UTC', caseName: 'contract-case' })
      expect(evidence).toMatchObject({ rows: 12, intact: true })
      expect(path.dirname(evidence.dir)).toBe(path.join(dataDir, 'evidence'))
      expect(readdirSync(evidence.dir)).toContain('manifest.sha256')
      expect(readdirSync(evidence.dir)).toContain('case.json')

      const preview = await value('previewPrune', { account: 'msr', olderThanDays: 1 })
      expect(preview).toMatchObject({ account: 'msr', count: 9, pinned: 0 })
      expect(await value('pruneEvents', { account: 'msr', before: preview.before })).toMatchObject({ deleted: 9 })
      expect(pushed).toContainEqual({ accounts: ['msr'], reason: 'pruned' })
      expect((await value('verifyArchive')).intact).toBe(true)
    } finally {
      await runtime.close()
    }
  })
})
