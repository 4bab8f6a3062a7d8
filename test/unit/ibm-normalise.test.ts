import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { extractIbmEvent, ibmEventId, parseIbmEventTime } from '../../src/main/core/sources/ibm-event'
import {
  classifyIbmAction,
  ibmActorKind,
  namespaceFromCrn,
  normaliseIbmRecord,
  parseIbmImageRef
} from '../../src/main/core/sources/ibm-normalise'

const DIGEST = `sha256:${'4f1c0e7d'.repeat(8)}`

/** The contract's example event, with a full digest. */
const EXAMPLE = {
  eventTime: '2025-05-12T08:41:07.53+0000',
  action: 'container-registry.image.push',
  outcome: 'success',
  reason: { reasonCode: 200, reasonType: 'OK' },
  severity: 'normal',
  message: 'Container Registry: push image us.icr.io/acme-ns/payments-api:1.8.3',
  dataEvent: true,
  correlationId: '6b0a4f1e-2c8d-4f7a-9d3e-1f2a3b4c5d6e',
  logSourceCRN: 'crn:v1:bluemix:public:container-registry:us-south:a/1a2b3c4d5e6f7a8b9c0d::',
  saveServiceCopy: true,
  initiator: {
    id: 'iam-ServiceId-7d6c5b4a-3f2e-1d0c-9b8a-7f6e5d4c3b2a',
    name: 'ci-pipeline',
    typeURI: 'service/security/account/serviceid',
    credential: { type: 'apikey' },
    host: { address: '203.0.113.7', addressType: 'IPv4', agent: 'containers/5.30.1 (github.com/containers/image)' }
  },
  target: {
    id: `us.icr.io/acme-ns/payments-api@${DIGEST}`,
    name: 'us.icr.io/acme-ns/payments-api:1.8.3',
    typeURI: 'container-registry/image'
  },
  observer: { name: 'ActivityTracker' }
}

function appError(fn: () => unknown): AppError {
  try {
    fn()
  } catch (caught) {
    if (caught instanceof AppError) return caught
    throw caught
  }
  throw new Error('expected an AppError')
}

describe('eventTime', () => {
  it.each([
    ['2017-10-19T19:07:50.32+0000', Date.UTC(2017, 9, 19, 19, 7, 50, 320)],
    ['2017-10-19T19:07:50.3+0000', Date.UTC(2017, 9, 19, 19, 7, 50, 300)],
    ['2017-10-19T19:07:50+0000', Date.UTC(2017, 9, 19, 19, 7, 50)],
    ['2017-10-19T21:07:50.32+0200', Date.UTC(2017, 9, 19, 19, 7, 50, 320)],
    ['2017-10-19T19:07:50.123456Z', Date.UTC(2017, 9, 19, 19, 7, 50, 123)],
    ['2017-10-19T19:07:50.32+00:00', Date.UTC(2017, 9, 19, 19, 7, 50, 320)],
    ['2017-10-19 19:07:50.32', Date.UTC(2017, 9, 19, 19, 7, 50, 320)]
  ])('reads %s', (text, ms) => {
    expect(parseIbmEventTime(text)).toBe(ms)
  })

  it.each([['now'], ['7d'], ['2017-10-19'], ['19.10.2017 19:07'], ['2017-02-30T00:00:00+0000'], [''], [1508440070]])(
    'refuses %j',
    (value) => {
      expect(appError(() => parseIbmEventTime(value, { account: 'a', where: 'line 3' })).message).toMatch(/^a: line 3: .*eventTime/)
    }
  )
})

describe('finding the event in a record', () => {
  it('takes the event itself, a saved Cloud Logs row, or an export line with metadata', () => {
    expect(extractIbmEvent(EXAMPLE)).toBe(EXAMPLE)
    expect(extractIbmEvent({ metadata: [], labels: [], user_data: JSON.stringify(EXAMPLE) })).toEqual(EXAMPLE)
    expect(extractIbmEvent({ _ts: 1, _host: 'h', ...EXAMPLE })).toEqual(EXAMPLE)
    expect(extractIbmEvent({ _ts: 1, _line: JSON.stringify(EXAMPLE) })).toEqual(EXAMPLE)
    // Identity ignores export metadata, so the same event dedups whichever shape it came in.
    expect(ibmEventId(extractIbmEvent({ _ts: 9, ...EXAMPLE }))).toBe(ibmEventId(EXAMPLE))
    expect(ibmEventId({ ...EXAMPLE, correlationId: 'other' })).not.toBe(ibmEventId(EXAMPLE))
  })

  it('refuses records holding no event', () => {
    for (const record of [null, [], 'x', { hello: 1 }, { user_data: 'not json' }, { _line: 'x' }]) {
      expect(appError(() => extractIbmEvent(record)).code).toBe('BAD_RESPONSE')
    }
  })
})

describe('normaliseIbmRecord', () => {
  it('normalises the contract example', () => {
    expect(normaliseIbmRecord(EXAMPLE)).toEqual({
      occurred_at: Date.UTC(2025, 4, 12, 8, 41, 7, 530),
      action: 'container-registry.image.push',
      verb: 'CREATE',
      activity: 'push',
      outcome: 'success',
      actor: 'ci-pipeline',
      actor_kind: 'token',
      namespace: 'acme-ns',
      repository: 'acme-ns/payments-api',
      tag: '1.8.3',
      digest: DIGEST,
      target: null,
      client_ip: '203.0.113.7',
      user_agent: 'containers/5.30.1 (github.com/containers/image)',
      label: 'ci-pipeline push image us.icr.io/acme-ns/payments-api:1.8.3'
    })
  })

  it('takes the digest from target.name for a request by digest, and none when a failure came before it', () => {
    const byDigest = normaliseIbmRecord({
      ...EXAMPLE,
      action: 'container-registry.image.pull',
      target: { ...EXAMPLE.target, name: `us.icr.io/acme-ns/payments-api@${DIGEST}` }
    })
    expect(byDigest).toMatchObject({ verb: 'GET', activity: 'pull', tag: null, digest: DIGEST, repository: 'acme-ns/payments-api' })
    const failed = normaliseIbmRecord({
      ...EXAMPLE,
      action: 'container-registry.image.pull',
      outcome: 'failure',
      reason: { reasonCode: 404, reasonType: 'Not Found', reasonForFailure: 'manifest unknown' },
      message: 'Container Registry: pull image us.icr.io/acme-ns/payments-api:9.9 -failure',
      target: { name: 'us.icr.io/acme-ns/payments-api:9.9', typeURI: 'container-registry/image' }
    })
    expect(failed).toMatchObject({ outcome: 'failure', tag: '9.9', digest: null })
    expect(failed.label).toBe('ci-pipeline pull image us.icr.io/acme-ns/payments-api:9.9 -failure (failed: HTTP 404, manifest unknown)')
  })

  it('reads namespaces, vulnerability and signing requests, and account-level targets', () => {
    expect(
      normaliseIbmRecord({
        ...EXAMPLE,
        action: 'container-registry.namespace.create',
        target: { id: 'crn:v1:bluemix:public:container-registry:us-south:a/1a2b::namespace:team-x', name: 'team-x', typeURI: 'container-registry/namespace' }
      })
    ).toMatchObject({ verb: 'CREATE', activity: 'create-repo', namespace: 'team-x', repository: null, target: null })
    expect(
      normaliseIbmRecord({
        ...EXAMPLE,
        action: 'container-registry.namespace.delete',
        target: { id: 'crn:v1:bluemix:public:container-registry:us-south:a/1a2b::namespace:team-y', typeURI: 'container-registry/namespace' }
      })
    ).toMatchObject({ namespace: 'team-y' })
    expect(
      normaliseIbmRecord({
        ...EXAMPLE,
        action: 'container-registry.account-vulnerability-report.list',
        target: { name: 'us.icr.io', typeURI: 'container-registry/account-vulnerability-report' },
        requestData: { RequestParameters: { repository: 'us.icr.io/acme-ns/web', includeIBM: 'false', includePrivate: 'true' } }
      })
    ).toMatchObject({ verb: 'GET', activity: 'scan', namespace: 'acme-ns', repository: 'acme-ns/web', target: null })
    expect(
      normaliseIbmRecord({ ...EXAMPLE, action: 'container-registry.quota.set', message: undefined, target: { name: 'us.icr.io', id: 'crn:v1:x' } })
    ).toMatchObject({ verb: 'UPDATE', activity: 'billing', namespace: null, repository: null, target: 'us.icr.io', label: 'ci-pipeline container-registry.quota.set us.icr.io' })
  })

  it('classifies undocumented actions by resource and last word', () => {
    expect(classifyIbmAction('container-registry.image.copy')).toMatchObject({ verb: 'CREATE', activity: 'other' })
    expect(classifyIbmAction('container-registry.signature.verify')).toMatchObject({ verb: 'UPDATE', activity: 'sign' })
    expect(classifyIbmAction('container-registry.namespace-vulnerability-report.read')).toMatchObject({ verb: 'GET', activity: 'scan' })
    expect(classifyIbmAction('container-registry.retention.delete')).toMatchObject({ verb: 'DELETE', activity: 'policy' })
    expect(classifyIbmAction('iam-identity.apikey.login')).toMatchObject({ verb: 'UPDATE', activity: 'other' })
  })

  it('tells actor kinds apart from typeURI and credential type', () => {
    const kind = (typeURI: string, credential: string, name = 'x'): string =>
      ibmActorKind({ id: 'id', name, typeURI, credential: { type: credential } })
    expect(kind('service/security/account/user', 'token')).toBe('user')
    expect(kind('service/security/account/user', 'apikey')).toBe('user')
    expect(kind('service/security/account/serviceid', 'apikey')).toBe('token')
    expect(kind('', 'apikey-serviceid')).toBe('token')
    expect(kind('service/security/client/certificateid', 'certificate')).toBe('token')
    expect(kind('service/security/account/user', 'compute-resource')).toBe('job')
    expect(kind('service/security/clientid', 's2s-authorization', 'IBM')).toBe('system')
    expect(kind('', '', 'IBM')).toBe('system')
    expect(kind('', 'public-access')).toBe('unknown')
    expect(ibmActorKind({})).toBe('unknown')
  })

  it('reads outcomes, and refuses records with fields of the wrong type', () => {
    expect(normaliseIbmRecord({ ...EXAMPLE, outcome: 'pending' }).outcome).toBe('unknown')
    expect(normaliseIbmRecord({ ...EXAMPLE, outcome: 'FAILURE' }).outcome).toBe('failure')
    expect(normaliseIbmRecord({ ...EXAMPLE, initiator: undefined })).toMatchObject({ actor: null, actor_kind: 'unknown', client_ip: null })
    for (const bad of [{ ...EXAMPLE, target: 'x' }, { ...EXAMPLE, initiator: [1] }, { ...EXAMPLE, action: 5 }, { ...EXAMPLE, eventTime: undefined }]) {
      expect(appError(() => normaliseIbmRecord(bad)).code).toBe('BAD_RESPONSE')
    }
  })
})

describe('image references', () => {
  it.each([
    ['us.icr.io/acme-ns/app:1.2', { host: 'us.icr.io', namespace: 'acme-ns', repository: 'acme-ns/app', tag: '1.2', digest: null }],
    [`icr.io/a/b/c@${DIGEST}`, { host: 'icr.io', namespace: 'a', repository: 'a/b/c', tag: null, digest: DIGEST }],
    ['localhost:5000/ns/app', { host: 'localhost:5000', namespace: 'ns', repository: 'ns/app', tag: null, digest: null }],
    ['us.icr.io/acme-ns', { host: 'us.icr.io', namespace: 'acme-ns', repository: null, tag: null, digest: null }]
  ])('splits %s', (text, expected) => {
    expect(parseIbmImageRef(text)).toEqual(expected)
  })

  it.each([['crn:v1:x'], ['has space/x'], ['us.icr.io/UPPER/x'], ['us.icr.io/a/b@sha256:…9b2d'], ['']])('refuses %s', (text) => {
    expect(parseIbmImageRef(text)).toBeNull()
  })

  it('reads a namespace CRN', () => {
    expect(namespaceFromCrn('crn:v1:bluemix:public:container-registry:us-south:a/1a2b::namespace:acme')).toBe('acme')
    expect(namespaceFromCrn('crn:v1:bluemix:public:container-registry:us-south:a/1a2b::')).toBeNull()
  })
})
