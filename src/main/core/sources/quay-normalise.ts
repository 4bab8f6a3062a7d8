import type { Activity, ActorKind, NormalisedEvent, Outcome, Verb } from '../../../shared/event'
import { guessVerb } from './dockerhub-normalise'
import { quayClientIp, validateQuayRecord, type QuayRecordPlace } from './quay-page'
import { oneLineLabel } from './label-text'

/**
 * Quay usage log record → normalised event (sources/6-quay.md). Pure: used for synced records
 * and for records read from Quay export files.
 *
 * Kinds. Every `LogEntryKind` the contract lists has its verb and activity below. Decisions where
 * the contract is silent:
 * - Tags: create_tag, move_tag, revert_tag are pushes (CREATE, UPDATE, UPDATE); tag expiration and
 *   immutability changes are settings; a policy making tags immutable is `policy`; every tag or
 *   repository deletion (permanent, auto-pruned) is `delete`; repo_verb (a converted image
 *   download) is a pull.
 * - `*_failed` / `*_failure` kinds are FAIL with outcome failure, in their family's activity.
 * - Robots, app-specific, OAuth and service keys, OAuth applications and repository access tokens
 *   are `token`; permissions (repository, default "prototype" permissions) and immutability and
 *   auto-prune policies are `policy`; quotas, proxy cache, webhooks and notifications, names,
 *   e-mails, descriptions, visibility and user account changes are `settings`; invoicing and plans
 *   are `billing`; team sync (LDAP/OIDC groups) is `sso`.
 * - Team membership (add, remove, invite and its answers) is `member`; a team itself (create,
 *   delete, description, role) is `team`. An invitation is SEND.
 * - Repository and organisation mirroring is `mirror`: a sync started is CREATE, a sync or tag
 *   that succeeded UPDATE, a failure FAIL, a test GET, a cancellation DELETE; a repository an
 *   organisation mirror created is `create-repo`.
 * - Builds and triggers, labels, log exports, organisation and user creation, logins: `other`
 *   (login CREATE, logout DELETE, login_failure FAIL).
 * - Unknown kinds (later Quay versions add some; "unknown" when the server has no name): the
 *   family their name says (mirror, robot/token, team, permission/policy, quota, scan/security,
 *   build/trigger, tag/repo), else `other`, with the verb guessed from the words and FAIL for a
 *   failure word.
 *
 * Fields. `actor` is the performer's name; a robot (`is_robot`) is actor kind `token`, a person
 * `user`. Without a performer: the legacy access token named in the metadata (`token`), else a
 * policy for auto-prune and immutability policies, a job for mirroring, builds and log exports,
 * else `unknown` (an anonymous pull). `namespace`/`repository` come from the metadata (`namespace`,
 * `repo`), else from the stream's scope; `tag` from `tag`; `digest` from `manifest_digest` or a
 * digest-shaped `digest`; `user_agent` from `user-agent` (or `user_agent`, extended logging);
 * `client_ip` from `ip`; `target` names a robot, team, member, token, application or trigger.
 */

interface KindClass {
  verb: Verb
  activity: Activity
}

const k = (verb: Verb, activity: Activity): KindClass => ({ verb, activity })

/** Every `LogEntryKind` named in sources/6-quay.md. */
export const QUAY_KINDS: Readonly<Record<string, KindClass>> = {
  // Account / user
  user_create: k('CREATE', 'other'),
  user_delete: k('DELETE', 'other'),
  user_disable: k('UPDATE', 'settings'),
  user_enable: k('UPDATE', 'settings'),
  user_change_email: k('UPDATE', 'settings'),
  user_change_password: k('UPDATE', 'settings'),
  user_change_name: k('UPDATE', 'settings'),
  user_change_invoicing: k('UPDATE', 'billing'),
  user_change_tag_expiration: k('UPDATE', 'settings'),
  user_change_metadata: k('UPDATE', 'settings'),
  user_generate_client_key: k('CREATE', 'token'),
  account_change_plan: k('UPDATE', 'billing'),
  account_change_cc: k('UPDATE', 'billing'),
  account_change_password: k('UPDATE', 'settings'),
  account_convert: k('UPDATE', 'settings'),
  login_success: k('CREATE', 'other'),
  login_failure: k('FAIL', 'other'),
  logout_success: k('DELETE', 'other'),
  create_app_specific_token: k('CREATE', 'token'),
  revoke_app_specific_token: k('DELETE', 'token'),
  oauth_token_assigned: k('CREATE', 'token'),
  oauth_token_revoked: k('DELETE', 'token'),
  create_oauth_api_token: k('CREATE', 'token'),
  revoke_oauth_api_token: k('DELETE', 'token'),
  // Robots
  create_robot: k('CREATE', 'token'),
  delete_robot: k('DELETE', 'token'),
  regenerate_robot_token: k('UPDATE', 'token'),
  create_robot_federation: k('CREATE', 'token'),
  delete_robot_federation: k('DELETE', 'token'),
  federated_robot_token_exchange: k('CREATE', 'token'),
  // Repositories and tags
  create_repo: k('CREATE', 'create-repo'),
  delete_repo: k('DELETE', 'delete'),
  push_repo: k('CREATE', 'push'),
  push_repo_failed: k('FAIL', 'push'),
  pull_repo: k('GET', 'pull'),
  pull_repo_failed: k('FAIL', 'pull'),
  create_tag: k('CREATE', 'push'),
  move_tag: k('UPDATE', 'push'),
  delete_tag: k('DELETE', 'delete'),
  delete_tag_failed: k('FAIL', 'delete'),
  revert_tag: k('UPDATE', 'push'),
  permanently_delete_tag: k('DELETE', 'delete'),
  autoprune_tag_delete: k('DELETE', 'delete'),
  change_tag_expiration: k('UPDATE', 'settings'),
  change_tag_immutability: k('UPDATE', 'settings'),
  tag_made_immutable_by_policy: k('UPDATE', 'policy'),
  tags_made_immutable_by_policy: k('UPDATE', 'policy'),
  manifest_label_add: k('CREATE', 'other'),
  manifest_label_delete: k('DELETE', 'other'),
  repo_verb: k('GET', 'pull'),
  set_repo_description: k('UPDATE', 'settings'),
  change_repo_state: k('UPDATE', 'settings'),
  change_repo_visibility: k('UPDATE', 'settings'),
  change_repo_trust: k('UPDATE', 'settings'),
  add_repo_permission: k('CREATE', 'policy'),
  change_repo_permission: k('UPDATE', 'policy'),
  delete_repo_permission: k('DELETE', 'policy'),
  add_repo_accesstoken: k('CREATE', 'token'),
  delete_repo_accesstoken: k('DELETE', 'token'),
  take_ownership: k('UPDATE', 'settings'),
  // Builds and triggers
  build_dockerfile: k('CREATE', 'other'),
  setup_repo_trigger: k('CREATE', 'other'),
  delete_repo_trigger: k('DELETE', 'other'),
  toggle_repo_trigger: k('UPDATE', 'other'),
  start_build_trigger: k('CREATE', 'other'),
  cancel_build: k('DELETE', 'other'),
  // Notifications and webhooks
  add_repo_webhook: k('CREATE', 'settings'),
  delete_repo_webhook: k('DELETE', 'settings'),
  add_repo_notification: k('CREATE', 'settings'),
  delete_repo_notification: k('DELETE', 'settings'),
  reset_repo_notification: k('UPDATE', 'settings'),
  create_namespace_notification: k('CREATE', 'settings'),
  delete_namespace_notification: k('DELETE', 'settings'),
  reset_namespace_notification: k('UPDATE', 'settings'),
  // Organisations and teams
  org_create: k('CREATE', 'other'),
  org_delete: k('DELETE', 'other'),
  org_create_team: k('CREATE', 'team'),
  org_delete_team: k('DELETE', 'team'),
  org_invite_team_member: k('SEND', 'member'),
  org_delete_team_member_invite: k('DELETE', 'member'),
  org_add_team_member: k('CREATE', 'member'),
  org_team_member_invite_accepted: k('CREATE', 'member'),
  org_team_member_invite_declined: k('DELETE', 'member'),
  org_remove_team_member: k('DELETE', 'member'),
  org_set_team_description: k('UPDATE', 'team'),
  org_set_team_role: k('UPDATE', 'team'),
  org_change_email: k('UPDATE', 'settings'),
  org_change_invoicing: k('UPDATE', 'billing'),
  org_change_tag_expiration: k('UPDATE', 'settings'),
  org_change_name: k('UPDATE', 'settings'),
  enable_team_sync: k('UPDATE', 'sso'),
  disable_team_sync: k('UPDATE', 'sso'),
  create_prototype_permission: k('CREATE', 'policy'),
  modify_prototype_permission: k('UPDATE', 'policy'),
  delete_prototype_permission: k('DELETE', 'policy'),
  create_application: k('CREATE', 'token'),
  update_application: k('UPDATE', 'token'),
  delete_application: k('DELETE', 'token'),
  reset_application_client_secret: k('UPDATE', 'token'),
  // Quota, proxy cache, policies
  org_create_quota: k('CREATE', 'settings'),
  org_change_quota: k('UPDATE', 'settings'),
  org_delete_quota: k('DELETE', 'settings'),
  org_create_quota_limit: k('CREATE', 'settings'),
  org_change_quota_limit: k('UPDATE', 'settings'),
  org_delete_quota_limit: k('DELETE', 'settings'),
  create_proxy_cache_config: k('CREATE', 'settings'),
  delete_proxy_cache_config: k('DELETE', 'settings'),
  create_immutability_policy: k('CREATE', 'policy'),
  update_immutability_policy: k('UPDATE', 'policy'),
  delete_immutability_policy: k('DELETE', 'policy'),
  create_namespace_autoprune_policy: k('CREATE', 'policy'),
  update_namespace_autoprune_policy: k('UPDATE', 'policy'),
  delete_namespace_autoprune_policy: k('DELETE', 'policy'),
  create_repository_autoprune_policy: k('CREATE', 'policy'),
  update_repository_autoprune_policy: k('UPDATE', 'policy'),
  delete_repository_autoprune_policy: k('DELETE', 'policy'),
  // Repository mirroring
  repo_mirror_enabled: k('UPDATE', 'mirror'),
  repo_mirror_disabled: k('UPDATE', 'mirror'),
  repo_mirror_config_changed: k('UPDATE', 'mirror'),
  repo_mirror_sync_started: k('CREATE', 'mirror'),
  repo_mirror_sync_failed: k('FAIL', 'mirror'),
  repo_mirror_sync_success: k('UPDATE', 'mirror'),
  repo_mirror_sync_now_requested: k('UPDATE', 'mirror'),
  repo_mirror_sync_tag_success: k('UPDATE', 'mirror'),
  repo_mirror_sync_tag_failed: k('FAIL', 'mirror'),
  repo_mirror_sync_test_success: k('GET', 'mirror'),
  repo_mirror_sync_test_failed: k('FAIL', 'mirror'),
  repo_mirror_sync_test_started: k('GET', 'mirror'),
  // Organisation mirroring
  org_mirror_enabled: k('UPDATE', 'mirror'),
  org_mirror_disabled: k('UPDATE', 'mirror'),
  org_mirror_config_changed: k('UPDATE', 'mirror'),
  org_mirror_sync_started: k('CREATE', 'mirror'),
  org_mirror_sync_failed: k('FAIL', 'mirror'),
  org_mirror_sync_success: k('UPDATE', 'mirror'),
  org_mirror_sync_now_requested: k('UPDATE', 'mirror'),
  org_mirror_sync_cancelled: k('DELETE', 'mirror'),
  org_mirror_repo_created: k('CREATE', 'create-repo'),
  // Service keys
  service_key_create: k('CREATE', 'token'),
  service_key_approve: k('UPDATE', 'token'),
  service_key_delete: k('DELETE', 'token'),
  service_key_modify: k('UPDATE', 'token'),
  service_key_extend: k('UPDATE', 'token'),
  service_key_rotate: k('UPDATE', 'token'),
  // Log export
  export_logs_success: k('GET', 'other'),
  export_logs_failure: k('FAIL', 'other')
}

/** A kind that reports a failure (`push_repo_failed`, `login_failure`, `repo_mirror_sync_failed`). */
const FAILURE_WORD = /(^|_)(failed|failure|fail|error)(_|$)/

/** Families of unknown kinds, first match wins. */
const FAMILIES: ReadonlyArray<[RegExp, Activity]> = [
  [/mirror/, 'mirror'],
  [/(scan|security|vulnerab)/, 'scan'],
  [/(robot|token|service_key|application|oauth)/, 'token'],
  [/(permission|policy|autoprune|immutab)/, 'policy'],
  [/team_sync/, 'sso'],
  [/(team_member|_member|invite)/, 'member'],
  [/team/, 'team'],
  [/(invoic|plan|billing|_cc$)/, 'billing'],
  [/(quota|proxy_cache|notification|webhook|visibility|description|expiration|_email|_name$)/, 'settings'],
  [/(build|trigger)/, 'other'],
  [/(pull)/, 'pull'],
  [/(delete.*(tag|repo|manifest)|(tag|repo|manifest).*delete|prune)/, 'delete'],
  [/(push|_tag$|^tag_|manifest)/, 'push'],
  [/create_repo/, 'create-repo']
]

/** Verb and activity of a kind: the table, else its family and words. */
export function classifyQuayKind(kind: string): KindClass {
  // Own keys only: a kind named "constructor" must not find Object.prototype's.
  const known = Object.hasOwn(QUAY_KINDS, kind) ? QUAY_KINDS[kind] : undefined
  if (known) return known
  const lower = kind.toLowerCase()
  const family = FAMILIES.find(([pattern]) => pattern.test(lower))
  const activity: Activity = family ? family[1] : 'other'
  if (FAILURE_WORD.test(lower)) return { verb: 'FAIL', activity }
  if (activity === 'scan') return { verb: 'SCAN', activity }
  if (activity === 'pull') return { verb: 'GET', activity }
  return { verb: guessVerb(lower.replace(/_/g, '.')), activity }
}

/** Failures, whatever the kind's verb. */
export function quayOutcome(kind: string, verb: Verb): Outcome {
  return verb === 'FAIL' || FAILURE_WORD.test(kind.toLowerCase()) ? 'failure' : 'success'
}

const POLICY_KINDS = /(autoprune|made_immutable_by_policy)/
const JOB_KINDS = /(mirror|build|export_logs)/
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/

/** Context a record does not carry itself: the scope it was read for. */
export interface QuayNormaliseContext extends QuayRecordPlace {
  /** The organisation (or user namespace) the log was read for. */
  namespace?: string
  /** `namespace/name` when the log was read for one repository. */
  repository?: string
}

function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return typeof value === 'string' && value.trim() !== '' ? oneLineLabel(value) : null
}

/** What a non-image event acted on, from the metadata keys Quay writes for it. */
function targetOf(kind: string, metadata: Record<string, unknown>): string | null {
  const robot = text(metadata['robot'])
  if (robot && /robot/.test(kind)) return `robot ${robot}`
  const member = text(metadata['member']) ?? text(metadata['user'])
  const team = text(metadata['team'])
  if (member && /member/.test(kind)) return team ? `member ${member} of team ${team}` : `member ${member}`
  if (team && /team/.test(kind)) return `team ${team}`
  if (/app_specific_token/.test(kind)) {
    const title = text(metadata['app_specific_token_title'])
    if (title) return `token ${title}`
  }
  if (/accesstoken/.test(kind)) {
    const token = text(metadata['token']) ?? text(metadata['code'])
    if (token) return `token ${token}`
  }
  if (/application/.test(kind)) {
    const application = text(metadata['application_name']) ?? text(metadata['client_id'])
    if (application) return `application ${application}`
  }
  if (/service_key/.test(kind)) {
    const key = text(metadata['kid']) ?? text(metadata['name'])
    if (key) return `service key ${key}`
  }
  if (/permission/.test(kind)) {
    const entity = text(metadata['username']) ?? text(metadata['team'])
    const role = text(metadata['role'])
    if (entity) return `${entity}${role ? ` (${role})` : ''}`
  }
  if (/trigger|build/.test(kind)) {
    const trigger = text(metadata['trigger_id']) ?? text(metadata['build_id']) ?? text(metadata['service'])
    if (trigger) return `${/build/.test(kind) ? 'build' : 'trigger'} ${trigger}`
  }
  return null
}

/**
 * Normalises one Quay usage log record. Pure; throws BAD_RESPONSE on a record that fails
 * validation (no kind, an unreadable datetime, fields of the wrong type).
 */
export function normaliseQuayRecord(raw: unknown, context: QuayNormaliseContext = {}): NormalisedEvent {
  const { record, at } = validateQuayRecord(raw, context)
  const kind = oneLineLabel(record.kind)
  const { verb, activity } = classifyQuayKind(kind)
  const metadata = record.metadata ?? {}

  const performer = record.performer ?? null
  let actor: string | null = performer ? text(performer.name) : null
  let actorKind: ActorKind = 'unknown'
  if (actor !== null) actorKind = performer?.is_robot === true ? 'token' : 'user'
  else if (text(metadata['token'])) {
    actor = text(metadata['token'])
    actorKind = 'token'
  } else if (POLICY_KINDS.test(kind)) actorKind = 'policy'
  else if (JOB_KINDS.test(kind)) actorKind = 'job'

  const namespace = text(metadata['namespace']) ?? text(record.namespace?.name) ?? context.namespace ?? context.repository?.split('/')[0] ?? null
  const repoName = text(metadata['repo']) ?? text(metadata['repository'])
  let repository: string | null = null
  // `repo` is the name within the namespace, which may itself hold slashes (extended repository names).
  if (repoName !== null) repository = namespace === null ? repoName : `${namespace}/${repoName}`
  else if (context.repository !== undefined) repository = context.repository
  const tag = text(metadata['tag'])
  const digest = [metadata['manifest_digest'], metadata['digest']].map(text).find((value) => value !== null && DIGEST.test(value)) ?? null
  const target = targetOf(kind, metadata)
  const userAgent = text(metadata['user-agent']) ?? text(metadata['user_agent'])

  const image = repository !== null ? `${repository}${tag !== null ? `:${tag}` : digest !== null ? `@${digest}` : ''}` : null
  const who = actor ?? (actorKind === 'unknown' ? 'anonymous' : actorKind === 'policy' ? 'a policy' : 'a job')
  const label = oneLineLabel([who, kind.replace(/_/g, ' '), image, target].filter((part) => part !== null && part !== '').join(' '))

  return {
    occurred_at: at,
    action: kind,
    verb,
    activity,
    outcome: quayOutcome(kind, verb),
    actor,
    actor_kind: actorKind,
    namespace,
    repository,
    tag,
    digest,
    target,
    client_ip: quayClientIp(record.ip),
    user_agent: userAgent,
    label
  }
}
