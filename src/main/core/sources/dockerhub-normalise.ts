import type { Activity, ActorKind, NormalisedEvent, Verb } from '../../../shared/event'
import { validateRecord, type DockerHubRecord, type RecordPlace } from './dockerhub-page'
import { foldSpace } from './label-text'

/**
 * Docker Hub audit record → normalised event. The action table covers every action in the
 * contract's taxonomy (both spec versions); anything else is kept as it is, with activity `other`
 * (or its family's activity, for the families below) and a verb guessed from its last word.
 *
 * Decisions where the contract is silent:
 * - `org.member.invite.send` and the older `org.team.member.invite` are SEND (an invitation sent).
 * - Registry Access Management, secure policies, custom roles and enterprise setting policies are
 *   `policy`; organisation settings, domains and OIDC connections are `settings`; SSO connections
 *   (SCIM token refresh included) are `sso`; every billing action is UPDATE/billing.
 * - `org.create` and Docker Offload leases are `other` (start CREATE, end DELETE).
 * - Unknown verbs: create/add/push/start/enable → CREATE, delete/remove/end/disable → DELETE,
 *   send/invite → SEND, anything else UPDATE (an audit entry records a change).
 */

interface ActionKind {
  verb: Verb
  activity: Activity
}

const k = (verb: Verb, activity: Activity): ActionKind => ({ verb, activity })

/** Every action named in sources/1-dockerhub.md, newer and older spec. */
export const DOCKERHUB_ACTIONS: Readonly<Record<string, ActionKind>> = {
  'repo.create': k('CREATE', 'create-repo'),
  'repo.update': k('UPDATE', 'settings'),
  'repo.delete': k('DELETE', 'delete'),
  'repo.change_privacy': k('UPDATE', 'settings'),
  'repo.category.updated': k('UPDATE', 'settings'),
  'repo.immutable.tags.updated': k('UPDATE', 'settings'),
  'repo.tag.push': k('CREATE', 'push'),
  'repo.tag.delete': k('DELETE', 'delete'),

  'org.create': k('CREATE', 'other'),
  'org.member.add': k('CREATE', 'member'),
  'org.member.remove': k('DELETE', 'member'),
  'org.member.removed': k('DELETE', 'member'),
  'org.member.role.change': k('UPDATE', 'member'),
  'org.member.invite.send': k('SEND', 'member'),
  'org.team.create': k('CREATE', 'team'),
  'org.team.update': k('UPDATE', 'team'),
  'org.team.delete': k('DELETE', 'team'),
  'org.team.member.add': k('CREATE', 'team'),
  'org.team.member.remove': k('DELETE', 'team'),
  'org.team.member.invite': k('SEND', 'team'),
  'org.domain.create': k('CREATE', 'settings'),
  'org.domain.verify': k('UPDATE', 'settings'),
  'org.domain.delete': k('DELETE', 'settings'),
  'org.domain.auto-provisioning.toggle': k('UPDATE', 'settings'),
  'org.settings.update': k('UPDATE', 'settings'),
  'org.registry_access.enabled': k('UPDATE', 'policy'),
  'org.registry_access.disabled': k('UPDATE', 'policy'),
  'org.registry_access.registry_added': k('CREATE', 'policy'),
  'org.registry_access.registry_updated': k('UPDATE', 'policy'),
  'org.registry_access.registry_removed': k('DELETE', 'policy'),
  'org.access_token.create': k('CREATE', 'token'),
  'org.access_token.update': k('UPDATE', 'token'),
  'org.access_token.delete': k('DELETE', 'token'),
  'org.customrole.create': k('CREATE', 'policy'),
  'org.customrole.update': k('UPDATE', 'policy'),
  'org.customrole.delete': k('DELETE', 'policy'),
  'org.securepolicyconfigure.create': k('CREATE', 'policy'),
  'org.securepolicyconfigure.update': k('UPDATE', 'policy'),
  'org.securepolicyconfigure.delete': k('DELETE', 'policy'),
  'org.securepolicyclient.create': k('CREATE', 'policy'),
  'org.securepolicyclient.update': k('UPDATE', 'policy'),
  'org.securepolicyclient.delete': k('DELETE', 'policy'),
  'org.securepolicyprofile.create': k('CREATE', 'policy'),
  'org.securepolicyprofile.update': k('UPDATE', 'policy'),
  'org.securepolicyprofile.delete': k('DELETE', 'policy'),

  'billing.plan.upgrade': k('UPDATE', 'billing'),
  'billing.plan.downgrade': k('UPDATE', 'billing'),
  'billing.plan.seat_add': k('UPDATE', 'billing'),
  'billing.plan.seat_remove': k('UPDATE', 'billing'),
  'billing.plan.cycle_change': k('UPDATE', 'billing'),
  'billing.plan.downgrade_cancel': k('UPDATE', 'billing'),
  'billing.plan.seat_removal_cancel': k('UPDATE', 'billing'),
  'billing.plan.upgrade.request': k('UPDATE', 'billing'),
  'billing.plan.downgrade.request': k('UPDATE', 'billing'),
  'billing.plan.seat_add.request': k('UPDATE', 'billing'),
  'billing.plan.seat_removal.request': k('UPDATE', 'billing'),
  'billing.plan.cycle_change.request': k('UPDATE', 'billing'),
  'billing.plan.downgrade_cancel.request': k('UPDATE', 'billing'),
  'billing.plan.seat_removal_cancel.request': k('UPDATE', 'billing'),
  'billing.plan.product_change': k('UPDATE', 'billing'),

  'enterprise.setting.policy.create': k('CREATE', 'policy'),
  'enterprise.setting.policy.update': k('UPDATE', 'policy'),
  'enterprise.setting.policy.delete': k('DELETE', 'policy'),
  'enterprise.setting.policy.transfer': k('UPDATE', 'policy'),
  'enterprise.sso.connection.create': k('CREATE', 'sso'),
  'enterprise.sso.connection.update': k('UPDATE', 'sso'),
  'enterprise.sso.connection.delete': k('DELETE', 'sso'),
  'enterprise.sso.connection.enforcement_toggle': k('UPDATE', 'sso'),
  'enterprise.sso.connection.scim_toggle': k('UPDATE', 'sso'),
  'enterprise.sso.connection.scim_token_refresh': k('UPDATE', 'sso'),
  'enterprise.sso.connection.connection_type_change': k('UPDATE', 'sso'),
  'enterprise.sso.connection.jit_toggle': k('UPDATE', 'sso'),

  'offload.lease.start': k('CREATE', 'other'),
  'offload.lease.end': k('DELETE', 'other'),

  'oidc.connection.create': k('CREATE', 'settings'),
  'oidc.connection.update': k('UPDATE', 'settings'),
  'oidc.connection.delete': k('DELETE', 'settings')
}

/** Activity of an action not in the table, by its family; `other` when the family is unknown. */
const FAMILIES: ReadonlyArray<[prefix: string, activity: Activity]> = [
  ['org.team.', 'team'],
  ['org.member.', 'member'],
  ['org.access_token.', 'token'],
  ['org.registry_access.', 'policy'],
  ['org.securepolicy', 'policy'],
  ['org.customrole.', 'policy'],
  ['enterprise.setting.policy.', 'policy'],
  ['enterprise.sso.', 'sso'],
  ['billing.', 'billing']
]

/** Guesses the verb of an unknown action from its words, last word first. */
export function guessVerb(action: string): Verb {
  const words = action.toLowerCase().split(/[._-]/).reverse()
  for (const word of words) {
    if (/^(create|created|add|added|push|pushed|start|started|enable|enabled)$/.test(word)) return 'CREATE'
    if (/^(delete|deleted|remove|removed|end|ended|disable|disabled|revoke|revoked)$/.test(word)) return 'DELETE'
    if (/^(send|sent|invite|invited)$/.test(word)) return 'SEND'
    if (/^(update|updated|change|changed|toggle|edit|edited|rename|renamed)$/.test(word)) return 'UPDATE'
  }
  return 'UPDATE'
}

export function classifyAction(action: string): ActionKind {
  // Own keys only: an action named "constructor" or "hasOwnProperty" must not find Object.prototype's.
  const known = Object.hasOwn(DOCKERHUB_ACTIONS, action) ? DOCKERHUB_ACTIONS[action] : undefined
  if (known) return known
  const family = FAMILIES.find(([prefix]) => action.startsWith(prefix))
  return { verb: guessVerb(action), activity: family ? family[1] : 'other' }
}

/**
 * Actor kind. Per the activity-logs manual the actor of a repository event may be the label of a
 * personal or organisation access token instead of a username. Docker IDs are letters, digits and
 * a few separators, so only an actor that cannot be an ID is called a token: one carrying
 * whitespace or other characters, a `<…>` placeholder, or a `dckr_pat_`/`dckr_oat_` prefix. A token
 * label that looks like a username stays `user` (the conservative side).
 */
export function actorKind(actor: string | null): ActorKind {
  if (actor === null || actor === '') return 'unknown'
  if (/^dckr_(pat|oat)_/i.test(actor) || /^<.*>$/.test(actor)) return 'token'
  if (/^[A-Za-z0-9][A-Za-z0-9._@+-]*$/.test(actor)) return 'user'
  return 'token'
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

function labelFor(record: DockerHubRecord, action: string, actor: string | null, repository: string | null, tag: string | null): string {
  const description = text(record.action_description)
  const what = description
    ? foldSpace(description)
    : `${action}${repository ? ` ${repository}${tag ? `:${tag}` : ''}` : text(record.name) ? ` ${text(record.name)}` : ''}`
  return actor ? `${actor} ${what}` : what
}

/**
 * Normalises one raw Docker Hub record. Pure; throws BAD_RESPONSE on a record that fails
 * validation (missing or unreadable timestamp, fields of the wrong type).
 */
export function normaliseDockerHubRecord(raw: unknown, place: RecordPlace = {}): NormalisedEvent {
  const { record, at } = validateRecord(raw, place)
  const action = text(record.action) ?? 'unknown'
  const { verb, activity } = classifyAction(action)
  const actor = text(record.actor)
  const name = text(record.name)
  const account = text(record.account)
  const data = record.data ?? {}
  const tag = text(data['tag'])
  const digest = text(data['digest'])

  let namespace: string | null = account
  let repository: string | null = null
  let target: string | null = null
  if (action.startsWith('repo.')) {
    if (name) {
      const slash = name.indexOf('/')
      if (slash > 0) {
        namespace = name.slice(0, slash)
        repository = name
      } else {
        repository = account ? `${account}/${name}` : name
      }
    }
  } else {
    target = name
  }

  return {
    occurred_at: at,
    action,
    verb,
    activity,
    outcome: 'success',
    actor,
    actor_kind: actorKind(actor),
    namespace,
    repository,
    tag,
    digest,
    target,
    client_ip: null,
    user_agent: null,
    label: labelFor(record, action, actor, repository, tag)
  }
}
