import { expect } from 'vitest'
import type { Activity, ActorKind, Verb } from '../../src/shared/event'
import { IBM_DOCUMENTED_ACTIONS, makeIbmEvent, seededRandom } from '../sim/ibm-events'
import { describeConnectorBehaviour, type DocumentedRecord } from './connector-behaviour'
import { IBM_RIG_START, startIbmRig } from './ibm-rig'

/** The verb and activity each documented action must get (decisions recorded in ibm-normalise.ts). */
const EXPECTED: Record<string, [Verb, Activity]> = {
  'container-registry.auth.get': ['GET', 'settings'],
  'container-registry.auth.set': ['UPDATE', 'settings'],
  'container-registry.plan.get': ['GET', 'billing'],
  'container-registry.plan.set': ['UPDATE', 'billing'],
  'container-registry.quota.get': ['GET', 'billing'],
  'container-registry.quota.set': ['UPDATE', 'billing'],
  'container-registry.settings.get': ['GET', 'settings'],
  'container-registry.settings.set': ['UPDATE', 'settings'],
  'container-registry.image.inspect': ['GET', 'other'],
  'container-registry.image.list': ['GET', 'other'],
  'container-registry.image.tag': ['CREATE', 'push'],
  'container-registry.image.untag': ['DELETE', 'delete'],
  'container-registry.manifest.inspect': ['GET', 'other'],
  'container-registry.retention.analyze': ['GET', 'policy'],
  'container-registry.retention.list': ['GET', 'policy'],
  'container-registry.retention.set': ['UPDATE', 'policy'],
  'container-registry.trash.list': ['GET', 'other'],
  'container-registry.trash.restore': ['CREATE', 'push'],
  'container-registry.image.bulkdelete': ['DELETE', 'delete'],
  'container-registry.image.delete': ['DELETE', 'delete'],
  'container-registry.image.pull': ['GET', 'pull'],
  'container-registry.image.push': ['CREATE', 'push'],
  'container-registry.signature.delete': ['DELETE', 'trust-delete'],
  'container-registry.signature.read': ['GET', 'sign'],
  'container-registry.signature.write': ['CREATE', 'sign'],
  'container-registry.namespace.create': ['CREATE', 'create-repo'],
  'container-registry.namespace.delete': ['DELETE', 'delete'],
  'container-registry.namespace.list': ['GET', 'other'],
  'container-registry.account-vulnerability-report.list': ['GET', 'scan'],
  'container-registry.account-vulnerability-status.list': ['GET', 'scan'],
  'container-registry.image-vulnerability-report.read': ['GET', 'scan'],
  'container-registry.image-vulnerability-status.read': ['GET', 'scan'],
  'container-registry.exemption.create': ['CREATE', 'policy'],
  'container-registry.exemption.delete': ['DELETE', 'policy'],
  'container-registry.image.build': ['CREATE', 'push'],
  'container-registry.image.rm': ['DELETE', 'delete'],
  'container-registry.registrytoken.delete': ['DELETE', 'token'],
  'container-registry.registrytoken.get': ['GET', 'token'],
  'container-registry.registrytoken.list': ['GET', 'token'],
  'container-registry.registrytokens.delete': ['DELETE', 'token']
}

/** The simulator's initiators, in order, and the actor kind each must get. */
const ACTOR_KINDS: ActorKind[] = ['user', 'user', 'token', 'job', 'system']

const IMAGE_RESOURCES = new Set(['image', 'manifest', 'trash', 'signature', 'image-vulnerability-report', 'image-vulnerability-status'])

function documentedRecords(): DocumentedRecord[] {
  const random = seededRandom(5)
  const records: DocumentedRecord[] = []
  IBM_DOCUMENTED_ACTIONS.forEach(([action], index) => {
    for (const outcome of ['success', 'failure'] as const) {
      const at = IBM_RIG_START - index * 60_000 - (outcome === 'failure' ? 1234 : 0) - 7
      const initiator = (index + (outcome === 'failure' ? 2 : 0)) % ACTOR_KINDS.length
      const raw = makeIbmEvent(random, action, at, { outcome, initiator })
      const [verb, activity] = EXPECTED[action]!
      const who = raw['initiator'] as { name: string; host: { address: string; agent: string } }
      const target = raw['target'] as { name: string; id?: string }
      const resource = action.split('.')[1]!
      const verbWord = action.split('.').at(-1)!
      const isImage = IMAGE_RESOURCES.has(resource) && verbWord !== 'list'
      const expectFields: DocumentedRecord['expect'] = {
        verb,
        activity,
        outcome,
        // eventTime keeps hundredths of a second.
        occurred_at: Math.floor(at / 10) * 10,
        actor: who.name,
        actor_kind: ACTOR_KINDS[initiator]!,
        client_ip: who.host.address === '' ? null : who.host.address,
        user_agent: who.host.agent
      }
      if (isImage) {
        const [name, digestFromName] = target.name.split('@')
        const path = name!.replace(/^us\.icr\.io\//, '')
        const tagged = /^(.*):([^:/]+)$/.exec(path)
        const repository = tagged ? tagged[1]! : path
        Object.assign(expectFields, {
          namespace: repository.split('/')[0],
          repository,
          tag: tagged ? tagged[2] : null,
          digest: digestFromName ?? target.id?.split('@')[1] ?? null,
          target: null
        })
      } else if (resource === 'namespace' && verbWord !== 'list') {
        Object.assign(expectFields, { namespace: target.name, repository: null, tag: null, digest: null, target: null })
      }
      if (outcome === 'failure') {
        const code = (raw['reason'] as { reasonCode: number }).reasonCode
        expectFields.label = expect.stringContaining(`(failed: HTTP ${code}`) as unknown as string
      } else {
        expectFields.label = expect.stringMatching(new RegExp(`^${who.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `)) as unknown as string
      }
      records.push({ action, raw, expect: expectFields })
    }
  })
  return records
}

describeConnectorBehaviour('ibm', async ({ events, seed }) => {
  const rig = await startIbmRig({
    // Pacing has its own tests (ibm-walk.test.ts); here every sleep must be a retry or a 429 wait.
    sim: { events, seed, queriesPerMinute: Number.POSITIVE_INFINITY },
    deps: { queriesPerMinute: Number.POSITIVE_INFINITY }
  })
  return {
    connector: rig.connector,
    stream: 'events',
    sourceCount: () => rig.sim.registryEvents.length,
    secrets: rig.secrets,
    sleeps: rig.sleeps,
    signIns: () => rig.sim.tokensIssued,
    expireTokenOnce: () => rig.sim.inject({ kind: 'unauthorized' }),
    rejectEveryToken: () => rig.sim.inject({ kind: 'unauthorized' }, { times: Number.POSITIVE_INFINITY }),
    rateLimitVariants: ['none', 'retry-after'],
    rateLimitOnce: (variant, seconds) => {
      if (variant === 'none') {
        // Cloud Logs names no wait; its window is a minute, so the connector waits a whole one.
        rig.sim.inject({ kind: 'rate-limit', header: 'none' })
        return 60_000
      }
      rig.sim.inject({ kind: 'rate-limit', header: 'retry-after', seconds })
      return seconds * 1000
    },
    serverErrors: (times) => rig.sim.inject({ kind: 'server-error', status: 503 }, { times }),
    malformedKinds: [
      'html',
      'truncated-sse',
      'json-instead-of-stream',
      'data-not-json',
      'results-not-list',
      'user-data-missing',
      'user-data-not-json',
      'event-time-unreadable',
      'event-time-missing',
      'in-stream-error',
      'empty-stream'
    ],
    malformedOnce: (kind) => {
      const good = makeIbmEvent(seededRandom(9), 'container-registry.image.push', IBM_RIG_START - 3_600_000)
      const row = (userData: unknown): unknown => ({ metadata: [], labels: [], user_data: userData })
      const stream = (...messages: unknown[]): string => messages.map((m) => `data: ${typeof m === 'string' ? m : JSON.stringify(m)}\n\n`).join('')
      const qid = { query_id: { query_id: 'q-1' } }
      switch (kind) {
        case 'html':
          return rig.sim.inject({ kind: 'html', status: 200 })
        case 'truncated-sse':
          return rig.sim.inject({ kind: 'sse', body: `${stream(qid)}data: {"result":{"results":[${JSON.stringify(row(JSON.stringify(good)))}` })
        case 'json-instead-of-stream':
          return rig.sim.inject({ kind: 'json', body: { result: { results: [row(JSON.stringify(good))] } } })
        case 'data-not-json':
          return rig.sim.inject({ kind: 'sse', body: stream(qid, '{"result": nope}') })
        case 'results-not-list':
          return rig.sim.inject({ kind: 'sse', body: stream(qid, { result: { results: { 0: row(JSON.stringify(good)) } } }) })
        case 'user-data-missing':
          return rig.sim.inject({ kind: 'extra-rows', rows: [{ metadata: [], labels: [] }] })
        case 'user-data-not-json':
          return rig.sim.inject({ kind: 'extra-rows', rows: [row('{"action":"container-registry.image.push", "eventTime":')] })
        case 'event-time-unreadable':
          return rig.sim.inject({ kind: 'extra-rows', rows: [row(JSON.stringify({ ...good, eventTime: 'yesterday' }))] })
        case 'event-time-missing':
          return rig.sim.inject({ kind: 'extra-rows', rows: [row(JSON.stringify({ ...good, eventTime: undefined }))] })
        case 'in-stream-error':
          return rig.sim.inject({ kind: 'in-stream-error', message: 'query execution failed' })
        default:
          return rig.sim.inject({ kind: 'sse', body: ': keep-alive\n\n' })
      }
    },
    documented: documentedRecords(),
    close: rig.close
  }
})
