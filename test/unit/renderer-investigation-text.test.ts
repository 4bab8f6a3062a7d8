import { describe, expect, it } from 'vitest'
import type { TagChange, TagHistory } from '../../src/shared/contract'
import { parseQuery } from '../../src/shared/query-parser'
import {
  deletionTargetFor,
  importSummary,
  lineageRoleActivity,
  lineageRoleLabel,
  overwriteAnswer,
  parsePruneDays,
  retentionText,
  scorePercent,
  scoreStrength,
  tagChangeText,
  tagSpanText
} from '../../src/renderer/src/lib/investigation-text'
import { investigationCommandsFor } from '../../src/renderer/src/lib/palette-investigation'
import { viewAsQueryText } from '../../src/renderer/src/lib/view-as-query'
import { commitQueryText } from '../../src/renderer/src/lib/view-query'

const D1 = `sha256:${'a1'.repeat(32)}`
const D2 = `sha256:${'b2'.repeat(32)}`

function change(overrides: Partial<TagChange>): TagChange {
  return {
    account: 'hub',
    repository: 'acme/app',
    tag: 'latest',
    at: 0,
    eventId: 1,
    kind: 'created',
    from: null,
    to: D1,
    via: 'push',
    actor: 'alice',
    actorKind: 'user',
    action: 'repo.tag.push',
    ...overrides
  }
}

function history(changes: TagChange[]): TagHistory {
  return {
    repository: 'acme/app',
    tag: 'latest',
    changes,
    overwrites: changes.filter((c) => c.kind === 'moved'),
    accounts: ['hub']
  }
}

describe('the investigation views’ words', () => {
  it('names every lineage role and draws it in an activity colour', () => {
    expect(lineageRoleLabel('retag')).toBe('Tagged again')
    expect(lineageRoleLabel('overwritten')).toBe('Tag overwritten')
    expect(lineageRoleActivity('retag')).toBe('push')
    expect(lineageRoleActivity('overwritten')).toBe('delete')
    expect(lineageRoleActivity('sign')).toBe('sign')
    expect(
      tagSpanText(
        { account: 'hub', repository: 'acme/app', tag: 'latest', from: 1, fromEventId: 1, until: 2, untilEventId: 2, endedBy: 'overwritten' },
        (ms) => `t${ms}`
      )
    ).toBe('acme/app:latest (hub) from t1 to t2, then overwritten')
  })

  it('describes tag changes with short digests, the actor and how', () => {
    expect(tagChangeText(change({}))).toBe('latest created → a1a1a1a1a1a1 by alice')
    expect(tagChangeText(change({ kind: 'moved', from: D1, to: D2, actor: 'ci-bot' }))).toBe(
      'latest moved from a1a1a1a1a1a1 to b2b2b2b2b2b2 by ci-bot'
    )
    expect(tagChangeText(change({ kind: 'removed', from: D1, to: null, via: 'manifest-delete', actor: null }))).toBe(
      'latest removed (was a1a1a1a1a1a1) (manifest delete)'
    )
    expect(tagChangeText(change({ kind: 'pushed', to: null }))).toContain('whether it moved is unknown')
  })

  it('answers “was it overwritten?” yes, no, or cannot tell', () => {
    expect(overwriteAnswer(history([change({}), change({ kind: 'moved', from: D1, to: D2 })]))).toMatchObject({ answer: 'yes' })
    expect(overwriteAnswer(history([change({}), change({ kind: 'moved' }), change({ kind: 'moved' })])).text).toContain('2 times')
    expect(overwriteAnswer(history([change({}), change({ kind: 'repushed', from: D1 })]))).toMatchObject({ answer: 'no' })
    expect(overwriteAnswer(history([change({}), change({ kind: 'pushed', to: null })]))).toMatchObject({ answer: 'unknown' })
    expect(overwriteAnswer(history([]))).toMatchObject({ answer: 'unknown' })
  })

  it('asks the explainer about a deletion’s tag, else its digest, and nothing else', () => {
    const base = { activity: 'delete', verb: 'DELETE', repository: 'acme/app', tag: '1.0', digest: D1 } as const
    expect(deletionTargetFor(base)).toEqual({ repository: 'acme/app', tag: '1.0' })
    expect(deletionTargetFor({ ...base, tag: null })).toEqual({ digest: D1 })
    expect(deletionTargetFor({ ...base, tag: null, digest: null })).toBeNull()
    expect(deletionTargetFor({ ...base, activity: 'push', verb: 'CREATE' })).toBeNull()
    expect(deletionTargetFor({ ...base, activity: 'trust-delete', verb: 'DELETE' })).toEqual({ repository: 'acme/app', tag: '1.0' })
  })

  it('summarises an import and a retention, and reads a number of days', () => {
    expect(importSummary({ imported: 1, duplicates: 0, rejected: 2, skipped: 0 })).toBe('Imported 1 event · 0 already held · 2 rejected')
    expect(importSummary({ imported: 1200, duplicates: 3, rejected: 0, skipped: 4 })).toBe(
      'Imported 1,200 events · 3 already held · 0 rejected · 4 skipped (not for this account)'
    )
    expect(retentionText({ retention: { days: 30, keepsAll: false, note: 'n' } })).toBe('30 days — n')
    expect(retentionText({ retention: { days: null, keepsAll: true, note: 'n' } })).toBe('Keeps everything — n')
    expect(retentionText({ retention: { days: null, keepsAll: false, note: 'n' } })).toBe('Not known — n')
    expect(scorePercent(0.666)).toBe(67)
    expect(scorePercent(3)).toBe(100)
    expect([0.95, 0.75, 0.6, 0.45, 0.3].map(scoreStrength)).toEqual(['strong', 'strong', 'moderate', 'moderate', 'weak'])
    expect(parsePruneDays(' 30 ')).toBe(30)
    for (const bad of ['0', '-1', '1.5', '', 'ten', '1000001']) expect(parsePruneDays(bad)).toBeUndefined()
  })
})

describe('the whole view as a query', () => {
  const now = Date.parse('2026-01-31T12:00:00Z')

  it('adds the time range and the pull choice to the bar’s text, and reads back as the same view', () => {
    const views = [
      { text: 'actor:alice', time: { kind: 'preset', preset: '7d' }, includePull: false },
      { text: '', time: { kind: 'preset', preset: 'all' }, includePull: true },
      { text: '-verb:GET repo:acme/app', time: { kind: 'absolute', from: now - 3_600_000, to: now }, includePull: false },
      { text: '"free text"', time: { kind: 'absolute', from: now - 60_000 }, includePull: true }
    ] as const
    for (const view of views) {
      const text = viewAsQueryText(view)
      const committed = commitQueryText(text, now, 'UTC')
      expect(committed.ok).toBe(true)
      if (!committed.ok) continue
      expect(committed.value.text).toBe(view.text)
      expect(committed.value.time ?? { kind: 'preset', preset: 'all' }).toEqual(view.time)
      expect(committed.value.includePull === true).toBe(view.includePull)
    }
    expect(viewAsQueryText({ text: '', time: { kind: 'preset', preset: 'all' }, includePull: false })).toBe('')
    expect(parseQuery(viewAsQueryText(views[2]), { now, timeZone: 'UTC' })).toMatchObject({ since: now - 3_600_000, until: now })
  })
})

describe('the palette’s investigation commands', () => {
  it('offers the lineage of a digest, the history of repository:tag and the tags of a repository', () => {
    expect(investigationCommandsFor(D1).map((c) => c.view)).toEqual([{ kind: 'lineage', digest: D1 }])
    expect(investigationCommandsFor('lineage a1a1a1a1a1a1').map((c) => c.view)).toEqual([{ kind: 'lineage', digest: 'a1a1a1a1a1a1' }])
    expect(investigationCommandsFor('acme/app:latest').map((c) => c.view)).toEqual([
      { kind: 'tags', repository: 'acme/app', tag: 'latest' },
      { kind: 'deletion', target: { repository: 'acme/app', tag: 'latest' } }
    ])
    expect(investigationCommandsFor('team/sub/app').map((c) => c.view)).toEqual([{ kind: 'tags', repository: 'team/sub/app', tag: null }])
  })

  it('leaves query qualifiers, short words and plain commands alone', () => {
    for (const text of ['', 'actor:alice', 'since:7d', 'sync', 'export csv', 'abc123', 'repo:acme/app']) {
      expect(investigationCommandsFor(text)).toEqual([])
    }
  })
})
