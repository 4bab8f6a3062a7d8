import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { normaliseHarborRecord, parseHarborTime, splitReference } from '../../src/main/core/sources/harbor-normalise'
import { harborRecordIdentity } from '../../src/main/core/sources/harbor-page'

/**
 * The Harbor normaliser beyond the documented event types the shared suite covers: the open
 * vocabulary of operations and resource types, actors, time formats and refusals.
 */

const DIGEST = `sha256:${'4f1c0e7d'.repeat(8)}`
const base = { id: 7, op_time: '2025-06-03T09:12:44.512Z', username: 'alice', operation_result: true }

describe('normaliseHarborRecord', () => {
  it.each([
    ['create', 'replication_policy', 'CREATE', 'policy'],
    ['delete', 'immutable_rule', 'DELETE', 'policy'],
    ['create', 'tag_retention', 'CREATE', 'policy'],
    ['update', 'webhook_policy', 'UPDATE', 'policy'],
    ['create', 'preheat_policy', 'CREATE', 'policy'],
    ['create', 'replication', 'CREATE', 'mirror'],
    ['scan', 'artifact', 'SCAN', 'scan'],
    ['create', 'scan_all', 'CREATE', 'scan'],
    ['update', 'scanner', 'UPDATE', 'settings'],
    ['create', 'registry', 'CREATE', 'settings'],
    ['create', 'label', 'CREATE', 'settings'],
    ['update', 'quota', 'UPDATE', 'settings'],
    ['create', 'usergroup', 'CREATE', 'member'],
    ['update', 'cli_secret', 'UPDATE', 'token'],
    ['update', 'robot', 'UPDATE', 'token'],
    ['pull', 'repository', 'GET', 'pull'],
    ['update', 'artifact', 'UPDATE', 'settings'],
    ['frobnicate', 'widget', 'UPDATE', 'other'],
    ['Create', 'ReplicationPolicy', 'CREATE', 'policy']
  ])('%s %s → %s / %s (an open vocabulary, read by its words)', (operation, resourceType, verb, activity) => {
    const event = normaliseHarborRecord({ ...base, operation, resource_type: resourceType, resource: 'x', operation_description: `${operation} ${resourceType}` })
    expect(event).toMatchObject({ verb, activity, action: `${operation.toLowerCase()}_${resourceType.toLowerCase()}` })
  })

  it('a push by the proxy cache or by replication is mirror, by a job', () => {
    for (const username of ['harbor#proxy-cache-service', 'harbor-jobservice']) {
      const event = normaliseHarborRecord({ ...base, username, operation: 'create', resource_type: 'artifact', resource: `proxy/nginx@${DIGEST}` })
      expect(event).toMatchObject({ activity: 'mirror', actor_kind: 'job', actor: username, repository: 'proxy/nginx', digest: DIGEST, tag: null })
    }
  })

  it('tells actors apart: users, robots, anonymous, none', () => {
    const kind = (username: string | undefined) =>
      normaliseHarborRecord({ ...base, username, operation: 'pull', resource_type: 'artifact', resource: 'library/a:1' }).actor_kind
    expect(kind('bob')).toBe('user')
    expect(kind('robot$library+ci')).toBe('token')
    expect(kind('anonymous')).toBe('unknown')
    expect(kind(undefined)).toBe('unknown')
    expect(normaliseHarborRecord({ ...base, username: undefined, operation: 'pull', resource_type: 'artifact' }).actor).toBeNull()
  })

  it('reads repositories with several segments, tags and digests from the resource and the description', () => {
    expect(
      normaliseHarborRecord({
        ...base,
        operation: 'create',
        resource_type: 'artifact',
        resource: 'web/team/edge:2.0.0-rc1',
        operation_description: `push artifact: web/team/edge@${DIGEST}`
      })
    ).toMatchObject({ namespace: 'web', repository: 'web/team/edge', tag: '2.0.0-rc1', digest: DIGEST, target: null, label: `push artifact: web/team/edge@${DIGEST}` })
    expect(splitReference('registry:5000-less/name')).toEqual({ repository: 'registry:5000-less/name', tag: null, digest: null })
    expect(splitReference('a/b@notadigest')).toEqual({ repository: 'a/b', tag: null, digest: null })
    expect(splitReference('a/b:1', true)).toEqual({ repository: 'a/b:1', tag: null, digest: null })
  })

  it('a failed operation keeps its verb, is a failure and says so; a legacy record is a success, an ext one without a result unknown', () => {
    const failed = normaliseHarborRecord({ ...base, operation: 'delete', resource_type: 'project', resource: 'p', operation_description: 'delete project: p', operation_result: false })
    expect(failed).toMatchObject({ verb: 'DELETE', outcome: 'failure', label: 'delete project: p (failed)' })
    const legacy = normaliseHarborRecord({ id: 1, op_time: base.op_time, operation: 'delete', resource_type: 'project', resource: 'p', username: 'admin' })
    expect(legacy).toMatchObject({ outcome: 'success', label: 'delete project: p' })
    const unknown = normaliseHarborRecord({ ...base, operation_result: undefined, operation: 'delete', resource_type: 'project', resource: 'p', operation_description: 'x' })
    expect(unknown.outcome).toBe('unknown')
  })

  it('takes client_ip from source_ip when a record carries it, and keeps labels one line', () => {
    const event = normaliseHarborRecord({
      ...base,
      operation: 'login',
      resource_type: 'user',
      resource: 'alice',
      operation_description: 'login\u0007\nnow\u202e',
      source_ip: '10.1.2.3'
    })
    expect(event).toMatchObject({ client_ip: '10.1.2.3', label: 'login now', action: 'login_user', verb: 'CREATE', activity: 'other', target: 'user alice' })
  })

  it('an almost empty record still normalises', () => {
    expect(normaliseHarborRecord({ id: 1, op_time: base.op_time })).toMatchObject({ action: 'unknown', verb: 'UPDATE', activity: 'other', label: 'audit event' })
  })

  it.each([
    ['not an object', 'x', /is not an object/],
    ['no op_time', { id: 1 }, /no readable op_time/],
    ['unreadable op_time', { id: 1, op_time: 'Tuesday' }, /no readable op_time/],
    ['a number for resource', { ...base, resource: 5 }, /resource that is not a string/],
    ['a string for operation_result', { ...base, operation_result: 'true' }, /operation_result that is not true or false/],
    ['an object for operation_description', { ...base, operation_description: {} }, /operation_description that is not a string/]
  ])('refuses %s with BAD_RESPONSE', (_name, raw, pattern) => {
    let caught: unknown
    try {
      normaliseHarborRecord(raw, { account: 'h' })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(AppError)
    expect((caught as AppError).code).toBe('BAD_RESPONSE')
    expect((caught as AppError).message).toMatch(/^h: a Harbor audit record /)
    expect((caught as AppError).message).toMatch(pattern)
  })
})

describe('parseHarborTime', () => {
  it.each([
    ['2025-06-03T09:12:44.512Z', Date.UTC(2025, 5, 3, 9, 12, 44, 512)],
    ['2025-06-03T11:12:44+02:00', Date.UTC(2025, 5, 3, 9, 12, 44)],
    // Harbor 2.0's legacy endpoint: Go's time.String().
    ['2020-04-09 02:36:00.123456 +0000 UTC', Date.UTC(2020, 3, 9, 2, 36, 0, 123)],
    ['2020-04-09 04:36:00 +0200 CEST', Date.UTC(2020, 3, 9, 2, 36, 0)],
    // No zone: Harbor's columns are UTC.
    ['2020-04-09T02:36:00', Date.UTC(2020, 3, 9, 2, 36, 0)],
    ['2020-04-09 02:36:00.5', Date.UTC(2020, 3, 9, 2, 36, 0, 500)]
  ])('%s', (text, expected) => {
    expect(parseHarborTime(text)).toBe(expected)
  })

  it('refuses what is not a time', () => {
    for (const text of ['', 'yesterday', '2020-13-45T99:00:00Z', '1717400000']) expect(parseHarborTime(text)).toBeUndefined()
  })
})

describe('harborRecordIdentity', () => {
  it('tells the two tables apart by their fields, so their ids never meet', () => {
    expect(harborRecordIdentity({ ...base, operation_description: 'x' })).toEqual({ stream: 'auditlog-exts', sourceEventId: 'auditlog-exts:7' })
    expect(harborRecordIdentity({ id: 7, op_time: base.op_time, operation: 'create' })).toEqual({ stream: 'audit-logs', sourceEventId: 'audit-logs:7' })
    expect(harborRecordIdentity({ id: '12', operation_result: false })).toEqual({ stream: 'auditlog-exts', sourceEventId: 'auditlog-exts:12' })
  })

  it('has none for a record without a usable id', () => {
    for (const raw of [null, [], 'x', { op_time: base.op_time }, { id: -1 }, { id: 1.5 }, { id: 'abc' }]) expect(harborRecordIdentity(raw)).toBeUndefined()
  })
})
