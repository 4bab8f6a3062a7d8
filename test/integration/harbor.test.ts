import type { NormalisedEvent } from '../../src/shared/event'
import { HARBOR_EXT_STREAM, HARBOR_LEGACY_STREAM, type HarborStream } from '../../src/main/core/sources/harbor-page'
import { harborRowJson } from '../sim/harbor'
import { HARBOR_EVENT_CATEGORIES, HARBOR_LEGACY_CATEGORIES, makeHarborRow, type HarborEventCategory, type HarborTable } from '../sim/harbor-events'
import { seededRandom } from '../sim/sim-faults'
import { describeConnectorBehaviour, type BehaviourHarness, type DocumentedRecord } from './connector-behaviour'
import { HARBOR_RIG_START, startHarborRig, type HarborRig } from './harbor-rig'

/**
 * The shared behaviour suite for both streams of a harbor account: `auditlog-exts` against a
 * Harbor 2.13 simulator and `audit-logs` against a Harbor 2.12 one (where it is the live table).
 */

const REPO = 'library/nginx'

/** What each documented kind of row must normalise to, written here independently of the connector. */
function expectedFor(category: HarborEventCategory, raw: Record<string, unknown>, table: HarborTable): Partial<NormalisedEvent> & { action: string } {
  const ext = table === 'ext'
  const resource = String(raw['resource'])
  const description = String(raw['operation_description'] ?? '')
  const descriptionDigest = /@(sha256:[0-9a-f]{64})/.exec(description)?.[1] ?? null
  const username = String(raw['username'])
  const none = { namespace: null, repository: null, tag: null, digest: null, target: null, client_ip: null, user_agent: null }
  const image = (action: string, verb: NormalisedEvent['verb'], activity: NormalisedEvent['activity'], legacyLabel: string) => {
    const at = resource.indexOf('@')
    const colon = resource.lastIndexOf(':')
    return {
      ...none,
      action,
      verb,
      activity,
      outcome: 'success' as const,
      actor: username,
      actor_kind: 'user' as const,
      namespace: 'library',
      repository: REPO,
      tag: at < 0 && colon > resource.lastIndexOf('/') ? resource.slice(colon + 1) : null,
      digest: at > 0 ? resource.slice(at + 1) : ext ? descriptionDigest : null,
      label: ext ? description : legacyLabel
    }
  }
  const system = (action: string, verb: NormalisedEvent['verb'], activity: NormalisedEvent['activity'], target: string) => ({
    ...none,
    action,
    verb,
    activity,
    outcome: 'success' as const,
    actor: username,
    actor_kind: 'user' as const,
    target,
    label: ext ? description : `${action.replace('_', ' ')}: ${resource}`
  })
  switch (category) {
    case 'push':
    case 'push-by-digest':
      return image('create_artifact', 'CREATE', 'push', `push artifact: ${resource}`)
    case 'replication-push':
      return { ...image('create_artifact', 'CREATE', 'mirror', `push artifact: ${resource}`), actor_kind: 'job' }
    case 'pull':
      return image('pull_artifact', 'GET', 'pull', `pull artifact: ${resource}`)
    case 'pull-anonymous':
      return { ...image('pull_artifact', 'GET', 'pull', `pull artifact: ${resource}`), actor: 'anonymous', actor_kind: 'unknown' }
    case 'pull-robot':
      return { ...image('pull_artifact', 'GET', 'pull', `pull artifact: ${resource}`), actor: 'robot$library+ci', actor_kind: 'token' }
    case 'delete-artifact':
      return image('delete_artifact', 'DELETE', 'delete', `delete artifact: ${resource}`)
    case 'create-tag':
      return image('create_tag', 'CREATE', 'push', `create tag: ${resource}`)
    case 'delete-tag':
      return image('delete_tag', 'DELETE', 'delete', `delete tag: ${resource}`)
    case 'delete-repository':
      return { ...image('delete_repository', 'DELETE', 'delete', `delete repository: ${REPO}`), tag: null, digest: null }
    case 'create-project':
      return { ...system('create_project', 'CREATE', 'create-repo', 'project library'), namespace: 'library' }
    case 'delete-project':
      return { ...system('delete_project', 'DELETE', 'delete', 'project library'), namespace: 'library' }
    case 'update-project':
      return { ...system('update_project', 'UPDATE', 'settings', 'project library'), namespace: 'library' }
    case 'login':
      return system('login_user', 'CREATE', 'other', `user ${resource}`)
    case 'login-failed':
      return { ...system('login_user', 'CREATE', 'other', `user ${resource}`), outcome: 'failure', label: 'login (failed)' }
    case 'logout':
      return system('logout_user', 'DELETE', 'other', `user ${resource}`)
    case 'create-user':
      return system('create_user', 'CREATE', 'member', `user ${resource}`)
    case 'delete-user':
      return system('delete_user', 'DELETE', 'member', `user ${resource}`)
    case 'update-user':
      return system('update_user', 'UPDATE', 'member', `user ${resource}`)
    case 'create-robot':
      return { ...system('create_robot', 'CREATE', 'token', `robot ${resource}`), namespace: 'library' }
    case 'delete-robot':
      return { ...system('delete_robot', 'DELETE', 'token', `robot ${resource}`), namespace: 'library' }
    case 'update-configuration':
      return system('update_configuration', 'UPDATE', 'settings', 'configuration')
    case 'create-member':
      return { ...system('create_member', 'CREATE', 'member', `member ${resource}`), namespace: 'library' }
    case 'delete-member':
      return { ...system('delete_member', 'DELETE', 'member', `member ${resource}`), namespace: 'library' }
    case 'update-member':
      return { ...system('update_member', 'UPDATE', 'member', `member ${resource}`), namespace: 'library' }
  }
}

function documentedRecords(table: HarborTable): DocumentedRecord[] {
  const random = seededRandom(3)
  const categories = HARBOR_EVENT_CATEGORIES.filter((category) => table === 'ext' || HARBOR_LEGACY_CATEGORIES.has(category))
  return categories.map((category, index) => {
    const at = HARBOR_RIG_START - index * 1000
    const raw = harborRowJson({ ...makeHarborRow(random, category, at, REPO), id: index + 1 }, table)
    const { action, ...expected } = expectedFor(category, raw, table)
    return { action, raw, expect: { ...expected, occurred_at: at } }
  })
}

const GOOD_RECORD = {
  id: 1,
  op_time: '2025-06-03T09:12:44.512Z',
  operation: 'create',
  operation_description: 'push artifact: library/nginx@sha256:4f1c0e7d9b2d4f1c0e7d9b2d4f1c0e7d9b2d4f1c0e7d9b2d4f1c0e7d9b2d4f1c',
  operation_result: true,
  resource: 'library/nginx:1.27',
  resource_type: 'artifact',
  username: 'robot$ci'
}

const MALFORMED: Record<string, unknown> = {
  'not-array': { items: [GOOD_RECORD] },
  'record-not-object': [GOOD_RECORD, 'not a record'],
  'id-missing': [{ ...GOOD_RECORD, id: undefined }],
  'id-not-number': [{ ...GOOD_RECORD, id: '1' }],
  'op-time-unreadable': [{ ...GOOD_RECORD, op_time: 'yesterday' }],
  'resource-wrong-type': [{ ...GOOD_RECORD, resource: 5 }],
  'result-wrong-type': [{ ...GOOD_RECORD, operation_result: 'yes' }],
  // A server that ignored sort=id (Harbor before 2.3) lists newest first.
  'ids-descending': [
    { ...GOOD_RECORD, id: 2 },
    { ...GOOD_RECORD, id: 1 }
  ]
}

function harness(rig: HarborRig, stream: HarborStream): BehaviourHarness {
  const route = { route: stream }
  const table: HarborTable = stream === HARBOR_EXT_STREAM ? 'ext' : 'legacy'
  return {
    connector: rig.connector,
    stream,
    sourceCount: () => rig.sim.visibleTo(rig.user.username, table).length,
    secrets: rig.secrets,
    sleeps: rig.sleeps,
    signIns: () => rig.sim.signIns,
    expireTokenOnce: () => rig.sim.inject({ kind: 'unauthorized' }, route),
    rejectEveryToken: () => rig.sim.inject({ kind: 'unauthorized' }, { ...route, times: Number.POSITIVE_INFINITY }),
    rateLimitVariants: ['retry-after', 'retry-after-date'],
    rateLimitOnce: (variant, seconds) => {
      rig.sim.inject({ kind: 'rate-limit', header: variant as 'retry-after' | 'retry-after-date', seconds }, route)
      return seconds * 1000
    },
    serverErrors: (times) => rig.sim.inject({ kind: 'server-error', status: 503, body: 'json' }, { ...route, times }),
    malformedKinds: ['html', 'truncated-json', 'total-not-a-count', ...Object.keys(MALFORMED)],
    malformedOnce: (kind) => {
      if (kind === 'html') rig.sim.inject({ kind: 'html', status: 200 }, route)
      else if (kind === 'truncated-json') rig.sim.inject({ kind: 'truncated-json' }, route)
      else if (kind === 'total-not-a-count') rig.sim.inject({ kind: 'status', status: 200, body: [GOOD_RECORD], headers: { 'x-total-count': 'many' } }, route)
      else rig.sim.inject({ kind: 'status', status: 200, body: MALFORMED[kind], headers: { 'x-total-count': '2' } }, route)
    },
    documented: documentedRecords(table),
    close: rig.close
  }
}

describeConnectorBehaviour('harbor auditlog-exts (2.13)', async ({ events, seed }) =>
  harness(await startHarborRig({ sim: { events, seed, legacyEvents: 15 } }), HARBOR_EXT_STREAM)
)

describeConnectorBehaviour('harbor audit-logs (2.12)', async ({ events, seed }) =>
  harness(await startHarborRig({ sim: { events, seed, version: 'v2.12.2-73072d0d' } }), HARBOR_LEGACY_STREAM)
)
