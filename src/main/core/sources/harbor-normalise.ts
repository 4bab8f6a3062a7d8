import type { Activity, ActorKind, NormalisedEvent, Outcome, Verb } from '../../../shared/event'
import { AppError } from '../errors'
import { parseTimestamp } from './dockerhub-page'
import { oneLineLabel } from './label-text'

/**
 * Harbor audit record → normalised event (sources/5-harbor.md). Pure, so the file import reads
 * Harbor export files with it too. Both record shapes are read:
 * - `AuditLogExt` (`/auditlog-exts`, Harbor 2.13+): `id`, `username`, `resource`, `resource_type`,
 *   `operation`, `operation_description`, `operation_result`, `op_time`;
 * - `AuditLog` (`/audit-logs`, every 2.x; after 2.13 only the history from before the upgrade):
 *   the same without `operation_description` and `operation_result`.
 *
 * `action` is Harbor's own event-type name, `<operation>_<resource_type>` (`create_artifact`,
 * `login_user`), the vocabulary of `/auditlog-exts/events` and of the purge job. Operation and
 * resource type are open vocabularies (the API middleware records any POST/PUT/DELETE it has a
 * resolver for), so unknown ones are normalised by their words rather than refused.
 *
 * Decisions where the contract is silent:
 * - Pushes are `create_artifact` (and `create_tag` for a tag added later): CREATE/push; a push by
 *   Harbor's own services (`harbor-jobservice` replicating, the proxy cache filling itself) is
 *   `mirror`, with actor kind `job`.
 * - A project is Harbor's namespace of repositories and Harbor logs no repository creation (a
 *   repository appears with its first push), so `create_project` is `create-repo`;
 *   `update_project` (its settings and metadata) is `settings`; deleting a project, repository,
 *   artifact or tag is `delete`.
 * - Users and project members are `member`; logins and logouts are CREATE/DELETE `other` (a
 *   session begins or ends); robot accounts are `token`; configuration is `settings`.
 * - Robot accounts (`robot$…`, Harbor's default prefix) are actor kind `token`; `anonymous` (a
 *   pull of a public image without credentials) is `unknown`.
 * - `namespace` is the Harbor project: a repository's first segment, a project event's resource,
 *   a member event's "in project X", a project robot's `<project>+<name>`.
 * - `operation_result` false is outcome failure and the label says "(failed)". A legacy record
 *   has no result: Harbor wrote it only after the operation succeeded, so it is a success.
 * - The label is Harbor's `operation_description`; a legacy record gets one in the same style
 *   ("push artifact: library/nginx:1.27").
 * - `client_ip` comes from `source_ip` when a record carries it (the column exists but the API
 *   does not expose it so far).
 */

interface HarborFields {
  operation: string
  resourceType: string
  resource: string
  username: string
  description: string | null
  result: boolean | null
  sourceIp: string | null
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/
const DIGEST_IN_TEXT = /@([a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,})/
/** Accounts Harbor's own services act as (secret and proxy-cache security contexts). */
const SERVICE_ACTORS = new Set(['harbor-jobservice', 'harbor-core', 'harbor#proxy-cache-service'])
const IMAGE_TYPES = new Set(['artifact', 'tag', 'image', 'manifest'])

/** Operation word → verb; words not listed are guessed in `verbOf`. */
const OPERATION_VERBS: Readonly<Record<string, Verb>> = {
  create: 'CREATE',
  push: 'CREATE',
  add: 'CREATE',
  login: 'CREATE',
  pull: 'GET',
  get: 'GET',
  read: 'GET',
  list: 'GET',
  update: 'UPDATE',
  delete: 'DELETE',
  remove: 'DELETE',
  logout: 'DELETE',
  scan: 'SCAN'
}

/** Resource-type words → activity for types outside the fixed table below; first match wins. */
const TYPE_ACTIVITIES: ReadonlyArray<[RegExp, Activity]> = [
  [/scanner/, 'settings'],
  [/scan|vulnerab|sbom/, 'scan'],
  [/replication.*(polic|rule)|(polic|rule).*replication/, 'policy'],
  [/replication|mirror|proxy/, 'mirror'],
  [/retention|immutab|preheat|p2p|webhook|notification_polic|polic|rule|signature|cosign|notation/, 'policy'],
  [/robot|token|secret/, 'token'],
  [/member|user|group/, 'member'],
  [/config|setting|label|quota|registry|ldap|oidc|metadata|gc|purge|schedule|system/, 'settings']
]

export function normaliseHarborRecord(raw: unknown, context: { account?: string } = {}): NormalisedEvent {
  const bad = (text: string): AppError =>
    new AppError('BAD_RESPONSE', `${context.account ? `${context.account}: ` : ''}a Harbor audit record ${text}`, {
      account: context.account
    })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('is not an object')
  const record = raw as Record<string, unknown>
  const opTime = record['op_time']
  const occurredAt = typeof opTime === 'string' ? parseHarborTime(opTime) : undefined
  if (occurredAt === undefined) throw bad('has no readable op_time')
  const fields = readFields(record, bad)

  const operation = words(fields.operation)
  const type = words(fields.resourceType)
  const actor = fields.username === '' ? null : oneLineLabel(fields.username)
  const actorKind = actorKindOf(actor)
  const verb = verbOf(operation)
  const activity = activityOf(operation, type, verb, actorKind)
  const outcome: Outcome = fields.result === false ? 'failure' : fields.result === true || fields.description === null ? 'success' : 'unknown'

  let repository: string | null = null
  let tag: string | null = null
  let digest: string | null = null
  let namespace: string | null = null
  let target: string | null = null
  const resource = fields.resource.trim()
  if (IMAGE_TYPES.has(type) || type === 'repository') {
    const reference = splitReference(resource, type === 'repository')
    repository = reference.repository
    tag = reference.tag
    digest = reference.digest
  } else if (type === 'project') {
    namespace = resource === '' ? null : resource
    target = resource === '' ? 'project' : oneLineLabel(`project ${resource}`)
  } else {
    target = oneLineLabel(resource === '' || resource === fields.resourceType ? fields.resourceType || 'unknown' : `${fields.resourceType} ${resource}`)
  }
  // The ext description of a push or pull names the digest even when the resource names the tag.
  if (digest === null && IMAGE_TYPES.has(type) && fields.description !== null) {
    digest = DIGEST_IN_TEXT.exec(fields.description)?.[1] ?? null
  }
  if (repository !== null && repository.includes('/')) namespace = repository.slice(0, repository.indexOf('/'))
  if (namespace === null && type === 'member' && fields.description !== null) {
    namespace = /\b(?:in|from) project (\S+)\s*$/.exec(fields.description)?.[1] ?? null
  }
  // A project's robot account is named `<project>+<name>`.
  if (namespace === null && type === 'robot' && /^[^+\s]+\+/.test(resource)) namespace = resource.slice(0, resource.indexOf('+'))

  const action = [fields.operation, fields.resourceType]
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '')
    .join('_')
  const description = fields.description?.trim() || legacyDescription(operation, fields.resourceType.trim(), resource)
  const label = oneLineLabel(`${description}${outcome === 'failure' ? ' (failed)' : ''}`)

  return {
    occurred_at: occurredAt,
    action: oneLineLabel(action) || 'unknown',
    verb,
    activity,
    outcome,
    actor,
    actor_kind: actorKind,
    namespace,
    repository,
    tag,
    digest,
    target,
    client_ip: fields.sourceIp,
    user_agent: null,
    label: label || 'audit event'
  }
}

function readFields(record: Record<string, unknown>, bad: (text: string) => AppError): HarborFields {
  const text = (key: string): string => {
    const value = record[key]
    if (value === undefined || value === null) return ''
    if (typeof value !== 'string') throw bad(`has a ${key} that is not a string`)
    return value
  }
  const description = record['operation_description']
  if (description !== undefined && description !== null && typeof description !== 'string') {
    throw bad('has an operation_description that is not a string')
  }
  const result = record['operation_result']
  if (result !== undefined && result !== null && typeof result !== 'boolean') throw bad('has an operation_result that is not true or false')
  const ip = record['source_ip']
  return {
    operation: text('operation'),
    resourceType: text('resource_type'),
    resource: text('resource'),
    username: text('username').trim(),
    description: typeof description === 'string' ? description : null,
    result: typeof result === 'boolean' ? result : null,
    sourceIp: typeof ip === 'string' && ip.trim() !== '' ? oneLineLabel(ip.trim()) : null
  }
}

/**
 * `op_time` → ms. RFC 3339 (go-openapi's `strfmt.DateTime`, Harbor 2.1+), Go's `time.String()`
 * form (`2020-04-09 02:36:00.123 +0000 UTC`, Harbor 2.0's legacy endpoint), and a time without a
 * zone, which Harbor stores as UTC.
 */
export function parseHarborTime(value: string): number | undefined {
  const text = value.trim()
  const goString = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-]\d{2}):?(\d{2})(?: [A-Za-z]+)?$/.exec(text)
  if (goString) return parseTimestamp(`${goString[1]}T${goString[2]}${goString[3]}:${goString[4]}`)
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text)) return parseTimestamp(`${text}Z`)
  return parseTimestamp(text)
}

/** `library/nginx:1.27`, `library/nginx@sha256:…`, or a repository `library/team/app`. */
export function splitReference(
  resource: string,
  isRepository = false
): { repository: string | null; tag: string | null; digest: string | null } {
  if (resource === '') return { repository: null, tag: null, digest: null }
  const at = resource.indexOf('@')
  if (at > 0) {
    const candidate = resource.slice(at + 1)
    return { repository: resource.slice(0, at), tag: null, digest: DIGEST.test(candidate) ? candidate : null }
  }
  if (isRepository) return { repository: resource, tag: null, digest: null }
  const slash = resource.lastIndexOf('/')
  const colon = resource.lastIndexOf(':')
  if (colon > slash && colon > 0) return { repository: resource.slice(0, colon), tag: resource.slice(colon + 1) || null, digest: null }
  return { repository: resource, tag: null, digest: null }
}

/** `Create`, `tag-retention`, `Robot Account` → `create`, `tag_retention`, `robot_account`. */
function words(text: string): string {
  return text
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[\s_.:-]+/)
    .filter((word) => word !== '')
    .join('_')
}

function verbOf(operation: string): Verb {
  // Own keys only: an operation named "constructor" must not find Object.prototype's.
  const known = Object.hasOwn(OPERATION_VERBS, operation) ? OPERATION_VERBS[operation] : undefined
  if (known) return known
  if (/^(create|add|push|start|enable|import|copy)/.test(operation)) return 'CREATE'
  if (/^(delete|remove|stop|disable|revoke|purge)/.test(operation)) return 'DELETE'
  if (/^(pull|get|read|list|download|export)/.test(operation)) return 'GET'
  if (/scan/.test(operation)) return 'SCAN'
  return 'UPDATE'
}

function actorKindOf(actor: string | null): ActorKind {
  if (actor === null || actor.toLowerCase() === 'anonymous') return 'unknown'
  if (actor.startsWith('robot$')) return 'token'
  if (SERVICE_ACTORS.has(actor) || actor.startsWith('harbor#')) return 'job'
  return 'user'
}

function activityOf(operation: string, type: string, verb: Verb, actorKind: ActorKind): Activity {
  if (verb === 'SCAN') return 'scan'
  if (IMAGE_TYPES.has(type)) {
    if (verb === 'GET') return 'pull'
    if (verb === 'DELETE') return 'delete'
    if (verb === 'CREATE') return actorKind === 'job' ? 'mirror' : 'push'
    return type === 'artifact' && operation === 'update' ? 'settings' : 'other'
  }
  if (type === 'repository' || type === 'project') {
    if (verb === 'CREATE') return 'create-repo'
    if (verb === 'DELETE') return 'delete'
    if (verb === 'GET') return 'pull'
    return 'settings'
  }
  if (type === 'user' && (operation === 'login' || operation === 'logout')) return 'other'
  if (type === 'user' || type === 'member') return 'member'
  if (type === 'robot') return 'token'
  if (type === 'configuration') return 'settings'
  for (const [pattern, activity] of TYPE_ACTIVITIES) if (pattern.test(type)) return activity
  return 'other'
}

/** The ext description for a legacy record, in Harbor 2.13's own wording. */
function legacyDescription(operation: string, resourceType: string, resource: string): string {
  const type = words(resourceType)
  let word = operation.replace(/_/g, ' ')
  if (type === 'artifact' && operation === 'create') word = 'push'
  const subject = [word, resourceType].filter((part) => part !== '').join(' ') || 'audit event'
  return resource === '' ? subject : `${subject}: ${resource}`
}

