import { VERBS, type Activity, type ActorKind, type NormalisedEvent, type Verb } from '../../../shared/event'
import { AppError } from '../errors'
import { parseTimestamp } from './dockerhub-page'
import { oneLineLabel } from './label-text'

/**
 * DTR/MSR event → normalised event (sources/2-msr-dtr.md; the Activity tab of DTR 2.6+/MSR 2–3).
 *
 * The Activity tab's Type is one of CREATE, GET, UPDATE, DELETE, SEND, FAIL, SCAN; whether the
 * API's `type` holds exactly that word or combines it with the object ("CREATE TAG", "TAG_CREATE")
 * is undocumented, so the verb is the first word of `type` that is one of them, and the object
 * kind comes from `object.type` (or from the other words of `type`).
 *
 * Activity categories (the Activity tab's "Repository Event" table):
 * - Push: Create Manifest, Update Tag (and Create Tag) → `push`.
 * - Pull: Get Tag (manifests and blobs too) → `pull`.
 * - Delete: Delete Tag (manifests, repositories too) → `delete`.
 * - Scan: Type SCAN → `scan`.
 * - Promotion: Create Promotion Policy, and image events whose actor is a promotion policy
 *   (`PROMOTION CA5E7822`) or a manual promotion (`PROMOTION MANUAL_P`) → `promotion`.
 * - Mirror: pull and push mirroring — image events whose actor is a mirroring policy, objects of a
 *   mirroring kind, and SEND on an image (push mirroring sends it) → `mirror`.
 * - Create repo: Create Repository → `create-repo`.
 * Decisions where the contract is silent:
 * - Policy actors are recognised by their policy word (PROMOTION, PULL/PUSH MIRRORING or MIRROR,
 *   PRUNING/PRUNE) followed by an id; their `actor_kind` is `policy`. A pruning policy's
 *   deletions stay `delete`. Any other actor (DTR gives account UUIDs) is a `user`.
 * - FAIL is `outcome` failure (with the activity its object and actor say); every other Type is a
 *   success. SEND on something that is not an image (a webhook, say) is `other`.
 * - `action` is "<OBJECT KIND> <TYPE>" (`TAG CREATE`, `MANIFEST CREATE`, `REPOSITORY CREATE`), or
 *   the type alone when there is no object kind; the label is the Activity tab's friendly name
 *   ("Create Manifest") with the repository and tag.
 * - `digest` only from an image object's `content` (or its id) when it is digest-shaped; a
 *   promotion policy's SHA is not an image digest and goes nowhere but raw.
 */

const VERB_SET = new Set<string>(VERBS)
const IMAGE_OBJECTS = new Set(['TAG', 'MANIFEST', 'BLOB', 'LAYER', 'IMAGE'])
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/

type PolicyKind = 'promotion' | 'mirror' | 'pruning'

/** `PROMOTION CA5E7822`, `PROMOTION MANUAL_P`, `PULL_MIRRORING 3F2A…`, `PRUNING 11AB…`. */
const POLICY_ACTOR =
  /^(PROMOTION|(?:(?:PULL|PUSH)[ _-]?)?MIRROR(?:ING)?|PRUN(?:E|ING))(?:[ _-]POLICY)?[ _:]+([A-Za-z0-9][A-Za-z0-9_-]*)$/i

export function policyKindOf(actor: string | null): PolicyKind | null {
  if (actor === null) return null
  const match = POLICY_ACTOR.exec(actor.trim())
  if (!match) return null
  const word = match[1]!.toUpperCase()
  if (word === 'PROMOTION') return 'promotion'
  if (word.includes('MIRROR')) return 'mirror'
  return 'pruning'
}

interface MsrObject {
  id: string | null
  type: string | null
  name: string | null
  content: string | null
}

function readObject(value: unknown): MsrObject | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const record = value as Record<string, unknown>
  const text = (key: string): string | null => {
    const inner = record[key]
    return typeof inner === 'string' && inner.trim() !== '' ? inner.trim() : null
  }
  return { id: text('id'), type: text('type'), name: text('name'), content: text('content') }
}

/** `PROMOTION_POLICY`, `promotion policy`, `PromotionPolicy` → `PROMOTION POLICY`. */
function kindWords(text: string): string {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[\s_.:-]+/)
    .filter((word) => word !== '')
    .join(' ')
    .toUpperCase()
}

function titleCase(words: string): string {
  return words
    .toLowerCase()
    .split(' ')
    .map((word) => (word === '' ? word : word[0]!.toUpperCase() + word.slice(1)))
    .join(' ')
}

/** The verb and the object words of a `type` such as `CREATE`, `CREATE TAG` or `tag_create`. */
export function splitMsrType(type: string): { verb: Verb | null; rest: string } {
  const words = kindWords(type).split(' ').filter((word) => word !== '')
  const index = words.findIndex((word) => VERB_SET.has(word))
  if (index < 0) return { verb: null, rest: words.join(' ') }
  return { verb: words[index] as Verb, rest: [...words.slice(0, index), ...words.slice(index + 1)].join(' ') }
}

function activityFor(verb: Verb | null, kind: string, policy: PolicyKind | null): Activity {
  if (verb === 'SCAN') return 'scan'
  if (policy === 'promotion') return 'promotion'
  if (policy === 'mirror') return 'mirror'
  if (kind.includes('MIRROR')) return 'mirror'
  if (kind.includes('PROMOTION')) return 'promotion'
  if (kind === 'REPOSITORY' || kind === 'REPO') {
    if (verb === 'CREATE') return 'create-repo'
    if (verb === 'DELETE') return 'delete'
    return verb === 'GET' ? 'pull' : 'settings'
  }
  if (IMAGE_OBJECTS.has(kind) || kind === '') {
    switch (verb) {
      case 'CREATE':
      case 'UPDATE':
        return 'push'
      case 'GET':
        return 'pull'
      case 'DELETE':
        return 'delete'
      case 'SEND':
        return kind === '' ? 'other' : 'mirror'
      default:
        return 'other'
    }
  }
  return 'other'
}

/** Splits `team/app:latest` into repository and tag (a `:` after the last `/` only). */
function splitReference(name: string): { repository: string; tag: string | null } {
  const slash = name.lastIndexOf('/')
  const colon = name.lastIndexOf(':')
  if (colon > slash && colon > 0) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) || null }
  return { repository: name, tag: null }
}

export function normaliseMsrEvent(raw: unknown, context: { account?: string } = {}): NormalisedEvent {
  const bad = (text: string): AppError =>
    new AppError('BAD_RESPONSE', `${context.account ? `${context.account}: ` : ''}an MSR event ${text}`, { account: context.account })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('is not an object')
  const record = raw as Record<string, unknown>
  const published = record['publishedAt']
  const occurredAt = typeof published === 'string' ? parseTimestamp(published) : undefined
  if (occurredAt === undefined) throw bad('has no readable publishedAt')

  const typeText = typeof record['type'] === 'string' ? record['type'].trim() : ''
  const { verb: typeVerb, rest: typeRest } = splitMsrType(typeText)
  const object = readObject(record['object'])
  const target = readObject(record['target'])
  const objectKind = object?.type ? kindWords(object.type) : ''
  const kind = objectKind || typeRest
  // The word shown beside the object: the verb, or (no verb found) the type itself when the
  // object kind came from elsewhere.
  const verbWord = typeVerb ?? (objectKind !== '' ? kindWords(typeText) : '')
  const actorText = typeof record['actor'] === 'string' && record['actor'].trim() !== '' ? oneLineLabel(record['actor'].trim()) : null
  const policy = policyKindOf(actorText)
  const actorKind: ActorKind = actorText === null ? 'unknown' : policy !== null ? 'policy' : 'user'

  // Where the repository and tag are: `target` (the repository an object belongs to), or the
  // object itself for repository events, or an object named `ns/repo:tag`.
  let repository: string | null = null
  let tag: string | null = null
  const isRepositoryObject = kind === 'REPOSITORY' || kind === 'REPO'
  if (target?.name && (target.type === null || /REPO/i.test(target.type) || target.name.includes('/'))) {
    repository = splitReference(target.name).repository
  }
  if (isRepositoryObject && object?.name) repository ??= object.name
  if (IMAGE_OBJECTS.has(kind) && object?.name) {
    const reference = splitReference(object.name)
    if (reference.tag !== null && reference.repository.includes('/')) {
      repository ??= reference.repository
      if (kind === 'TAG') tag = reference.tag
    } else if (kind === 'TAG') {
      tag = object.name
    }
  }
  const digest =
    IMAGE_OBJECTS.has(kind) && object
      ? [object.content, object.id].find((value): value is string => value !== null && DIGEST.test(value)) ?? null
      : null
  const targetText =
    object && !IMAGE_OBJECTS.has(kind) && !isRepositoryObject && kind !== ''
      ? oneLineLabel(`${kind.toLowerCase()} ${object.name ?? object.id ?? ''}`.trim())
      : null

  const verb: Verb = typeVerb ?? 'UPDATE'
  const action = oneLineLabel([kind, verbWord].filter((word) => word !== '').join(' ') || 'EVENT')
  const friendly = titleCase(oneLineLabel([verbWord, kind].filter((word) => word !== '').join(' ') || 'event'))
  const subject = repository !== null ? `${repository}${tag !== null ? `:${tag}` : ''}` : (object?.name ?? object?.id ?? null)
  const label = oneLineLabel(`${friendly}${subject !== null ? ` ${subject}` : ''}${policy !== null ? ` by ${actorText}` : ''}`)

  return {
    occurred_at: occurredAt,
    action,
    verb,
    activity: activityFor(typeVerb, kind, policy),
    outcome: typeVerb === 'FAIL' ? 'failure' : 'success',
    actor: actorText,
    actor_kind: actorKind,
    namespace: repository !== null && repository.includes('/') ? (repository.split('/')[0] ?? null) : null,
    repository,
    tag,
    digest,
    target: targetText,
    client_ip: null,
    user_agent: null,
    label
  }
}

