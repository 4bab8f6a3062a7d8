import type { Activity, NormalisedEvent, Verb } from '../../src/shared/event'
import { backoffDelayMs, DEFAULT_RETRY_POLICY } from '../../src/main/core/net/retry'
import { makeQuayLog, QUAY_CONTRACT_KINDS, QUAY_SIM_ORG, toWireLog, type QuaySimLog } from '../sim/quay-events'
import { seededRandom } from '../sim/sim-faults'
import { describeConnectorBehaviour, type BehaviourHarness, type DocumentedRecord } from './connector-behaviour'
import { QUAY_RIG_START, startQuayRig, type QuayRig } from './quay-rig'

/**
 * The shared behaviour suite for the quay connector's organisation stream, against the Quay
 * simulator (OAuth bearer, day windows, next_page tokens, problem+json errors, nginx 429s).
 */

/**
 * What every contract kind must normalise to, written here from sources/6-quay.md and the
 * decisions in quay-normalise.ts's header, independently of the connector's table.
 */
const EXPECTED_KINDS = `
user_create CREATE other | user_delete DELETE other | user_disable UPDATE settings | user_enable UPDATE settings
user_change_email UPDATE settings | user_change_password UPDATE settings | user_change_name UPDATE settings
user_change_invoicing UPDATE billing | user_change_tag_expiration UPDATE settings | user_change_metadata UPDATE settings
user_generate_client_key CREATE token | account_change_plan UPDATE billing | account_change_cc UPDATE billing
account_change_password UPDATE settings | account_convert UPDATE settings | login_success CREATE other | login_failure FAIL other
logout_success DELETE other | create_app_specific_token CREATE token | revoke_app_specific_token DELETE token
oauth_token_assigned CREATE token | oauth_token_revoked DELETE token | create_oauth_api_token CREATE token | revoke_oauth_api_token DELETE token
create_robot CREATE token | delete_robot DELETE token | regenerate_robot_token UPDATE token | create_robot_federation CREATE token
delete_robot_federation DELETE token | federated_robot_token_exchange CREATE token
create_repo CREATE create-repo | delete_repo DELETE delete | push_repo CREATE push | push_repo_failed FAIL push | pull_repo GET pull
pull_repo_failed FAIL pull | create_tag CREATE push | move_tag UPDATE push | delete_tag DELETE delete | delete_tag_failed FAIL delete
revert_tag UPDATE push | permanently_delete_tag DELETE delete | autoprune_tag_delete DELETE delete | change_tag_expiration UPDATE settings
change_tag_immutability UPDATE settings | tag_made_immutable_by_policy UPDATE policy | tags_made_immutable_by_policy UPDATE policy
manifest_label_add CREATE other | manifest_label_delete DELETE other | repo_verb GET pull | set_repo_description UPDATE settings
change_repo_state UPDATE settings | change_repo_visibility UPDATE settings | change_repo_trust UPDATE settings
add_repo_permission CREATE policy | change_repo_permission UPDATE policy | delete_repo_permission DELETE policy
add_repo_accesstoken CREATE token | delete_repo_accesstoken DELETE token | take_ownership UPDATE settings
build_dockerfile CREATE other | setup_repo_trigger CREATE other | delete_repo_trigger DELETE other | toggle_repo_trigger UPDATE other
start_build_trigger CREATE other | cancel_build DELETE other
add_repo_webhook CREATE settings | delete_repo_webhook DELETE settings | add_repo_notification CREATE settings
delete_repo_notification DELETE settings | reset_repo_notification UPDATE settings | create_namespace_notification CREATE settings
delete_namespace_notification DELETE settings | reset_namespace_notification UPDATE settings
org_create CREATE other | org_delete DELETE other | org_create_team CREATE team | org_delete_team DELETE team
org_invite_team_member SEND member | org_delete_team_member_invite DELETE member | org_add_team_member CREATE member
org_team_member_invite_accepted CREATE member | org_team_member_invite_declined DELETE member | org_remove_team_member DELETE member
org_set_team_description UPDATE team | org_set_team_role UPDATE team | org_change_email UPDATE settings
org_change_invoicing UPDATE billing | org_change_tag_expiration UPDATE settings | org_change_name UPDATE settings
enable_team_sync UPDATE sso | disable_team_sync UPDATE sso | create_prototype_permission CREATE policy
modify_prototype_permission UPDATE policy | delete_prototype_permission DELETE policy | create_application CREATE token
update_application UPDATE token | delete_application DELETE token | reset_application_client_secret UPDATE token
org_create_quota CREATE settings | org_change_quota UPDATE settings | org_delete_quota DELETE settings
org_create_quota_limit CREATE settings | org_change_quota_limit UPDATE settings | org_delete_quota_limit DELETE settings
create_proxy_cache_config CREATE settings | delete_proxy_cache_config DELETE settings | create_immutability_policy CREATE policy
update_immutability_policy UPDATE policy | delete_immutability_policy DELETE policy | create_namespace_autoprune_policy CREATE policy
update_namespace_autoprune_policy UPDATE policy | delete_namespace_autoprune_policy DELETE policy
create_repository_autoprune_policy CREATE policy | update_repository_autoprune_policy UPDATE policy
delete_repository_autoprune_policy DELETE policy
repo_mirror_enabled UPDATE mirror | repo_mirror_disabled UPDATE mirror | repo_mirror_config_changed UPDATE mirror
repo_mirror_sync_started CREATE mirror | repo_mirror_sync_failed FAIL mirror | repo_mirror_sync_success UPDATE mirror
repo_mirror_sync_now_requested UPDATE mirror | repo_mirror_sync_tag_success UPDATE mirror | repo_mirror_sync_tag_failed FAIL mirror
repo_mirror_sync_test_success GET mirror | repo_mirror_sync_test_failed FAIL mirror | repo_mirror_sync_test_started GET mirror
org_mirror_enabled UPDATE mirror | org_mirror_disabled UPDATE mirror | org_mirror_config_changed UPDATE mirror
org_mirror_sync_started CREATE mirror | org_mirror_sync_failed FAIL mirror | org_mirror_sync_success UPDATE mirror
org_mirror_sync_now_requested UPDATE mirror | org_mirror_sync_cancelled DELETE mirror | org_mirror_repo_created CREATE create-repo
service_key_create CREATE token | service_key_approve UPDATE token | service_key_delete DELETE token | service_key_modify UPDATE token
service_key_extend UPDATE token | service_key_rotate UPDATE token | export_logs_success GET other | export_logs_failure FAIL other
`

export function expectedKinds(): Map<string, { verb: Verb; activity: Activity }> {
  const table = new Map<string, { verb: Verb; activity: Activity }>()
  for (const entry of EXPECTED_KINDS.split(/[|\n]/).map((part) => part.trim()).filter((part) => part !== '')) {
    const [kind, verb, activity] = entry.split(/\s+/)
    table.set(kind!, { verb: verb as Verb, activity: activity as Activity })
  }
  return table
}

const FAILURE = /(failed|failure)$/

function expectedFor(log: QuaySimLog): Partial<NormalisedEvent> {
  const { verb, activity } = expectedKinds().get(log.kind)!
  const metadata = log.metadata
  const text = (key: string): string | null => (typeof metadata[key] === 'string' ? (metadata[key] as string) : null)
  let actorKind: NormalisedEvent['actor_kind'] = 'unknown'
  if (log.performer) actorKind = log.performer.robot ? 'token' : 'user'
  else if (/autoprune|immutable_by_policy/.test(log.kind)) actorKind = 'policy'
  else if (/mirror|build|export_logs/.test(log.kind)) actorKind = 'job'
  return {
    occurred_at: log.at,
    verb,
    activity,
    outcome: FAILURE.test(log.kind) ? 'failure' : 'success',
    actor: log.performer?.name ?? null,
    actor_kind: actorKind,
    namespace: QUAY_SIM_ORG,
    repository: log.repository === null ? null : `${QUAY_SIM_ORG}/${log.repository}`,
    tag: text('tag'),
    digest: text('manifest_digest') ?? text('digest'),
    client_ip: log.ip,
    user_agent: text('user-agent')
  }
}

function documentedQuayLogs(): DocumentedRecord[] {
  const random = seededRandom(5)
  return QUAY_CONTRACT_KINDS.map((kind, index) => {
    const log = makeQuayLog(random, kind, QUAY_RIG_START - 3_600_000 - index * 1000)
    return { action: kind, raw: toWireLog(log, (name) => `${name}@acme.example`), expect: expectedFor(log) }
  })
}

const GOOD_LOG = {
  kind: 'push_repo',
  metadata: { repo: 'app', namespace: 'acme', tag: 'latest' },
  ip: '192.0.2.1',
  datetime: 'Tue, 18 Jun 2024 18:59:13 -0000',
  performer: { kind: 'user', name: 'alice', is_robot: false, avatar: { name: 'alice', hash: 'ab', color: '#17becf', kind: 'user' } }
}

export function orgHarness(rig: QuayRig): BehaviourHarness {
  const logs = { route: 'logs' as const }
  return {
    connector: rig.connector,
    stream: 'org:acme',
    sourceCount: () => rig.sim.visible({ namespace: QUAY_SIM_ORG }).length,
    secrets: rig.secrets,
    sleeps: rig.sleeps,
    signIns: () => rig.sim.signIns,
    expireTokenOnce: () => rig.sim.inject({ kind: 'unauthorized' }, logs),
    rejectEveryToken: () => rig.sim.inject({ kind: 'unauthorized' }, { ...logs, times: Number.POSITIVE_INFINITY }),
    rateLimitVariants: ['retry-after', 'retry-after-date', 'none'],
    rateLimitOnce: (variant, seconds) => {
      rig.sim.inject({ kind: 'rate-limit', header: variant as 'retry-after' | 'retry-after-date' | 'none', seconds }, logs)
      if (variant !== 'none') return seconds * 1000
      // nginx says nothing about when to come back: the policy's own rate-limit backoff.
      return Math.max(1000, backoffDelayMs(1, { ...DEFAULT_RETRY_POLICY, baseDelayMs: 5000, maxDelayMs: 60_000 }, () => 0.5))
    },
    serverErrors: (times) => rig.sim.inject({ kind: 'server-error', status: 502, body: 'html' }, { ...logs, times }),
    malformedKinds: [
      'html',
      'truncated-json',
      'logs-missing',
      'logs-not-array',
      'record-not-object',
      'kind-missing',
      'datetime-unreadable',
      'metadata-wrong-type',
      'performer-wrong-type',
      'next-page-wrong-type',
      'other-window',
      'search-unavailable'
    ],
    malformedOnce: (kind) => {
      const inject = (body: unknown): void => rig.sim.inject({ kind: 'json', body }, logs)
      if (kind === 'html') rig.sim.inject({ kind: 'html', status: 200 }, logs)
      else if (kind === 'truncated-json') rig.sim.inject({ kind: 'truncated-json' }, logs)
      else if (kind === 'logs-missing') inject({ start_time: null, entries: [GOOD_LOG] })
      else if (kind === 'logs-not-array') inject({ logs: { 0: GOOD_LOG } })
      else if (kind === 'record-not-object') inject({ logs: [GOOD_LOG, 'push_repo'] })
      else if (kind === 'kind-missing') inject({ logs: [{ ...GOOD_LOG, kind: undefined }] })
      else if (kind === 'datetime-unreadable') inject({ logs: [{ ...GOOD_LOG, datetime: '06/18/2024' }] })
      else if (kind === 'metadata-wrong-type') inject({ logs: [{ ...GOOD_LOG, metadata: 'repo=app' }] })
      else if (kind === 'performer-wrong-type') inject({ logs: [{ ...GOOD_LOG, performer: 'alice' }] })
      else if (kind === 'next-page-wrong-type') inject({ logs: [GOOD_LOG], next_page: 2 })
      else if (kind === 'other-window') {
        // The answer to an unreadable starttime: the server's default window instead of the day.
        inject({ start_time: 'Sun, 01 Jun 2025 12:00:00 -0000', end_time: 'Tue, 03 Jun 2025 12:00:00 -0000', logs: [] })
      } else inject({ start_time: 'Sun, 01 Jun 2025 00:00:00 -0000', end_time: 'Mon, 02 Jun 2025 00:00:00 -0000', logs: [], search_unavailable: true, message: 'Search is not configured' })
    },
    documented: documentedQuayLogs(),
    close: rig.close
  }
}

describeConnectorBehaviour('quay organisation logs', async ({ events, seed }) => orgHarness(await startQuayRig({ sim: { logs: events, seed } })))

describeConnectorBehaviour('quay organisation logs (database backend)', async ({ events, seed }) =>
  orgHarness(await startQuayRig({ sim: { logs: events, seed, backend: 'database' } }))
)
