import { createHash } from 'node:crypto'
import { seededHex, seededRandom } from './sim-faults'

/**
 * A seeded generator of Quay usage logs shaped as sources/6-quay.md documents them (`Log.to_dict`
 * of quay/quay at ffba0c70): `kind`, `metadata` (kind-specific, with the keys Quay's code
 * writes: `repo`, `namespace`, `tag`, `manifest_digest`, `user-agent`, `username`, `team`,
 * `member`, `robot`, `role` …), `ip`, `datetime` (RFC 822, whole seconds, `-0000`) and
 * `performer` (omitted for anonymous actions and background jobs).
 *
 * The simulator keeps each log with what the server knows besides: its time in ms, a tiebreak id
 * (the Elasticsearch backend's `random_id`), the namespace and repository it belongs to and the
 * performer's e-mail (from which the avatar hash is computed at answer time, as Quay does — so a
 * changed address changes the avatar of every old record).
 *
 * The mix: mostly pulls and pushes; bursts of identical anonymous pulls within one second
 * (legitimate duplicates, kept as separate events); one cluster of 45 events in a single second
 * (a page boundary inside one second); every kind of the contract's list when there are enough
 * logs; some logs of another organisation (not in acme's log).
 */

export interface QuaySimPerformer {
  name: string
  robot: boolean
}

export interface QuaySimLog {
  /** ms since the epoch, whole seconds. */
  at: number
  /** Tiebreak within a second (Elasticsearch's random_id). */
  rid: string
  /** The namespace (organisation or user) the log belongs to. */
  namespace: string
  /** The repository's name within `namespace`, for repository logs. */
  repository: string | null
  kind: string
  metadata: Record<string, unknown>
  ip: string | null
  performer: QuaySimPerformer | null
}

/** Every LogEntryKind of the contract's list (sources/6-quay.md "Log kinds"). */
export const QUAY_CONTRACT_KINDS = [
  'user_create', 'user_delete', 'user_disable', 'user_enable', 'user_change_email', 'user_change_password', 'user_change_name',
  'user_change_invoicing', 'user_change_tag_expiration', 'user_change_metadata', 'user_generate_client_key', 'account_change_plan',
  'account_change_cc', 'account_change_password', 'account_convert', 'login_success', 'login_failure', 'logout_success',
  'create_app_specific_token', 'revoke_app_specific_token', 'oauth_token_assigned', 'oauth_token_revoked', 'create_oauth_api_token',
  'revoke_oauth_api_token',
  'create_robot', 'delete_robot', 'regenerate_robot_token', 'create_robot_federation', 'delete_robot_federation', 'federated_robot_token_exchange',
  'create_repo', 'delete_repo', 'push_repo', 'push_repo_failed', 'pull_repo', 'pull_repo_failed', 'create_tag', 'move_tag', 'delete_tag',
  'delete_tag_failed', 'revert_tag', 'permanently_delete_tag', 'autoprune_tag_delete', 'change_tag_expiration', 'change_tag_immutability',
  'tag_made_immutable_by_policy', 'tags_made_immutable_by_policy', 'manifest_label_add', 'manifest_label_delete', 'repo_verb',
  'set_repo_description', 'change_repo_state', 'change_repo_visibility', 'change_repo_trust', 'add_repo_permission', 'change_repo_permission',
  'delete_repo_permission', 'add_repo_accesstoken', 'delete_repo_accesstoken', 'take_ownership',
  'build_dockerfile', 'setup_repo_trigger', 'delete_repo_trigger', 'toggle_repo_trigger', 'start_build_trigger', 'cancel_build',
  'add_repo_webhook', 'delete_repo_webhook', 'add_repo_notification', 'delete_repo_notification', 'reset_repo_notification',
  'create_namespace_notification', 'delete_namespace_notification', 'reset_namespace_notification',
  'org_create', 'org_delete', 'org_create_team', 'org_delete_team', 'org_invite_team_member', 'org_delete_team_member_invite',
  'org_add_team_member', 'org_team_member_invite_accepted', 'org_team_member_invite_declined', 'org_remove_team_member',
  'org_set_team_description', 'org_set_team_role', 'org_change_email', 'org_change_invoicing', 'org_change_tag_expiration', 'org_change_name',
  'enable_team_sync', 'disable_team_sync', 'create_prototype_permission', 'modify_prototype_permission', 'delete_prototype_permission',
  'create_application', 'update_application', 'delete_application', 'reset_application_client_secret',
  'org_create_quota', 'org_change_quota', 'org_delete_quota', 'org_create_quota_limit', 'org_change_quota_limit', 'org_delete_quota_limit',
  'create_proxy_cache_config', 'delete_proxy_cache_config', 'create_immutability_policy', 'update_immutability_policy',
  'delete_immutability_policy', 'create_namespace_autoprune_policy', 'update_namespace_autoprune_policy', 'delete_namespace_autoprune_policy',
  'create_repository_autoprune_policy', 'update_repository_autoprune_policy', 'delete_repository_autoprune_policy',
  'repo_mirror_enabled', 'repo_mirror_disabled', 'repo_mirror_config_changed', 'repo_mirror_sync_started', 'repo_mirror_sync_failed',
  'repo_mirror_sync_success', 'repo_mirror_sync_now_requested', 'repo_mirror_sync_tag_success', 'repo_mirror_sync_tag_failed',
  'repo_mirror_sync_test_success', 'repo_mirror_sync_test_failed', 'repo_mirror_sync_test_started',
  'org_mirror_enabled', 'org_mirror_disabled', 'org_mirror_config_changed', 'org_mirror_sync_started', 'org_mirror_sync_failed',
  'org_mirror_sync_success', 'org_mirror_sync_now_requested', 'org_mirror_sync_cancelled', 'org_mirror_repo_created',
  'service_key_create', 'service_key_approve', 'service_key_delete', 'service_key_modify', 'service_key_extend', 'service_key_rotate',
  'export_logs_success', 'export_logs_failure'
] as const

export const QUAY_SIM_ORG = 'acme'
export const QUAY_SIM_OTHER_ORG = 'globex'
export const QUAY_SIM_REPOSITORIES = ['app', 'api', 'base']
const TAGS = ['latest', '1.0.0', '1.1.0', '2.0.0-rc1', 'stable']
const AGENTS = [
  'containers/5.30.1 (github.com/containers/image)',
  'docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0 os/linux arch/amd64 UpstreamClient(Docker-Client/27.3.1 \\(linux\\))',
  'skopeo/1.16.1'
]
const IPS = ['192.168.1.131', '198.51.100.23', '203.0.113.7', '2001:db8::17']
export const QUAY_SIM_PEOPLE: QuaySimPerformer[] = [
  { name: 'alice', robot: false },
  { name: 'bob', robot: false },
  { name: 'acme+ci', robot: true }
]

/** Kinds about one repository (metadata with `repo` and `namespace`). */
const REPOSITORY_KIND = /(repo|tag|manifest|build|trigger|webhook|notification|take_ownership|mirror_sync|repo_mirror|autoprune_tag)/
/** Kinds written by the server itself, without a performer. */
const BACKGROUND_KIND = /^(repo_mirror_sync_|org_mirror_sync_(started|failed|success|cancelled)|org_mirror_repo_created|autoprune_tag_delete|tags?_made_immutable_by_policy|export_logs_|build_dockerfile)/

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!
}

export function digestOf(random: () => number): string {
  return `sha256:${seededHex(random)}`
}

/**
 * One log of `kind` at `at`, in `namespace` (default acme), on `repository` (a name in the
 * namespace, default one of the sim's repositories), by `performer` (default by kind).
 */
export function makeQuayLog(
  random: () => number,
  kind: string,
  at: number,
  options: { namespace?: string; repository?: string; performer?: QuaySimPerformer | null } = {}
): QuaySimLog {
  const namespace = options.namespace ?? QUAY_SIM_ORG
  const performer =
    options.performer !== undefined ? options.performer : BACKGROUND_KIND.test(kind) ? null : pick(random, QUAY_SIM_PEOPLE)
  const aboutRepository = REPOSITORY_KIND.test(kind) && !/^org_mirror_(enabled|disabled|config_changed|sync_now_requested)/.test(kind)
  const repository = aboutRepository ? (options.repository ?? pick(random, QUAY_SIM_REPOSITORIES)) : null
  const metadata: Record<string, unknown> = {}
  if (repository !== null) {
    metadata['repo'] = repository
    metadata['namespace'] = namespace
  }
  if (performer) {
    metadata['username'] = performer.name
    if (performer.robot) metadata['is_robot'] = true
  }
  const registryKind = /^(push_repo|pull_repo|delete_tag|create_tag|move_tag|revert_tag|repo_verb)/.test(kind)
  if (registryKind) metadata['user-agent'] = pick(random, AGENTS)
  if (/tag|push_repo|pull_repo|repo_verb/.test(kind) && !/tags_made/.test(kind)) {
    if (kind.startsWith('pull_repo') && random() < 0.3) metadata['manifest_digest'] = digestOf(random)
    else metadata['tag'] = pick(random, TAGS)
  }
  if (/^(create_tag|move_tag|revert_tag)$/.test(kind)) metadata['manifest_digest'] = digestOf(random)
  if (kind === 'move_tag') metadata['original_manifest_digest'] = digestOf(random)
  if (kind === 'delete_tag' && random() < 0.5) metadata['digest'] = digestOf(random)
  if (kind === 'push_repo') metadata['mediaType'] = 'application/vnd.oci.image.manifest.v1+json'
  if (kind === 'tags_made_immutable_by_policy') metadata['tags'] = [pick(random, TAGS), pick(random, TAGS)]
  if (/robot/.test(kind)) metadata['robot'] = `${namespace}+deployer`
  if (/team/.test(kind) && !/team_sync/.test(kind)) metadata['team'] = pick(random, ['owners', 'developers', 'readers'])
  if (/member/.test(kind)) metadata['member'] = pick(random, ['carol', 'dave'])
  if (/team_role|permission/.test(kind)) metadata['role'] = pick(random, ['read', 'write', 'admin'])
  if (/repo_permission/.test(kind)) {
    if (random() < 0.5) metadata['username'] = 'carol'
    else metadata['team'] = 'developers'
  }
  if (/application/.test(kind)) {
    metadata['application_name'] = 'audit-reader'
    metadata['client_id'] = seededHex(random, 20).toUpperCase()
  }
  if (/app_specific_token/.test(kind)) metadata['app_specific_token_title'] = 'laptop'
  if (/accesstoken/.test(kind)) metadata['token'] = 'deploy-token'
  if (/trigger/.test(kind)) metadata['trigger_id'] = seededHex(random, 8)
  if (/build/.test(kind)) metadata['build_id'] = seededHex(random, 8)
  if (/service_key/.test(kind)) metadata['kid'] = seededHex(random, 16)
  if (/mirror_sync_(failed|tag_failed|test_failed)/.test(kind)) metadata['message'] = 'unauthorized: authentication required'
  if (/visibility/.test(kind)) metadata['visibility'] = pick(random, ['public', 'private'])
  if (/expiration/.test(kind)) metadata['expiration_date'] = 'Fri, 01 Aug 2025 00:00:00 -0000'
  const anonymousPull = kind === 'pull_repo' && performer === null
  const ip = BACKGROUND_KIND.test(kind) && !anonymousPull ? null : pick(random, IPS)
  return { at, rid: seededHex(random, 20), namespace, repository, kind, metadata, ip, performer }
}

/** The avatar Quay computes for a user from the current e-mail address. */
export function avatarFor(performer: QuaySimPerformer, email: string): Record<string, unknown> {
  const hash = createHash('md5').update(email.trim().toLowerCase()).digest('hex')
  const colors = ['#969696', '#aec7e8', '#ff7f0e', '#ffbb78', '#2ca02c', '#98df8a', '#d62728', '#17becf']
  return { name: performer.name, hash, color: colors[parseInt(hash.slice(0, 2), 16) % colors.length], kind: performer.robot ? 'robot' : 'user' }
}

/** Python's `email.utils.formatdate(ts)`: `Tue, 18 Jun 2024 18:59:13 -0000`. */
export function formatRfc822(ms: number): string {
  const date = new Date(ms)
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const two = (n: number): string => String(n).padStart(2, '0')
  return (
    `${days[date.getUTCDay()]}, ${two(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} -0000`
  )
}

/** The log as the API sends it (`Log.to_dict`), with the avatar for the performer's current e-mail. */
export function toWireLog(log: QuaySimLog, emailOf: (name: string) => string, includeNamespace = false): Record<string, unknown> {
  const view: Record<string, unknown> = { kind: log.kind, metadata: log.metadata, ip: log.ip, datetime: formatRfc822(log.at) }
  if (log.performer) {
    view['performer'] = {
      kind: 'user',
      name: log.performer.name,
      is_robot: log.performer.robot,
      avatar: avatarFor(log.performer, emailOf(log.performer.name))
    }
  }
  if (includeNamespace) view['namespace'] = { kind: 'org', name: log.namespace, avatar: { name: log.namespace, hash: seededHexOf(log.namespace), color: '#17becf', kind: 'org' } }
  return view
}

function seededHexOf(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

const WEIGHTED: Array<[string, number]> = [
  ['pull_repo', 40],
  ['push_repo', 20],
  ['delete_tag', 5],
  ['create_tag', 5],
  ['move_tag', 3],
  ['pull_repo_failed', 1],
  ['create_repo', 2]
]

/** Newest first: by time, then by the tiebreak id, both descending. */
export function compareNewestFirst(a: QuaySimLog, b: QuaySimLog): number {
  return b.at - a.at || (a.rid < b.rid ? 1 : a.rid > b.rid ? -1 : 0)
}

/**
 * `count` logs over the `days` days before `endTime` (default 10 days before 2025-06-02T12:00Z),
 * newest first. With 150 or more, every contract kind appears at least once.
 */
export function generateQuayLogs(count: number, seed: number, options: { endTime?: number; days?: number } = {}): QuaySimLog[] {
  const random = seededRandom(seed)
  const endTime = Math.floor((options.endTime ?? Date.parse('2025-06-02T12:00:00Z')) / 1000) * 1000
  const span = (options.days ?? 10) * 86_400_000
  const second = (): number => endTime - 1000 - Math.floor((random() * span) / 1000) * 1000
  const total = WEIGHTED.reduce((sum, [, weight]) => sum + weight, 0)
  const logs: QuaySimLog[] = []
  const everyKind = count >= 150 ? [...QUAY_CONTRACT_KINDS] : []
  // One cluster of 45 events in one second, when there are enough logs for it.
  if (count >= 120) {
    const at = second()
    const burst = makeQuayLog(random, 'pull_repo', at, { performer: null, repository: 'app' })
    for (let i = 0; i < 45 && logs.length < count; i++) {
      logs.push(i % 3 === 0 ? { ...burst, rid: seededHex(random, 20) } : makeQuayLog(random, i % 2 ? 'push_repo' : 'pull_repo', at))
    }
  }
  while (logs.length < count) {
    const at = second()
    const kind = everyKind.shift()
    if (kind !== undefined) {
      logs.push(makeQuayLog(random, kind, at))
      continue
    }
    const roll = random()
    if (roll < 0.08) {
      // Identical anonymous pulls in one second (a CI fleet): legitimate duplicates.
      const template = makeQuayLog(random, 'pull_repo', at, { performer: null })
      const copies = 2 + Math.floor(random() * 4)
      for (let i = 0; i < copies && logs.length < count; i++) logs.push({ ...template, rid: seededHex(random, 20) })
      continue
    }
    if (roll < 0.16) {
      logs.push(makeQuayLog(random, pick(random, ['push_repo', 'pull_repo', 'create_repo']), at, { namespace: QUAY_SIM_OTHER_ORG }))
      continue
    }
    let weight = random() * total
    const chosen = WEIGHTED.find(([, w]) => (weight -= w) < 0)?.[0] ?? 'pull_repo'
    logs.push(makeQuayLog(random, chosen, at))
  }
  return logs.sort(compareNewestFirst)
}

export { seededRandom }
