import type { NormalisedEvent } from '../../src/shared/event'
import { makeMsrEvent, MSR_EVENT_CATEGORIES, type MsrEventCategory, type MsrSimEvent } from '../sim/msr-events'
import { seededRandom } from '../sim/sim-faults'
import { describeConnectorBehaviour, type BehaviourHarness, type DocumentedRecord } from './connector-behaviour'
import { MSR_RIG_START, startMsrRig, type MsrRig } from './msr-rig'

/**
 * The shared behaviour suite for both streams of an msr account: `events` (DTR's events API, HTTP
 * Basic, sign-in = the admin probe) and `trust` (the registry's Notary changefeed with a token
 * from /auth/token), against the MSR simulator.
 */

const REPO = 'test-org/test-repo-1'

/** What each documented category must normalise to, written here independently of the connector. */
function expectedFor(category: MsrEventCategory, raw: MsrSimEvent): Partial<NormalisedEvent> & { action: string } {
  const tag = raw.object.name ?? null
  const digest = raw.object.content ?? raw.object.id
  const image = (action: string, verb: NormalisedEvent['verb'], activity: NormalisedEvent['activity'], title: string) => {
    const policy = raw.actor.includes(' ')
    return {
      action,
      verb,
      activity,
      outcome: verb === 'FAIL' ? ('failure' as const) : ('success' as const),
      actor: raw.actor,
      actor_kind: policy ? ('policy' as const) : ('user' as const),
      repository: REPO,
      namespace: 'test-org',
      tag,
      digest,
      target: null,
      label: `${title} ${REPO}:${tag}${policy ? ` by ${raw.actor}` : ''}`
    }
  }
  switch (category) {
    case 'push-manifest':
      return { ...image('MANIFEST CREATE', 'CREATE', 'push', 'Create Manifest'), tag: null, label: `Create Manifest ${REPO}` }
    case 'push-tag-update':
      return image('TAG UPDATE', 'UPDATE', 'push', 'Update Tag')
    case 'push-tag-create':
      return image('TAG CREATE', 'CREATE', 'push', 'Create Tag')
    case 'pull':
      return image('TAG GET', 'GET', 'pull', 'Get Tag')
    case 'delete':
      return image('TAG DELETE', 'DELETE', 'delete', 'Delete Tag')
    case 'scan':
      return image('TAG SCAN', 'SCAN', 'scan', 'Scan Tag')
    case 'promotion-by-policy':
    case 'promotion-manual':
      return image('TAG CREATE', 'CREATE', 'promotion', 'Create Tag')
    case 'pull-mirror':
      return image('TAG UPDATE', 'UPDATE', 'mirror', 'Update Tag')
    case 'push-mirror':
      return image('TAG SEND', 'SEND', 'mirror', 'Send Tag')
    case 'push-mirror-fail':
      return image('TAG FAIL', 'FAIL', 'mirror', 'Fail Tag')
    case 'prune':
      return image('TAG DELETE', 'DELETE', 'delete', 'Delete Tag')
    case 'promotion-policy':
      return {
        action: 'PROMOTION POLICY CREATE',
        verb: 'CREATE',
        activity: 'promotion',
        outcome: 'success',
        actor: raw.actor,
        actor_kind: 'user',
        repository: REPO,
        namespace: 'test-org',
        tag: null,
        digest: null,
        target: `promotion policy ${raw.object.name}`,
        label: `Create Promotion Policy ${REPO}`
      }
    case 'create-repo':
      return {
        action: 'REPOSITORY CREATE',
        verb: 'CREATE',
        activity: 'create-repo',
        outcome: 'success',
        actor: raw.actor,
        actor_kind: 'user',
        repository: REPO,
        namespace: 'test-org',
        tag: null,
        digest: null,
        target: null,
        label: `Create Repository ${REPO}`
      }
  }
}

function documentedMsrEvents(): DocumentedRecord[] {
  const random = seededRandom(3)
  return MSR_EVENT_CATEGORIES.map((category, index) => {
    const raw = makeMsrEvent(random, category, MSR_RIG_START - index * 1000, REPO)
    const { action, ...expected } = expectedFor(category, raw)
    return { action, raw, expect: { ...expected, occurred_at: Date.parse(raw.publishedAt) } }
  })
}

/** A trust update and a deletion as notary-server writes them (RethinkDB ids, as in DTR). */
function documentedTrustChanges(): DocumentedRecord[] {
  const sha = 'a4ffcae03710ae61f6d15d20ed5e3f3a6a91ebfd2a4ba7f31fc6308ec6cc3e3d'
  const base = { actor: null, actor_kind: 'unknown' as const, outcome: 'success' as const, tag: null, digest: null }
  return [
    {
      action: 'trust.update',
      raw: {
        ID: '0a60ec31-d2aa-4565-9b74-4171a5083bef',
        CreatedAt: '2024-11-06T18:45:58.428Z',
        GUN: 'dtr.example.org/library/wordpress',
        Version: 7,
        SHA256: sha,
        Category: 'update'
      },
      expect: {
        ...base,
        verb: 'UPDATE',
        activity: 'sign',
        occurred_at: Date.parse('2024-11-06T18:45:58.428Z'),
        repository: 'library/wordpress',
        namespace: 'library',
        target: `timestamp sha256:${sha}`,
        label: 'trust data of dtr.example.org/library/wordpress updated (timestamp version 7)'
      }
    },
    {
      action: 'trust.deletion',
      raw: {
        ID: '7f2b9d04-51c3-4b8e-a0f6-3e5d1c2b9a77',
        CreatedAt: '2024-11-07T09:02:11.105Z',
        GUN: 'dtr.example.org/library/wordpress',
        Version: 0,
        SHA256: '',
        Category: 'deletion'
      },
      expect: {
        ...base,
        verb: 'DELETE',
        activity: 'trust-delete',
        occurred_at: Date.parse('2024-11-07T09:02:11.105Z'),
        repository: 'library/wordpress',
        namespace: 'library',
        target: null,
        label: 'trust data of dtr.example.org/library/wordpress deleted'
      }
    }
  ]
}

const GOOD_EVENT = {
  id: '4e3c9a1b-7f0e-4c4b-9a57-0a1d2b9c6e11',
  publishedAt: '2019-03-14T21:59:04.812Z',
  actor: '194efd8e-9ee6-4d43-a34b-eefd9ce39087',
  type: 'CREATE',
  object: { id: 'x', type: 'TAG', name: 'latest' }
}

function eventsHarness(rig: MsrRig): BehaviourHarness {
  return {
    connector: rig.connector,
    stream: 'events',
    sourceCount: () => rig.sim.visibleTo(rig.user.username).length,
    secrets: rig.secrets,
    sleeps: rig.sleeps,
    signIns: () => rig.sim.signIns,
    expireTokenOnce: () => rig.sim.inject({ kind: 'unauthorized' }, { route: 'events' }),
    rejectEveryToken: () => rig.sim.inject({ kind: 'unauthorized' }, { route: 'events', times: Number.POSITIVE_INFINITY }),
    rateLimitVariants: ['retry-after', 'retry-after-date'],
    rateLimitOnce: (variant, seconds) => {
      rig.sim.inject({ kind: 'rate-limit', header: variant as 'retry-after' | 'retry-after-date', seconds }, { route: 'events' })
      return seconds * 1000
    },
    serverErrors: (times) => rig.sim.inject({ kind: 'server-error', status: 503, body: 'json' }, { route: 'events', times }),
    malformedKinds: ['html', 'truncated-json', 'events-missing', 'events-not-array', 'event-not-object', 'id-missing', 'published-at-unreadable', 'object-wrong-type'],
    malformedOnce: (kind) => {
      const inject = (body: unknown): void => rig.sim.inject({ kind: 'json', body }, { route: 'events' })
      if (kind === 'html') rig.sim.inject({ kind: 'html', status: 200 }, { route: 'events' })
      else if (kind === 'truncated-json') rig.sim.inject({ kind: 'truncated-json' }, { route: 'events' })
      else if (kind === 'events-missing') inject({ items: [GOOD_EVENT] })
      else if (kind === 'events-not-array') inject({ events: { 0: GOOD_EVENT } })
      else if (kind === 'event-not-object') inject({ events: [GOOD_EVENT, 'not an event'] })
      else if (kind === 'id-missing') inject({ events: [{ ...GOOD_EVENT, id: undefined }] })
      else if (kind === 'published-at-unreadable') inject({ events: [{ ...GOOD_EVENT, publishedAt: 'yesterday' }] })
      else inject({ events: [{ ...GOOD_EVENT, object: 'TAG latest' }] })
    },
    documented: documentedMsrEvents(),
    close: rig.close
  }
}

const GOOD_CHANGE = { ID: '1', CreatedAt: '2024-11-06T18:45:58.428Z', GUN: 'dtr.example.org/a/b', Version: 1, SHA256: 'ab'.repeat(32), Category: 'update' }

function trustHarness(rig: MsrRig): BehaviourHarness {
  const route = { route: 'changefeed' as const }
  return {
    connector: rig.connector,
    stream: 'trust',
    sourceCount: () => rig.sim.trust.changes.length,
    secrets: rig.secrets,
    sleeps: rig.sleeps,
    signIns: () => rig.sim.tokensIssued,
    expireTokenOnce: () => rig.sim.inject({ kind: 'unauthorized' }, route),
    rejectEveryToken: () => rig.sim.inject({ kind: 'unauthorized' }, { ...route, times: Number.POSITIVE_INFINITY }),
    rateLimitVariants: ['retry-after', 'retry-after-date'],
    rateLimitOnce: (variant, seconds) => {
      rig.sim.inject({ kind: 'rate-limit', header: variant as 'retry-after' | 'retry-after-date', seconds }, route)
      return seconds * 1000
    },
    serverErrors: (times) => rig.sim.inject({ kind: 'server-error', status: 503, body: 'html' }, { ...route, times }),
    malformedKinds: ['html', 'truncated-json', 'records-missing', 'records-not-array', 'id-missing', 'created-at-unreadable', 'version-wrong-type', 'gun-missing'],
    malformedOnce: (kind) => {
      const inject = (body: unknown): void => rig.sim.inject({ kind: 'json', body, contentType: 'text/plain; charset=utf-8' }, route)
      if (kind === 'html') rig.sim.inject({ kind: 'html', status: 200 }, route)
      else if (kind === 'truncated-json') rig.sim.inject({ kind: 'truncated-json' }, route)
      else if (kind === 'records-missing') inject({ count: 1 })
      else if (kind === 'records-not-array') inject({ count: 1, records: { 0: GOOD_CHANGE } })
      else if (kind === 'id-missing') inject({ count: 1, records: [{ ...GOOD_CHANGE, ID: undefined }] })
      else if (kind === 'created-at-unreadable') inject({ count: 1, records: [{ ...GOOD_CHANGE, CreatedAt: 'Tuesday' }] })
      else if (kind === 'version-wrong-type') inject({ count: 1, records: [{ ...GOOD_CHANGE, Version: '1' }] })
      else inject({ count: 1, records: [{ ...GOOD_CHANGE, GUN: '' }] })
    },
    documented: documentedTrustChanges(),
    close: rig.close
  }
}

describeConnectorBehaviour('msr events', async ({ events, seed }) => eventsHarness(await startMsrRig({ sim: { events, seed } })))

describeConnectorBehaviour('msr trust', async ({ events, seed }) =>
  trustHarness(await startMsrRig({ withTrust: true, sim: { events: 0, seed, trustChanges: events === 0 ? 0 : 60 } }))
)
