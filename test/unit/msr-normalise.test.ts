import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { normaliseMsrEvent, policyKindOf, splitMsrType } from '../../src/main/core/sources/msr-normalise'
import { parseMsrEventsPage } from '../../src/main/core/sources/msr-page'
import { cursorAfterPage, readMsrCursor, startMsrRun } from '../../src/main/core/sources/msr-cursor'

const DIGEST = `sha256:${'bbf09ba3'.repeat(8)}`

/** The contract's own example event (sources/2-msr-dtr.md), with a full digest. */
const EXAMPLE = {
  id: '4e3c9a1b-7f0e-4c4b-9a57-0a1d2b9c6e11',
  publishedAt: '2019-03-14T21:59:04.812Z',
  actor: '194efd8e-9ee6-4d43-a34b-eefd9ce39087',
  type: 'CREATE',
  object: { id: DIGEST, type: 'TAG', name: 'latest', content: DIGEST },
  target: { id: '8a1c', type: 'REPOSITORY', name: 'test-org/test-repo-1' }
}

function event(patch: Record<string, unknown>): Record<string, unknown> {
  return { ...EXAMPLE, ...patch }
}

describe('normaliseMsrEvent', () => {
  it('reads the contract example: a tag created by a user', () => {
    expect(normaliseMsrEvent(EXAMPLE)).toEqual({
      occurred_at: Date.parse('2019-03-14T21:59:04.812Z'),
      action: 'TAG CREATE',
      verb: 'CREATE',
      activity: 'push',
      outcome: 'success',
      actor: '194efd8e-9ee6-4d43-a34b-eefd9ce39087',
      actor_kind: 'user',
      namespace: 'test-org',
      repository: 'test-org/test-repo-1',
      tag: 'latest',
      digest: DIGEST,
      target: null,
      client_ip: null,
      user_agent: null,
      label: 'Create Tag test-org/test-repo-1:latest'
    })
  })

  it('reads the Type whether bare, combined with the object, or in another case', () => {
    for (const type of ['CREATE TAG', 'TAG CREATE', 'tag_create', 'create-tag']) {
      const result = normaliseMsrEvent(event({ type, object: { ...EXAMPLE.object, type: undefined } }))
      expect(result, type).toMatchObject({ verb: 'CREATE', activity: 'push', action: 'TAG CREATE', tag: 'latest' })
    }
    expect(splitMsrType('PromotionPolicy CREATE')).toEqual({ verb: 'CREATE', rest: 'PROMOTION POLICY' })
    expect(splitMsrType('RENAME')).toEqual({ verb: null, rest: 'RENAME' })
  })

  it('maps every Type of the Activity tab on an image', () => {
    const cases: Array<[string, string, string]> = [
      ['CREATE', 'push', 'success'],
      ['UPDATE', 'push', 'success'],
      ['GET', 'pull', 'success'],
      ['DELETE', 'delete', 'success'],
      ['SCAN', 'scan', 'success'],
      ['SEND', 'mirror', 'success'],
      ['FAIL', 'other', 'failure']
    ]
    for (const [type, activity, outcome] of cases) {
      expect(normaliseMsrEvent(event({ type })), type).toMatchObject({ verb: type, activity, outcome })
    }
  })

  it('recognises policy actors, with actor_kind policy', () => {
    expect(policyKindOf('PROMOTION CA5E7822')).toBe('promotion')
    expect(policyKindOf('PROMOTION MANUAL_P')).toBe('promotion')
    expect(policyKindOf('promotion ca5e7822')).toBe('promotion')
    for (const actor of ['PULL_MIRRORING 3F2A9C11', 'PUSH MIRRORING 8B7E6D5C', 'MIRROR 1234ABCD', 'PUSH_MIRRORING_POLICY 0AF1']) {
      expect(policyKindOf(actor), actor).toBe('mirror')
    }
    expect(policyKindOf('PRUNING 5D4C3B2A')).toBe('pruning')
    for (const actor of ['194efd8e-9ee6-4d43-a34b-eefd9ce39087', 'alice', 'PROMOTION', 'promotions team lead', 'MIRROR']) {
      expect(policyKindOf(actor), actor).toBeNull()
    }
    expect(normaliseMsrEvent(event({ actor: 'PROMOTION MANUAL_P' }))).toMatchObject({
      activity: 'promotion',
      actor: 'PROMOTION MANUAL_P',
      actor_kind: 'policy',
      label: 'Create Tag test-org/test-repo-1:latest by PROMOTION MANUAL_P'
    })
    expect(normaliseMsrEvent(event({ actor: 'PUSH_MIRRORING 8B7E6D5C', type: 'FAIL' }))).toMatchObject({
      activity: 'mirror',
      verb: 'FAIL',
      outcome: 'failure',
      actor_kind: 'policy'
    })
    expect(normaliseMsrEvent(event({ actor: 'PRUNING 5D4C3B2A', type: 'DELETE' }))).toMatchObject({ activity: 'delete', actor_kind: 'policy' })
  })

  it('reads repository events, promotion policies and mirroring objects', () => {
    const repo = normaliseMsrEvent({
      ...EXAMPLE,
      object: { id: 'f00', type: 'REPOSITORY', name: 'ops/tools' },
      target: undefined
    })
    expect(repo).toMatchObject({ action: 'REPOSITORY CREATE', activity: 'create-repo', repository: 'ops/tools', namespace: 'ops', tag: null, digest: null, target: null })
    expect(normaliseMsrEvent({ ...EXAMPLE, type: 'DELETE', object: { id: 'f00', type: 'REPOSITORY', name: 'ops/tools' } })).toMatchObject({
      activity: 'delete'
    })
    const policy = normaliseMsrEvent(event({ object: { id: 'CA5E7822', type: 'promotion policy', name: 'to prod', content: DIGEST } }))
    expect(policy).toMatchObject({
      action: 'PROMOTION POLICY CREATE',
      activity: 'promotion',
      digest: null,
      target: 'promotion policy to prod',
      label: 'Create Promotion Policy test-org/test-repo-1'
    })
    expect(normaliseMsrEvent(event({ object: { id: 'a1', type: 'PUSH_MIRRORING_POLICY' } }))).toMatchObject({ activity: 'mirror' })
    expect(normaliseMsrEvent(event({ type: 'SEND', object: { id: 'w1', type: 'WEBHOOK', name: 'ci hook' } }))).toMatchObject({
      verb: 'SEND',
      activity: 'other',
      target: 'webhook ci hook',
      digest: null
    })
  })

  it('takes repository and tag from an object named ns/repo:tag when there is no target', () => {
    expect(normaliseMsrEvent({ ...EXAMPLE, target: undefined, object: { id: 'x', type: 'TAG', name: 'web/frontend:2.0' } })).toMatchObject({
      repository: 'web/frontend',
      namespace: 'web',
      tag: '2.0',
      digest: null
    })
  })

  it('keeps what it cannot classify, with a verb and a one-line label', () => {
    const odd = normaliseMsrEvent({ id: '1', publishedAt: '2020-01-01T00:00:00Z', type: 'RENAME\nREPO' })
    expect(odd).toMatchObject({ verb: 'UPDATE', activity: 'other', actor: null, actor_kind: 'unknown', repository: null })
    expect(odd.label).not.toMatch(/[\r\n]/)
    expect(odd.action).toBe('RENAME REPO')
    const bare = normaliseMsrEvent({ id: '2', publishedAt: '2020-01-01T00:00:00+02:00' })
    expect(bare).toMatchObject({ action: 'EVENT', label: 'Event', occurred_at: Date.parse('2019-12-31T22:00:00Z') })
  })

  it('never takes a non-digest content as the digest', () => {
    expect(normaliseMsrEvent(event({ object: { id: 'abc', type: 'TAG', name: 'latest', content: '{"rules":[]}' } })).digest).toBeNull()
    expect(normaliseMsrEvent(event({ object: { id: 'abc', type: 'TAG', name: 'latest', content: 'sha256:bbf09ba3…' } })).digest).toBeNull()
  })

  it('refuses what it cannot read with BAD_RESPONSE', () => {
    for (const raw of [null, 'event', [EXAMPLE], event({ publishedAt: 'yesterday' }), event({ publishedAt: undefined })]) {
      expect(() => normaliseMsrEvent(raw, { account: 'a' })).toThrow(AppError)
      try {
        normaliseMsrEvent(raw, { account: 'a' })
      } catch (error) {
        expect((error as AppError).code).toBe('BAD_RESPONSE')
      }
    }
  })
})

describe('parseMsrEventsPage', () => {
  const place = { account: 'a', host: 'dtr.example.org' }

  it('keeps unknown fields in raw and numeric ids as text', () => {
    const records = parseMsrEventsPage({ events: [{ ...EXAMPLE, sourceIp: '10.1.2.3', object: { ...EXAMPLE.object, extra: { a: 1 } } }, { ...EXAMPLE, id: 42 }] }, place)
    expect(records[0]!.raw['sourceIp']).toBe('10.1.2.3')
    expect(records[1]!.id).toBe('42')
    expect(records[0]!.at).toBe(Date.parse(EXAMPLE.publishedAt))
  })

  it('names the event and the field it refuses', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /"events"/],
      [{ events: null }, /"events" is not a list/],
      [{ events: [EXAMPLE, { ...EXAMPLE, id: '' }] }, /event 2 has no id/],
      [{ events: [{ ...EXAMPLE, publishedAt: 1552600744 }] }, /event 1 .* no publishedAt string/],
      [{ events: [{ ...EXAMPLE, actor: { id: 1 } }] }, /actor that is not a string/],
      [{ events: [{ ...EXAMPLE, target: { name: 7 } }] }, /target\.name that is not a string/]
    ]
    for (const [body, message] of cases) expect(() => parseMsrEventsPage(body, place)).toThrow(message)
  })
})

describe('msr cursor', () => {
  it('starts from the high-water mark minus the overlap and raises it only when a run ends', () => {
    const fresh = readMsrCursor(null)
    expect(startMsrRun(fresh, 600)).toEqual({ after: null, pageStart: null, newest: null })
    const cursor = { v: 1 as const, highWater: Date.parse('2025-01-01T00:10:00Z'), run: null }
    const run = startMsrRun(cursor, 600)
    expect(run.after).toBe('2025-01-01T00:00:00.000Z')
    const mid = cursorAfterPage(cursor, run, Date.parse('2025-01-02T00:00:00Z'), 'next-id')
    expect(mid).toEqual({ v: 1, highWater: cursor.highWater, run: { ...run, pageStart: 'next-id', newest: Date.parse('2025-01-02T00:00:00Z') } })
    expect(cursorAfterPage(cursor, run, Date.parse('2025-01-02T00:00:00Z'), null)).toEqual({
      v: 1,
      highWater: Date.parse('2025-01-02T00:00:00Z'),
      run: null
    })
    expect(cursorAfterPage(cursor, run, null, null)).toEqual({ v: 1, highWater: cursor.highWater, run: null })
  })

  it('refuses a cursor of another kind', () => {
    expect(() => readMsrCursor({ v: 1, highWater: 'x' }, 'a')).toThrow(/not an MSR events cursor/)
  })
})
