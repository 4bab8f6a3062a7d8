import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { classifyQuayKind, normaliseQuayRecord, QUAY_KINDS } from '../../src/main/core/sources/quay-normalise'
import { ACTIVITIES, VERBS } from '../../src/shared/event'

const PUSH = {
  kind: 'push_repo',
  metadata: {
    repo: 'busybox',
    namespace: 'acme',
    tag: 'test-two',
    username: 'alice',
    'user-agent': 'containers/5.30.1 (github.com/containers/image)'
  },
  ip: '192.168.1.131',
  datetime: 'Tue, 18 Jun 2024 18:59:13 -0000',
  performer: {
    kind: 'user',
    name: 'alice',
    is_robot: false,
    avatar: { name: 'alice', hash: 'b28d563a6dc7', color: '#17becf', kind: 'user' }
  }
}

describe('normaliseQuayRecord', () => {
  it("normalises the contract's push example field by field", () => {
    expect(normaliseQuayRecord(PUSH)).toEqual({
      occurred_at: Date.parse('2024-06-18T18:59:13Z'),
      action: 'push_repo',
      verb: 'CREATE',
      activity: 'push',
      outcome: 'success',
      actor: 'alice',
      actor_kind: 'user',
      namespace: 'acme',
      repository: 'acme/busybox',
      tag: 'test-two',
      digest: null,
      target: null,
      client_ip: '192.168.1.131',
      user_agent: 'containers/5.30.1 (github.com/containers/image)',
      label: 'alice push repo acme/busybox:test-two'
    })
  })

  it("an anonymous pull (no performer) by digest, from the contract's example", () => {
    const digest = `sha256:${'4f'.repeat(32)}`
    const event = normaliseQuayRecord({
      kind: 'pull_repo',
      metadata: { repo: 'busybox', namespace: 'acme', manifest_digest: digest },
      ip: '198.51.100.23',
      datetime: 'Tue, 18 Jun 2024 18:40:02 -0000'
    })
    expect(event).toMatchObject({ verb: 'GET', activity: 'pull', actor: null, actor_kind: 'unknown', tag: null, digest })
    expect(event.label).toBe(`anonymous pull repo acme/busybox@${digest}`)
  })

  it('a robot is a token; a legacy access token named in the metadata is the actor', () => {
    const robot = normaliseQuayRecord({ ...PUSH, performer: { kind: 'user', name: 'acme+ci', is_robot: true } })
    expect(robot).toMatchObject({ actor: 'acme+ci', actor_kind: 'token' })
    const token = normaliseQuayRecord({ kind: 'pull_repo', metadata: { repo: 'app', namespace: 'acme', token: 'deploy-key' }, ip: null, datetime: PUSH.datetime })
    expect(token).toMatchObject({ actor: 'deploy-key', actor_kind: 'token' })
  })

  it('background kinds without a performer: policies and jobs', () => {
    const base = { metadata: { repo: 'app', namespace: 'acme', tag: 'old' }, ip: null, datetime: PUSH.datetime }
    expect(normaliseQuayRecord({ ...base, kind: 'autoprune_tag_delete' })).toMatchObject({ actor_kind: 'policy', verb: 'DELETE', activity: 'delete' })
    expect(normaliseQuayRecord({ ...base, kind: 'repo_mirror_sync_failed' })).toMatchObject({
      actor_kind: 'job',
      verb: 'FAIL',
      activity: 'mirror',
      outcome: 'failure'
    })
    expect(normaliseQuayRecord({ ...base, kind: 'repo_mirror_sync_failed' }).label).toBe('a job repo mirror sync failed acme/app:old')
  })

  it('reads "None" (the Elasticsearch backend\'s str(None)) and empty addresses as no address', () => {
    expect(normaliseQuayRecord({ ...PUSH, ip: 'None' }).client_ip).toBeNull()
    expect(normaliseQuayRecord({ ...PUSH, ip: '' }).client_ip).toBeNull()
    expect(normaliseQuayRecord({ ...PUSH, ip: null }).client_ip).toBeNull()
    expect(normaliseQuayRecord({ ...PUSH, ip: '2001:db8::17' }).client_ip).toBe('2001:db8::17')
  })

  it('namespace and repository from the metadata, else from the scope read', () => {
    const team = { kind: 'org_add_team_member', metadata: { member: 'carol', team: 'developers' }, ip: '203.0.113.7', datetime: PUSH.datetime }
    expect(normaliseQuayRecord(team)).toMatchObject({ namespace: null, repository: null, target: 'member carol of team developers' })
    expect(normaliseQuayRecord(team, { namespace: 'acme' })).toMatchObject({ namespace: 'acme', activity: 'member', verb: 'CREATE' })
    const noNamespace = { ...PUSH, metadata: { repo: 'busybox' } }
    expect(normaliseQuayRecord(noNamespace, { namespace: 'acme' }).repository).toBe('acme/busybox')
    expect(normaliseQuayRecord({ ...PUSH, metadata: {} }, { repository: 'acme/app' })).toMatchObject({ namespace: 'acme', repository: 'acme/app' })
    expect(normaliseQuayRecord({ ...PUSH, metadata: { repo: 'team/api', namespace: 'acme' } }).repository).toBe('acme/team/api')
  })

  it('a digest only when it is digest-shaped; the user agent from either spelling', () => {
    const digest = `sha256:${'ab'.repeat(32)}`
    expect(normaliseQuayRecord({ ...PUSH, kind: 'delete_tag', metadata: { repo: 'a', namespace: 'acme', tag: 'x', digest } }).digest).toBe(digest)
    expect(normaliseQuayRecord({ ...PUSH, kind: 'delete_tag', metadata: { repo: 'a', digest: 'latest' } }).digest).toBeNull()
    expect(normaliseQuayRecord({ ...PUSH, metadata: { user_agent: 'skopeo/1.16.1' } }).user_agent).toBe('skopeo/1.16.1')
  })

  it('targets: robots, permissions, applications', () => {
    const at = { ip: null, datetime: PUSH.datetime, performer: PUSH.performer }
    expect(normaliseQuayRecord({ ...at, kind: 'create_robot', metadata: { robot: 'acme+deployer' } }).target).toBe('robot acme+deployer')
    expect(
      normaliseQuayRecord({ ...at, kind: 'change_repo_permission', metadata: { team: 'developers', repo: 'app', role: 'write' } }, { namespace: 'acme' })
    ).toMatchObject({ target: 'developers (write)', repository: 'acme/app', label: 'alice change repo permission acme/app developers (write)' })
    expect(normaliseQuayRecord({ ...at, kind: 'create_application', metadata: { application_name: 'audit-reader' } }).target).toBe('application audit-reader')
  })

  it('keeps labels and fields on one line', () => {
    const event = normaliseQuayRecord({ ...PUSH, metadata: { ...PUSH.metadata, tag: 'evil\n\u202eadmin\r\n' } })
    expect(event.tag).toBe('evil admin')
    expect(event.label).not.toMatch(/[\r\n\u202e]/)
  })

  it.each([
    [{ ...PUSH, datetime: undefined }, /field "datetime" is missing or not a string/],
    [{ ...PUSH, datetime: 'Tuesday' }, /field "datetime" is not an RFC 822 date/],
    [{ ...PUSH, kind: '' }, /field "kind" is empty/],
    [{ ...PUSH, performer: { kind: 'user' } }, /field "performer.name" is missing or not a string/],
    [{ ...PUSH, metadata: [1] }, /field "metadata"/],
    [{ ...PUSH, ip: 7 }, /field "ip"/],
    ['push_repo', /is not an object/]
  ])('refuses a record it cannot read: %#', (raw, message) => {
    let caught: unknown
    try {
      normaliseQuayRecord(raw, { account: 'acme-quay' })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(AppError)
    expect((caught as AppError).code).toBe('BAD_RESPONSE')
    expect((caught as AppError).message).toMatch(/^acme-quay: bad response from quay: a record /)
    expect((caught as AppError).message).toMatch(message)
  })
})

describe('classifyQuayKind', () => {
  it('has a valid verb and activity for every listed kind', () => {
    expect(Object.keys(QUAY_KINDS).length).toBeGreaterThanOrEqual(140)
    for (const [kind, { verb, activity }] of Object.entries(QUAY_KINDS)) {
      expect(VERBS, kind).toContain(verb)
      expect(ACTIVITIES, kind).toContain(activity)
    }
  })

  it.each([
    ['manifest_security_scan_completed', 'SCAN', 'scan'],
    ['org_mirror_tag_failed', 'FAIL', 'mirror'],
    ['create_robot_permission', 'CREATE', 'token'],
    ['delete_repository_immutability_policy', 'DELETE', 'policy'],
    ['pull_repo_by_digest', 'GET', 'pull'],
    ['delete_manifest', 'DELETE', 'delete'],
    ['change_org_quota_warning', 'UPDATE', 'settings'],
    ['org_team_renamed', 'UPDATE', 'team'],
    ['unknown', 'UPDATE', 'other']
  ])('guesses an unknown kind %s from its words', (kind, verb, activity) => {
    expect(classifyQuayKind(kind)).toEqual({ verb, activity })
  })
})
