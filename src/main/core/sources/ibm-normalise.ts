import type { Activity, ActorKind, NormalisedEvent, Outcome, Verb } from '../../../shared/event'
import { AppError } from '../errors'
import { extractIbmEvent, ibmEventAction, parseIbmEventTime, type IbmEvent, type IbmRecordPlace } from './ibm-event'
import { foldSpace } from './label-text'

/**
 * IBM Cloud Container Registry activity tracking event → normalised event.
 *
 * Decisions where the contract is silent:
 * - Reads (`*.get`, `*.list`, `*.inspect`, `*.read`, `retention.analyze`) are GET; the image's
 *   own reads (inspect, list, manifest, trash list) are activity `other`.
 * - `image.tag` adds a tag to an existing image and `trash.restore` brings an image back: both
 *   CREATE/push (IAM checks them as pushes); `image.untag`, `image.delete`, `image.bulkdelete`
 *   and `namespace.delete` are DELETE/delete; `namespace.create` is CREATE/create-repo.
 * - Signatures: `signature.write` CREATE/sign, `signature.read` GET/sign, `signature.delete`
 *   DELETE/trust-delete.
 * - Vulnerability reports and status reads are GET/scan (reading a scan, not running one);
 *   exemptions and retention policies are `policy`; plan and quota (they cap what the registry
 *   costs) are `billing`; auth (public network access) and settings are `settings`.
 * - Deprecated actions still found in older export files are kept: `image.build` CREATE/push,
 *   `image.rm` DELETE/delete, registry tokens `token`.
 * - The verb says what was attempted; `outcome` says whether it worked (`pending` → unknown).
 *   The HTTP reason code of a failure goes into the label; the raw record keeps all of `reason`.
 * - `target.name` gives the tag (or the digest, for a request by digest); `target.id` (the image by
 *   digest) gives the digest. The registry host stays in the label (the full reference) and raw.
 * - `dataEvent` has no column of its own: the table below records which actions are data events.
 */

export interface IbmActionKind {
  verb: Verb
  activity: Activity
  /** Whether IBM documents it as a data event (`dataEvent: true`). */
  dataEvent: boolean
  /** Deprecated by IBM; still read from old export files. */
  deprecated?: boolean
}

const k = (verb: Verb, activity: Activity, dataEvent = false, deprecated = false): IbmActionKind =>
  deprecated ? { verb, activity, dataEvent, deprecated } : { verb, activity, dataEvent }

/** Every `container-registry.*` action the contract and IBM's event page list, by full name. */
export const IBM_ACTIONS: Readonly<Record<string, IbmActionKind>> = {
  'container-registry.auth.get': k('GET', 'settings'),
  'container-registry.auth.set': k('UPDATE', 'settings'),
  'container-registry.plan.get': k('GET', 'billing'),
  'container-registry.plan.set': k('UPDATE', 'billing'),
  'container-registry.quota.get': k('GET', 'billing'),
  'container-registry.quota.set': k('UPDATE', 'billing'),
  'container-registry.settings.get': k('GET', 'settings'),
  'container-registry.settings.set': k('UPDATE', 'settings'),

  'container-registry.image.inspect': k('GET', 'other'),
  'container-registry.image.list': k('GET', 'other'),
  'container-registry.image.tag': k('CREATE', 'push'),
  'container-registry.image.untag': k('DELETE', 'delete'),
  'container-registry.manifest.inspect': k('GET', 'other'),
  'container-registry.retention.analyze': k('GET', 'policy'),
  'container-registry.retention.list': k('GET', 'policy'),
  'container-registry.retention.set': k('UPDATE', 'policy'),
  'container-registry.trash.list': k('GET', 'other'),
  'container-registry.trash.restore': k('CREATE', 'push'),

  'container-registry.image.bulkdelete': k('DELETE', 'delete', true),
  'container-registry.image.delete': k('DELETE', 'delete', true),
  'container-registry.image.pull': k('GET', 'pull', true),
  'container-registry.image.push': k('CREATE', 'push', true),
  'container-registry.signature.delete': k('DELETE', 'trust-delete', true),
  'container-registry.signature.read': k('GET', 'sign', true),
  'container-registry.signature.write': k('CREATE', 'sign', true),

  'container-registry.namespace.create': k('CREATE', 'create-repo'),
  'container-registry.namespace.delete': k('DELETE', 'delete'),
  'container-registry.namespace.list': k('GET', 'other'),

  'container-registry.account-vulnerability-report.list': k('GET', 'scan'),
  'container-registry.account-vulnerability-status.list': k('GET', 'scan'),
  'container-registry.image-vulnerability-report.read': k('GET', 'scan'),
  'container-registry.image-vulnerability-status.read': k('GET', 'scan'),
  'container-registry.exemption.create': k('CREATE', 'policy'),
  'container-registry.exemption.delete': k('DELETE', 'policy'),

  'container-registry.image.build': k('CREATE', 'push', true, true),
  'container-registry.image.rm': k('DELETE', 'delete', true, true),
  'container-registry.registrytoken.delete': k('DELETE', 'token', false, true),
  'container-registry.registrytoken.get': k('GET', 'token', false, true),
  'container-registry.registrytoken.list': k('GET', 'token', false, true),
  'container-registry.registrytokens.delete': k('DELETE', 'token', false, true)
}

/** The prefix every Container Registry action has. */
export const IBM_ACTION_PREFIX = 'container-registry.'

/** Activity of an undocumented `container-registry.<resource>.<verb>`, by its resource. */
const RESOURCE_ACTIVITY: ReadonlyArray<[pattern: RegExp, activity: Activity]> = [
  [/vulnerabilit/, 'scan'],
  [/^signature/, 'sign'],
  [/^(exemption|retention)/, 'policy'],
  [/^(plan|quota|billing)/, 'billing'],
  [/^(auth|settings)/, 'settings'],
  [/token/, 'token']
]

/** The verb of an undocumented action, from its last word. */
export function guessIbmVerb(action: string): Verb {
  const word = action.toLowerCase().split('.').at(-1) ?? ''
  if (/^(get|list|read|inspect|analyze|analyse|view|show|pull)$/.test(word)) return 'GET'
  if (/^(create|add|push|write|build|tag|import|copy)$/.test(word)) return 'CREATE'
  if (/^(delete|bulkdelete|remove|rm|untag|purge)$/.test(word)) return 'DELETE'
  if (/^scan$/.test(word)) return 'SCAN'
  return 'UPDATE'
}

export function classifyIbmAction(action: string): IbmActionKind {
  // Own keys only: an action named "constructor" must not find Object.prototype's.
  const known = Object.hasOwn(IBM_ACTIONS, action) ? IBM_ACTIONS[action] : undefined
  if (known) return known
  const resource = action.startsWith(IBM_ACTION_PREFIX) ? (action.slice(IBM_ACTION_PREFIX.length).split('.')[0] ?? '') : ''
  const family = resource === '' ? undefined : RESOURCE_ACTIVITY.find(([pattern]) => pattern.test(resource))
  return { verb: guessIbmVerb(action), activity: family ? family[1] : 'other', dataEvent: false }
}

// ------------------------------------------------------------------------------------ objects

/** An image reference split up: `us.icr.io/acme-ns/app:1.2` or `…/app@sha256:…`. */
export interface IbmImageRef {
  host: string | null
  namespace: string
  /** `namespace/name`, null for a reference naming only a namespace. */
  repository: string | null
  tag: string | null
  digest: string | null
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{8,}$/
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/

/**
 * Splits an image reference. The first component is the registry host when it has a dot or a
 * port (or is `localhost`). Null for text that is not a reference (spaces, a CRN, upper case…).
 */
export function parseIbmImageRef(text: string): IbmImageRef | null {
  const value = text.trim()
  if (value === '' || value.startsWith('crn:') || /\s/.test(value)) return null
  let name = value
  let digest: string | null = null
  const at = value.indexOf('@')
  if (at >= 0) {
    name = value.slice(0, at)
    digest = value.slice(at + 1)
    if (!DIGEST.test(digest)) return null
  }
  let tag: string | null = null
  const lastSlash = name.lastIndexOf('/')
  const colon = name.lastIndexOf(':')
  if (colon > lastSlash) {
    tag = name.slice(colon + 1)
    name = name.slice(0, colon)
    if (!TAG.test(tag)) return null
  }
  const parts = name.split('/')
  let host: string | null = null
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) host = parts.shift()!
  if (parts.length === 0 || !parts.every((part) => PATH_COMPONENT.test(part))) return null
  return {
    host,
    namespace: parts[0]!,
    repository: parts.length > 1 ? parts.join('/') : null,
    tag,
    digest
  }
}

/** The namespace a Container Registry CRN names (`crn:v1:…:container-registry:…::namespace:acme`). */
export function namespaceFromCrn(crn: string): string | null {
  const parts = crn.split(':')
  if (parts[0] !== 'crn' || parts.length < 10) return null
  return parts[8] === 'namespace' && parts[9] ? parts[9] : null
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null
}

function object(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/** Actions whose object is an image (its tag, digest and repository fill their columns). */
const IMAGE_RESOURCES = new Set(['image', 'manifest', 'signature', 'trash', 'image-vulnerability-report', 'image-vulnerability-status'])

interface ObjectColumns {
  namespace: string | null
  repository: string | null
  tag: string | null
  digest: string | null
  target: string | null
  /** The object as the label names it. */
  display: string | null
}

function objectColumns(action: string, event: IbmEvent): ObjectColumns {
  const target = object(event['target'])
  const parameters = object(object(event['requestData'])['RequestParameters'])
  const name = text(target['name'])
  const id = text(target['id'])
  const requested = text(parameters['name'])
  const repositoryParam = text(parameters['repository'])
  const resource = action.startsWith(IBM_ACTION_PREFIX) ? (action.slice(IBM_ACTION_PREFIX.length).split('.')[0] ?? '') : ''
  const typeUri = text(target['typeURI']) ?? ''
  const isImage = IMAGE_RESOURCES.has(resource) || typeUri.startsWith('container-registry/image')

  const byName = name ? parseIbmImageRef(name) : null
  const byId = id ? parseIbmImageRef(id) : null
  const byParameter = (requested ? parseIbmImageRef(requested) : null) ?? (repositoryParam ? parseIbmImageRef(repositoryParam) : null)
  // A registry reference, wherever the event carries one; bare words count only for namespaces.
  const hosted = (ref: IbmImageRef | null): IbmImageRef | null => (ref && ref.host !== null ? ref : null)
  const ref = isImage ? (byName ?? byId ?? byParameter) : (hosted(byName) ?? hosted(byId) ?? hosted(byParameter))

  if (ref) {
    const digest = ref.digest ?? (isImage ? (byId?.digest ?? null) : null)
    return {
      namespace: ref.namespace,
      repository: ref.repository ?? byId?.repository ?? null,
      tag: ref.tag,
      digest,
      target: null,
      display: name ?? id ?? requested ?? repositoryParam
    }
  }
  if (resource === 'namespace' || typeUri.startsWith('container-registry/namespace')) {
    const namespace =
      (name && namespaceFromCrn(name)) ??
      (id && namespaceFromCrn(id)) ??
      (name && PATH_COMPONENT.test(name) ? name : null) ??
      (name ? parseIbmImageRef(name)?.namespace ?? null : null)
    if (namespace) return { namespace, repository: null, tag: null, digest: null, target: null, display: namespace }
  }
  const other = name ?? id
  return { namespace: null, repository: null, tag: null, digest: null, target: other, display: other ?? requested ?? repositoryParam }
}

// ------------------------------------------------------------------------------------ initiator

/**
 * Who acted, from `initiator`: compute resources acting through a trusted profile are `job`;
 * service IDs and certificates (automation credentials) `token`; services and IBM itself
 * `system`; users `user` (also with their own API key, as a Docker Hub PAT stays its user's);
 * anonymous access to public images `unknown`.
 */
export function ibmActorKind(initiator: Record<string, unknown>): ActorKind {
  const typeUri = (text(initiator['typeURI']) ?? '').toLowerCase()
  const credential = (text(object(initiator['credential'])['type']) ?? '').toLowerCase()
  const name = text(initiator['name'])
  const id = text(initiator['id'])
  if (name === null && id === null) return 'unknown'
  if (credential === 'public-access') return 'unknown'
  if (credential === 's2s-authorization') return 'system'
  if (credential === 'compute-resource' || credential === 'instance-identity-token') return 'job'
  if (typeUri.endsWith('/serviceid') || credential === 'apikey-serviceid') return 'token'
  if (typeUri.includes('certificateid') || credential === 'certificate' || credential === 'hmac') return 'token'
  if (name === 'IBM' || typeUri === 'service/security/clientid') return 'system'
  if (typeUri !== '' && !typeUri.startsWith('service/security/')) return 'system'
  if (typeUri.endsWith('/user') || credential === 'user' || credential === 'token' || credential === 'apikey') return 'user'
  return 'unknown'
}

function outcomeOf(value: unknown): Outcome {
  const word = typeof value === 'string' ? value.trim().toLowerCase() : ''
  if (word === 'success') return 'success'
  if (word === 'failure') return 'failure'
  return 'unknown'
}

/** The HTTP status IBM records in `reason.reasonCode` (a number; a numeric string is read too). */
export function ibmReasonCode(event: IbmEvent): number | null {
  const code = object(event['reason'])['reasonCode']
  const value = typeof code === 'string' && /^\d{3}$/.test(code.trim()) ? Number(code) : code
  return typeof value === 'number' && Number.isInteger(value) ? value : null
}

function labelFor(
  event: IbmEvent,
  action: string,
  actor: string | null,
  display: string | null,
  outcome: Outcome
): string {
  const message = text(event['message'])
  // `message` is "<service>: <description>"; the service name repeats what the account says.
  const description = message ? foldSpace(message.replace(/^[^:]{1,80}:\s+/, '')) : ''
  const what = description !== '' ? description : `${action}${display ? ` ${foldSpace(display)}` : ''}`
  let label = actor ? `${foldSpace(actor)} ${what}` : what
  const code = ibmReasonCode(event)
  if (outcome === 'failure' || (code !== null && code >= 400)) {
    const reason = object(event['reason'])
    const why = text(reason['reasonForFailure']) ?? text(reason['reasonType'])
    const parts = [code !== null ? `HTTP ${code}` : null, why ? foldSpace(why) : null].filter(Boolean)
    label += ` (${outcome === 'failure' ? 'failed' : outcome}${parts.length > 0 ? `: ${parts.join(', ')}` : ''})`
  }
  return label.trim()
}

/**
 * Normalises one record (an event, an export line or a saved Cloud Logs result). Pure; throws
 * BAD_RESPONSE when the record holds no event, no action or no readable eventTime, or when a
 * documented field has the wrong type.
 */
export function normaliseIbmRecord(raw: unknown, place: IbmRecordPlace = {}): NormalisedEvent {
  const event = extractIbmEvent(raw, place)
  const action = ibmEventAction(event, place)
  const occurredAt = parseIbmEventTime(event['eventTime'], place)
  for (const field of ['initiator', 'target', 'reason'] as const) {
    const value = event[field]
    if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      throw new AppError('BAD_RESPONSE', `${place.account ? `${place.account}: ` : ''}${place.where ? `${place.where}: ` : ''}${field} is not an object`, {
        account: place.account
      })
    }
  }
  const { verb, activity } = classifyIbmAction(action)
  const outcome = outcomeOf(event['outcome'])
  const initiator = object(event['initiator'])
  const host = object(initiator['host'])
  const actor = text(initiator['name']) ?? text(initiator['id'])
  const columns = objectColumns(action, event)
  return {
    occurred_at: occurredAt,
    action,
    verb,
    activity,
    outcome,
    actor,
    actor_kind: ibmActorKind(initiator),
    namespace: columns.namespace,
    repository: columns.repository,
    tag: columns.tag,
    digest: columns.digest,
    target: columns.target,
    client_ip: text(host['address']),
    user_agent: text(host['agent']),
    label: labelFor(event, action, actor, columns.display, outcome)
  }
}
