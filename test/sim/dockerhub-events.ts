/**
 * A seeded generator of Docker Hub audit records shaped as sources/1-dockerhub.md documents them:
 * second-precision UTC timestamps, newest first, `data` as a string map, `action_description`
 * with its trailing newline, no id. Every action of the contract's taxonomy occurs; pushes
 * dominate, as they do in a real organisation. About 2% of records are exact copies of the record
 * before them (same second, same everything), the case the connector's occurrence counter is for.
 */

export interface SimRecord {
  account: string
  action: string
  name: string
  actor: string
  data: Record<string, string>
  timestamp: string
  action_description: string
}

/** mulberry32: tiny, fast and good enough for test data; same seed, same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const REPOS = [
  'payments-api',
  'web-frontend',
  'auth-service',
  'billing-worker',
  'data-pipeline',
  'ml-inference',
  'base-images',
  'nginx-proxy',
  'docs-site',
  'mobile-backend'
]
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'ci-bot', 'release-bot']
/** Token labels shown as the actor of repository events (activity-logs manual, S4). */
const TOKEN_ACTORS = ['<user-access-token>', 'GitHub Actions deploy']
const TEAMS = ['developers', 'owners', 'security', 'release-managers']

/** Weights: pushes dominate; every documented action appears now and then. */
const WEIGHTS: Record<string, number> = {
  'repo.tag.push': 400,
  'repo.tag.delete': 40,
  'repo.create': 15,
  'repo.update': 10,
  'repo.delete': 6,
  'repo.change_privacy': 5,
  'org.member.add': 8,
  'org.member.remove': 5,
  'org.member.invite.send': 6,
  'org.team.member.add': 6,
  'org.access_token.create': 4
}
/**
 * The action taxonomy of sources/1-dockerhub.md, written out here independently of the connector's
 * table so a test can hold one against the other: the newer spec's list, then the older spec's
 * names that have since changed.
 */
export const DOCUMENTED_ACTIONS: readonly string[] = [
  ...['create', 'update', 'delete', 'change_privacy', 'category.updated', 'immutable.tags.updated', 'tag.push', 'tag.delete'].map(
    (name) => `repo.${name}`
  ),
  ...[
    'create',
    'member.add',
    'member.remove',
    'member.role.change',
    'member.invite.send',
    'team.create',
    'team.update',
    'team.delete',
    'team.member.add',
    'team.member.remove',
    'domain.create',
    'domain.verify',
    'domain.delete',
    'domain.auto-provisioning.toggle',
    'settings.update',
    'registry_access.enabled',
    'registry_access.disabled',
    'registry_access.registry_added',
    'registry_access.registry_updated',
    'registry_access.registry_removed',
    'access_token.create',
    'access_token.update',
    'access_token.delete',
    ...['customrole', 'securepolicyconfigure', 'securepolicyclient', 'securepolicyprofile'].flatMap((thing) =>
      ['create', 'update', 'delete'].map((verb) => `${thing}.${verb}`)
    )
  ].map((name) => `org.${name}`),
  ...[
    'upgrade',
    'downgrade',
    'seat_add',
    'seat_remove',
    'cycle_change',
    'downgrade_cancel',
    'seat_removal_cancel',
    'upgrade.request',
    'downgrade.request',
    'seat_add.request',
    'seat_removal.request',
    'cycle_change.request',
    'downgrade_cancel.request',
    'seat_removal_cancel.request',
    'product_change'
  ].map((name) => `billing.plan.${name}`),
  ...['create', 'update', 'delete', 'transfer'].map((verb) => `enterprise.setting.policy.${verb}`),
  ...[
    'create',
    'update',
    'delete',
    'enforcement_toggle',
    'scim_toggle',
    'scim_token_refresh',
    'connection_type_change',
    'jit_toggle'
  ].map((name) => `enterprise.sso.connection.${name}`),
  'offload.lease.start',
  'offload.lease.end',
  ...['create', 'update', 'delete'].map((verb) => `oidc.connection.${verb}`),
  // Older spec (commit 0073bb6) names.
  'org.team.member.invite',
  'org.member.removed'
]

const ACTIONS = DOCUMENTED_ACTIONS
const WEIGHTED: Array<[string, number]> = ACTIONS.map((action) => [action, WEIGHTS[action] ?? 1])
const TOTAL_WEIGHT = WEIGHTED.reduce((sum, [, weight]) => sum + weight, 0)

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

function hex(random: () => number, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16)
  return out
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

function pickAction(random: () => number): string {
  let roll = random() * TOTAL_WEIGHT
  for (const [action, weight] of WEIGHTED) {
    roll -= weight
    if (roll < 0) return action
  }
  return 'repo.tag.push'
}

/** One record of `action` at `at` (ms), its details drawn from `random`. */
export function makeRecord(random: () => number, org: string, action: string, at: number): SimRecord {
  const repo = `${org}/${pick(random, REPOS)}`
  const timestamp = isoSeconds(at)
  const user = pick(random, USERS)
  if (action === 'repo.tag.push' || action === 'repo.tag.delete') {
    const tag =
      random() < 0.2 ? 'latest' : random() < 0.5 ? `sha-${hex(random, 7)}` : `${1 + Math.floor(random() * 3)}.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}`
    const digest = `sha256:${hex(random, 64)}`
    const actor = random() < 0.1 ? pick(random, TOKEN_ACTORS) : user
    const description =
      action === 'repo.tag.push'
        ? `pushed the tag ${tag} with the digest ${digest.slice(0, 19)} to the repository ${repo}\n`
        : `deleted the tag ${tag} from the repository ${repo}\n`
    return { account: org, action, name: repo, actor, data: { digest, tag }, timestamp, action_description: description }
  }
  if (action.startsWith('repo.')) {
    const verb = action.slice('repo.'.length).replace(/[._]/g, ' ')
    return { account: org, action, name: repo, actor: user, data: {}, timestamp, action_description: `${verb} the repository ${repo}\n` }
  }
  if (action.startsWith('org.member.') || action.startsWith('org.team.member.')) {
    const member = pick(random, USERS.filter((name) => name !== user))
    const data: Record<string, string> = action.startsWith('org.team.')
      ? { team: pick(random, TEAMS) }
      : { role: random() < 0.8 ? 'member' : 'owner' }
    const verb = action.split('.').slice(-1)[0]
    return { account: org, action, name: member, actor: user, data, timestamp, action_description: `${verb} ${member} in the organization ${org}\n` }
  }
  if (action.startsWith('org.team.')) {
    const team = pick(random, TEAMS)
    return { account: org, action, name: team, actor: user, data: {}, timestamp, action_description: `${action.slice(4)} ${team}\n` }
  }
  if (action.startsWith('org.access_token.')) {
    const label = pick(random, ['ci-push', 'audit-reader', 'deploy-prod'])
    return { account: org, action, name: label, actor: user, data: { scopes: 'scope-activity-read' }, timestamp, action_description: `${action.slice(17)}d the access token ${label}\n` }
  }
  return { account: org, action, name: org, actor: user, data: {}, timestamp, action_description: `${action} for ${org}\n` }
}

export interface GenerateOptions {
  org: string
  /** Time of the newest record (ms); default 2025-06-01T00:00:00Z, so a seed always gives the same list. */
  endTime?: number
}

/** `count` records, newest first, deterministic for (count, seed, org, endTime). */
export function generateDockerHubEvents(count: number, seed: number, options: GenerateOptions): SimRecord[] {
  const random = seededRandom(seed)
  let at = options.endTime ?? Date.parse('2025-06-01T00:00:00Z')
  const out: SimRecord[] = []
  while (out.length < count) {
    const previous = out[out.length - 1]
    if (previous && random() < 0.02) {
      out.push({ ...previous, data: { ...previous.data } })
      continue
    }
    if (out.length > 0 && random() >= 0.1) at -= 1000 * (1 + Math.floor(random() * 300))
    out.push(makeRecord(random, options.org, pickAction(random), at))
  }
  return out
}
