import type { Activity, Verb } from '../../src/shared/event'
import { DOCUMENTED_ACTIONS, makeRecord, seededRandom } from '../sim/dockerhub-events'
import { describeConnectorBehaviour, type DocumentedRecord } from './connector-behaviour'
import { RIG_START, startDockerHubRig } from './dockerhub-rig'

/** The verb and activity each documented action must get (decisions recorded in dockerhub-normalise.ts). */
const EXPECTED: Record<string, [Verb, Activity]> = {
  'repo.create': ['CREATE', 'create-repo'],
  'repo.update': ['UPDATE', 'settings'],
  'repo.delete': ['DELETE', 'delete'],
  'repo.change_privacy': ['UPDATE', 'settings'],
  'repo.category.updated': ['UPDATE', 'settings'],
  'repo.immutable.tags.updated': ['UPDATE', 'settings'],
  'repo.tag.push': ['CREATE', 'push'],
  'repo.tag.delete': ['DELETE', 'delete'],
  'org.create': ['CREATE', 'other'],
  'org.member.add': ['CREATE', 'member'],
  'org.member.remove': ['DELETE', 'member'],
  'org.member.removed': ['DELETE', 'member'],
  'org.member.role.change': ['UPDATE', 'member'],
  'org.member.invite.send': ['SEND', 'member'],
  'org.team.create': ['CREATE', 'team'],
  'org.team.update': ['UPDATE', 'team'],
  'org.team.delete': ['DELETE', 'team'],
  'org.team.member.add': ['CREATE', 'team'],
  'org.team.member.remove': ['DELETE', 'team'],
  'org.team.member.invite': ['SEND', 'team'],
  'org.domain.create': ['CREATE', 'settings'],
  'org.domain.verify': ['UPDATE', 'settings'],
  'org.domain.delete': ['DELETE', 'settings'],
  'org.domain.auto-provisioning.toggle': ['UPDATE', 'settings'],
  'org.settings.update': ['UPDATE', 'settings'],
  'org.registry_access.enabled': ['UPDATE', 'policy'],
  'org.registry_access.disabled': ['UPDATE', 'policy'],
  'org.registry_access.registry_added': ['CREATE', 'policy'],
  'org.registry_access.registry_updated': ['UPDATE', 'policy'],
  'org.registry_access.registry_removed': ['DELETE', 'policy'],
  'org.access_token.create': ['CREATE', 'token'],
  'org.access_token.update': ['UPDATE', 'token'],
  'org.access_token.delete': ['DELETE', 'token'],
  'offload.lease.start': ['CREATE', 'other'],
  'offload.lease.end': ['DELETE', 'other'],
  'oidc.connection.create': ['CREATE', 'settings'],
  'oidc.connection.update': ['UPDATE', 'settings'],
  'oidc.connection.delete': ['DELETE', 'settings'],
  'enterprise.setting.policy.transfer': ['UPDATE', 'policy'],
  'enterprise.sso.connection.scim_token_refresh': ['UPDATE', 'sso']
}

/** Families whose every member shares an activity; the verb follows the action's last word. */
function expectedFor(action: string): [Verb, Activity] {
  const pinned = EXPECTED[action]
  if (pinned) return pinned
  const verbOf = (word: string): Verb => (word === 'create' ? 'CREATE' : word === 'delete' ? 'DELETE' : 'UPDATE')
  const last = action.split('.').at(-1)!
  if (action.startsWith('billing.')) return ['UPDATE', 'billing']
  if (action.startsWith('enterprise.sso.')) return [verbOf(last), 'sso']
  if (/^org\.(customrole|securepolicy\w+)\.|^enterprise\.setting\.policy\./.test(action)) return [verbOf(last), 'policy']
  throw new Error(`no expectation written for ${action}`)
}

function documentedRecords(): DocumentedRecord[] {
  const random = seededRandom(3)
  return DOCUMENTED_ACTIONS.map((action, index) => {
    const raw = makeRecord(random, 'acme', action, RIG_START - index * 1000)
    const [verb, activity] = expectedFor(action)
    const isRepo = action.startsWith('repo.')
    return {
      action,
      raw,
      expect: {
        verb,
        activity,
        outcome: 'success',
        occurred_at: Date.parse(raw.timestamp),
        actor: raw.actor,
        namespace: 'acme',
        repository: isRepo ? raw.name : null,
        target: isRepo ? null : raw.name,
        tag: raw.data['tag'] ?? null,
        digest: raw.data['digest'] ?? null,
        label: `${raw.actor} ${raw.action_description.trim()}`
      }
    }
  })
}

describeConnectorBehaviour('dockerhub', async ({ events, seed }) => {
  const rig = await startDockerHubRig({ sim: { events, seed } })
  return {
    connector: rig.connector,
    stream: 'auditlog',
    sourceCount: () => rig.sim.events.length,
    secrets: rig.secrets,
    sleeps: rig.sleeps,
    signIns: () => rig.sim.tokensIssued,
    expireTokenOnce: () => rig.sim.expireTokens(),
    rejectEveryToken: () => rig.sim.inject({ kind: 'unauthorized' }, { times: Number.POSITIVE_INFINITY }),
    rateLimitVariants: ['retry-after', 'retry-after-date', 'x-retry-after', 'x-ratelimit-reset'],
    rateLimitOnce: (variant, seconds) => {
      rig.sim.inject({
        kind: 'rate-limit',
        header: variant as 'retry-after' | 'retry-after-date' | 'x-retry-after' | 'x-ratelimit-reset',
        seconds
      })
      return seconds * 1000
    },
    serverErrors: (times) => rig.sim.inject({ kind: 'server-error', status: 503, body: 'rpc' }, { times }),
    malformedKinds: ['html', 'truncated-json', 'logs-not-array', 'timestamp-wrong-type', 'timestamp-unreadable', 'record-not-object'],
    malformedOnce: (kind) => {
      const good = { account: 'acme', action: 'repo.tag.push', name: 'acme/x', actor: 'alice', timestamp: '2025-05-01T00:00:00Z' }
      if (kind === 'html') rig.sim.inject({ kind: 'html', status: 200 })
      else if (kind === 'truncated-json') rig.sim.inject({ kind: 'truncated-json' })
      else if (kind === 'logs-not-array') rig.sim.inject({ kind: 'json', body: { logs: { 0: good } } })
      else if (kind === 'timestamp-wrong-type') rig.sim.inject({ kind: 'json', body: { logs: [good, { ...good, timestamp: 1714521600 }] } })
      else if (kind === 'timestamp-unreadable') rig.sim.inject({ kind: 'json', body: { logs: [{ ...good, timestamp: 'yesterday' }] } })
      else rig.sim.inject({ kind: 'json', body: { logs: [good, 'not a record'] } })
    },
    documented: documentedRecords(),
    close: rig.close
  }
})
