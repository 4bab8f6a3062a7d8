import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ACTIVITIES, ACTOR_KINDS, VERBS } from '../../src/shared/event'
import { AppError } from '../../src/main/core/errors'
import {
  DOCKERHUB_ACTIONS,
  actorKind,
  classifyAction,
  guessVerb,
  normaliseDockerHubRecord
} from '../../src/main/core/sources/dockerhub-normalise'
import { MAX_RECORDS_PER_PAGE, parseAuditLogPage, parseTimestamp } from '../../src/main/core/sources/dockerhub-page'
import { DOCUMENTED_ACTIONS } from '../sim/dockerhub-events'

/** The two records of the contract's own example, as printed in sources/1-dockerhub.md. */
const PUSH = {
  account: 'acme',
  action: 'repo.tag.push',
  name: 'acme/payments-api',
  actor: 'ci-bot',
  data: { digest: 'sha256:4f1c0e…9b2d', tag: '1.8.3' },
  timestamp: '2025-05-12T08:41:07Z',
  action_description: 'pushed the tag 1.8.3 with the digest sha256:4f1c0e to the repository acme/payments-api\n'
}
const MEMBER_ADD = {
  account: 'acme',
  action: 'org.member.add',
  name: 'jdoe',
  actor: 'alice',
  data: { role: 'member' },
  timestamp: '2025-05-12T08:10:55Z',
  action_description: 'added jdoe to the organization acme\n'
}

function badResponse(fn: () => unknown): AppError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('BAD_RESPONSE')
    return error as AppError
  }
  throw new Error('expected BAD_RESPONSE')
}

describe('docker hub normalisation', () => {
  it('has every action of the contract in its table (none is left to guessing)', () => {
    const missing = DOCUMENTED_ACTIONS.filter((action) => DOCKERHUB_ACTIONS[action] === undefined)
    expect(missing).toEqual([])
    expect(DOCUMENTED_ACTIONS).toHaveLength(77)
  })

  it('normalises the contract example push', () => {
    expect(normaliseDockerHubRecord(PUSH)).toEqual({
      occurred_at: Date.parse('2025-05-12T08:41:07Z'),
      action: 'repo.tag.push',
      verb: 'CREATE',
      activity: 'push',
      outcome: 'success',
      actor: 'ci-bot',
      actor_kind: 'user',
      namespace: 'acme',
      repository: 'acme/payments-api',
      tag: '1.8.3',
      digest: 'sha256:4f1c0e…9b2d',
      target: null,
      client_ip: null,
      user_agent: null,
      label: 'ci-bot pushed the tag 1.8.3 with the digest sha256:4f1c0e to the repository acme/payments-api'
    })
  })

  it('normalises the contract example member add: target is the member', () => {
    expect(normaliseDockerHubRecord(MEMBER_ADD)).toMatchObject({
      verb: 'CREATE',
      activity: 'member',
      namespace: 'acme',
      repository: null,
      target: 'jdoe',
      tag: null,
      digest: null,
      label: 'alice added jdoe to the organization acme'
    })
  })

  it.each([
    ['repo.tag.push', 'CREATE', 'push'],
    ['repo.tag.delete', 'DELETE', 'delete'],
    ['repo.delete', 'DELETE', 'delete'],
    ['repo.create', 'CREATE', 'create-repo'],
    ['repo.update', 'UPDATE', 'settings'],
    ['repo.change_privacy', 'UPDATE', 'settings'],
    ['repo.category.updated', 'UPDATE', 'settings'],
    ['repo.immutable.tags.updated', 'UPDATE', 'settings'],
    ['org.member.invite.send', 'SEND', 'member'],
    ['org.member.removed', 'DELETE', 'member'],
    ['org.team.member.invite', 'SEND', 'team'],
    ['org.team.member.remove', 'DELETE', 'team'],
    ['org.access_token.update', 'UPDATE', 'token'],
    ['billing.plan.seat_add.request', 'UPDATE', 'billing'],
    ['enterprise.sso.connection.jit_toggle', 'UPDATE', 'sso'],
    ['enterprise.setting.policy.create', 'CREATE', 'policy'],
    ['org.registry_access.registry_removed', 'DELETE', 'policy'],
    ['org.securepolicyprofile.update', 'UPDATE', 'policy'],
    ['org.customrole.delete', 'DELETE', 'policy'],
    ['org.settings.update', 'UPDATE', 'settings'],
    ['oidc.connection.create', 'CREATE', 'settings'],
    ['offload.lease.end', 'DELETE', 'other']
  ])('%s → %s / %s', (action, verb, activity) => {
    expect(classifyAction(action)).toEqual({ verb, activity })
  })

  it.each([
    ['org.member.suspend', 'UPDATE', 'member'],
    ['org.team.renamed', 'UPDATE', 'team'],
    ['org.access_token.revoked', 'DELETE', 'token'],
    ['billing.invoice.sent', 'SEND', 'billing'],
    ['enterprise.sso.domain.added', 'CREATE', 'sso'],
    ['org.securepolicywidget.remove', 'DELETE', 'policy'],
    ['repo.tag.pull', 'UPDATE', 'other'],
    ['scout.policy.enabled', 'CREATE', 'other'],
    ['something', 'UPDATE', 'other']
  ])('unknown action %s is kept, guessed %s / %s', (action, verb, activity) => {
    const event = normaliseDockerHubRecord({ ...MEMBER_ADD, action })
    expect(event).toMatchObject({ action, verb, activity })
  })

  it('guesses verbs from the last meaningful word', () => {
    expect(guessVerb('org.widget.created')).toBe('CREATE')
    expect(guessVerb('x.remove.done')).toBe('DELETE')
    expect(guessVerb('x.y')).toBe('UPDATE')
  })

  it('labels: description trimmed to one line; generated when missing', () => {
    expect(normaliseDockerHubRecord({ ...PUSH, action_description: '  pushed\r\n  twice \n' }).label).toBe('ci-bot pushed twice')
    const { action_description: _, ...bare } = PUSH
    expect(normaliseDockerHubRecord(bare).label).toBe('ci-bot repo.tag.push acme/payments-api:1.8.3')
    expect(normaliseDockerHubRecord({ timestamp: '2025-05-12T08:41:07Z', action: 'org.create', name: 'acme' }).label).toBe(
      'org.create acme'
    )
    expect(normaliseDockerHubRecord({ timestamp: '2025-05-12T08:41:07Z' })).toMatchObject({
      action: 'unknown',
      actor: null,
      actor_kind: 'unknown',
      label: 'unknown'
    })
  })

  it.each([
    ['alice', 'user'],
    ['ci-bot', 'user'],
    ['first.last@example.com', 'user'],
    ['<user-access-token>', 'token'],
    ['GitHub Actions deploy', 'token'],
    ['dckr_oat_abc', 'token'],
    ['', 'unknown']
  ])('actor %j is a %s', (actor, kind) => {
    expect(actorKind(actor)).toBe(kind)
    expect(normaliseDockerHubRecord({ ...PUSH, actor }).actor_kind).toBe(kind)
  })

  it('a repository name without a namespace is placed in the record account', () => {
    expect(normaliseDockerHubRecord({ ...PUSH, name: 'payments-api' })).toMatchObject({
      namespace: 'acme',
      repository: 'acme/payments-api'
    })
    expect(normaliseDockerHubRecord({ ...PUSH, name: 'other/app' })).toMatchObject({ namespace: 'other', repository: 'other/app' })
  })

  it('keeps hostile strings as data, and non-string data values out of the columns', () => {
    const hostile = '<img src=x onerror=alert(1)>\u202Egnp.exe\u0000'
    const event = normaliseDockerHubRecord({ ...MEMBER_ADD, name: hostile, actor: hostile, data: { tag: 5, digest: null } })
    expect(event.target).toBe(hostile)
    expect(event.actor).toBe(hostile)
    expect(event.actor_kind).toBe('token')
    const push = normaliseDockerHubRecord({ ...PUSH, data: { tag: 5, digest: ['x'] } })
    expect(push.tag).toBeNull()
    expect(push.digest).toBeNull()
  })

  it('refuses records it cannot read, naming the field', () => {
    expect(badResponse(() => normaliseDockerHubRecord({ ...PUSH, timestamp: undefined })).message).toMatch(
      /field "timestamp" is missing or not a string/
    )
    expect(badResponse(() => normaliseDockerHubRecord({ ...PUSH, timestamp: 1715503267 })).message).toMatch(/"timestamp"/)
    expect(badResponse(() => normaliseDockerHubRecord({ ...PUSH, timestamp: '12/05/2025' })).message).toMatch(
      /field "timestamp" is not an RFC 3339 date-time \("12\/05\/2025"\)/
    )
    expect(badResponse(() => normaliseDockerHubRecord({ ...PUSH, action: 42 })).message).toMatch(/field "action" has the wrong type/)
    expect(badResponse(() => normaliseDockerHubRecord({ ...PUSH, data: ['x'] })).message).toMatch(/field "data" has the wrong type/)
    expect(badResponse(() => normaliseDockerHubRecord('text')).message).toMatch(/is not an object/)
    expect(badResponse(() => normaliseDockerHubRecord({ ...PUSH, action_description: 'x'.repeat(1024 * 1024) })).message).toMatch(
      /larger than 1 MiB/
    )
    expect(badResponse(() => normaliseDockerHubRecord({ ...PUSH, timestamp: 'x' }, { account: 'hub', page: 3, index: 4 })).message).toMatch(
      /^hub: bad response from docker hub: record 5 of page 3 field "timestamp"/
    )
  })

  it('reads RFC 3339 timestamps in their usual forms', () => {
    const at = Date.parse('2025-05-12T08:41:07Z')
    expect(parseTimestamp('2025-05-12T08:41:07Z')).toBe(at)
    expect(parseTimestamp('2025-05-12T08:41:07.123456Z')).toBe(at + 123)
    expect(parseTimestamp('2025-05-12T10:41:07+02:00')).toBe(at)
    expect(parseTimestamp('2025-05-12T10:41:07+0200')).toBe(at)
    expect(parseTimestamp('2025-05-12 08:41:07z')).toBe(at)
    for (const bad of ['2025-05-12', '2025-05-12T08:41:07', '2025-13-12T08:41:07Z', 'now', '']) {
      expect(parseTimestamp(bad), bad).toBeUndefined()
    }
  })
})

describe('docker hub page parsing', () => {
  it('takes a missing or null `logs` as an empty page, and refuses any other non-array', () => {
    expect(parseAuditLogPage({})).toEqual([])
    expect(parseAuditLogPage({ logs: null })).toEqual([])
    expect(badResponse(() => parseAuditLogPage({ logs: 'x' })).message).toMatch(/"logs" on a page is not an array/)
    expect(badResponse(() => parseAuditLogPage([PUSH])).message).toMatch(/is not a JSON object/)
    expect(badResponse(() => parseAuditLogPage(null)).message).toMatch(/is not a JSON object/)
  })

  it('keeps unknown fields in the raw record and hashes the canonical form', () => {
    const [parsed] = parseAuditLogPage({ logs: [{ ...PUSH, ip: '10.0.0.1' }] })
    expect(parsed!.raw).toEqual({ ...PUSH, ip: '10.0.0.1' })
    const [reordered] = parseAuditLogPage({ logs: [{ ip: '10.0.0.1', ...PUSH }] })
    expect(reordered!.hash).toBe(parsed!.hash)
  })

  it('refuses a page with more records than the cap', () => {
    const logs = Array.from({ length: MAX_RECORDS_PER_PAGE + 1 }, () => PUSH)
    expect(badResponse(() => parseAuditLogPage({ logs })).message).toMatch(/more than the 10000 accepted/)
  })

  it('never fails with anything but BAD_RESPONSE, and what it accepts normalises well-formed (property)', () => {
    const recordish = fc.record(
      {
        account: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        action: fc.oneof(fc.constantFrom(...DOCUMENTED_ACTIONS), fc.string(), fc.integer()),
        name: fc.oneof(fc.string(), fc.constant(null)),
        actor: fc.oneof(fc.string(), fc.boolean()),
        data: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), fc.string(), fc.constant(null)),
        timestamp: fc.oneof(
          fc.date({ min: new Date('1971-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
          fc.integer()
        ),
        action_description: fc.string()
      },
      { requiredKeys: [] }
    )
    fc.assert(
      fc.property(fc.oneof(fc.record({ logs: fc.array(fc.oneof(recordish, fc.anything()), { maxLength: 5 }) }), fc.anything()), (body) => {
        let records
        try {
          records = parseAuditLogPage(body)
        } catch (error) {
          return error instanceof AppError && error.code === 'BAD_RESPONSE'
        }
        for (const record of records) {
          const event = normaliseDockerHubRecord(record.raw)
          if (!VERBS.includes(event.verb) || !ACTIVITIES.includes(event.activity) || !ACTOR_KINDS.includes(event.actor_kind)) return false
          if (/[\r\n]/.test(event.label) || !Number.isFinite(event.occurred_at)) return false
        }
        return true
      }),
      { numRuns: 2000, seed: 42 }
    )
  })
})
