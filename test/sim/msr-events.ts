import { seededHex, seededRandom, seededUuid } from './sim-faults'

/**
 * A seeded generator of DTR/MSR events shaped as sources/2-msr-dtr.md documents them: DTR 2.3's
 * `schema.Event` (`id`, `publishedAt`, `actor`, `type`, `object {id, type, name?, content?}`,
 * `target?`), with the Activity tab's Types and categories. Where the contract leaves the raw
 * values open ([U]/[I]) the choices are marked here and the connector must not depend on them:
 * - `type` is the bare Type word (`CREATE`) and `object.type` the object kind (`TAG`, `MANIFEST`,
 *   `REPOSITORY`, `PROMOTION_POLICY`); a few records use the combined form `CREATE TAG`.
 * - Policy actors are `<POLICY WORD> <8 hex or MANUAL_P>`: `PROMOTION CA5E7822`,
 *   `PROMOTION MANUAL_P`, `PULL_MIRRORING 3F2A9C11`, `PUSH_MIRRORING 8B7E6D5C`, `PRUNING 5D4C3B2A`.
 * - User actors are account UUIDs.
 * - Events carry a field DTR 2.3's schema does not have (`sourceIp` on some), to prove unknown
 *   fields survive in raw.
 * Events are newest first, with millisecond timestamps; several may share one millisecond.
 */

export interface MsrSimObject {
  id: string
  type: string
  name?: string
  content?: string
}

export interface MsrSimEvent {
  id: string
  publishedAt: string
  actor: string
  type: string
  object: MsrSimObject
  target?: MsrSimObject
  [extra: string]: unknown
}

/** The Activity tab's categories, split by the shapes they take. */
export const MSR_EVENT_CATEGORIES = [
  'push-manifest',
  'push-tag-update',
  'push-tag-create',
  'pull',
  'delete',
  'scan',
  'promotion-policy',
  'promotion-by-policy',
  'promotion-manual',
  'pull-mirror',
  'push-mirror',
  'push-mirror-fail',
  'create-repo',
  'prune'
] as const
export type MsrEventCategory = (typeof MSR_EVENT_CATEGORIES)[number]

/** Categories only repository admins see (Activity tab docs: Pull, Mirror, Promotion). */
export const ADMIN_ONLY_CATEGORIES: ReadonlySet<MsrEventCategory> = new Set([
  'pull',
  'pull-mirror',
  'push-mirror',
  'push-mirror-fail',
  'promotion-policy'
])

export const SIM_POLICY_ACTORS = {
  promotion: 'PROMOTION CA5E7822',
  manualPromotion: 'PROMOTION MANUAL_P',
  pullMirror: 'PULL_MIRRORING 3F2A9C11',
  pushMirror: 'PUSH_MIRRORING 8B7E6D5C',
  pruning: 'PRUNING 5D4C3B2A'
} as const

export const SIM_REPOSITORIES = ['test-org/test-repo-1', 'payments/api', 'payments/worker', 'web/frontend', 'base/alpine', 'ml/inference']
const TAGS = ['latest', '1.0.0', '1.1.0', '2.0.0-rc1', 'stable', 'nightly']
export const SIM_USERS = {
  admin: '194efd8e-9ee6-4d43-a34b-eefd9ce39087',
  alice: '7c2d4a61-3b9e-4f0a-8d2c-5e1f6a7b8c9d',
  ci: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'
}

const WEIGHTS: Record<MsrEventCategory, number> = {
  'push-manifest': 30,
  'push-tag-update': 30,
  'push-tag-create': 10,
  pull: 60,
  delete: 6,
  scan: 12,
  'promotion-policy': 2,
  'promotion-by-policy': 5,
  'promotion-manual': 2,
  'pull-mirror': 6,
  'push-mirror': 6,
  'push-mirror-fail': 2,
  'create-repo': 3,
  prune: 3
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

function pickCategory(random: () => number): MsrEventCategory {
  const total = Object.values(WEIGHTS).reduce((sum, weight) => sum + weight, 0)
  let roll = random() * total
  for (const category of MSR_EVENT_CATEGORIES) {
    roll -= WEIGHTS[category]
    if (roll < 0) return category
  }
  return 'pull'
}

/** One event of `category` at `at` (ms). */
export function makeMsrEvent(random: () => number, category: MsrEventCategory, at: number, repository?: string): MsrSimEvent {
  const repo = repository ?? pick(random, SIM_REPOSITORIES)
  const tag = pick(random, TAGS)
  const digest = `sha256:${seededHex(random)}`
  const user = pick(random, Object.values(SIM_USERS))
  const repoObject: MsrSimObject = { id: seededUuid(random), type: 'REPOSITORY', name: repo }
  const tagObject = (withContent: boolean): MsrSimObject => ({ id: digest, type: 'TAG', name: tag, ...(withContent ? { content: digest } : {}) })
  const base = { id: seededUuid(random), publishedAt: new Date(at).toISOString() }
  switch (category) {
    case 'push-manifest':
      return { ...base, actor: user, type: 'CREATE', object: { id: digest, type: 'MANIFEST', name: digest, content: digest }, target: repoObject }
    case 'push-tag-update':
      return { ...base, actor: user, type: 'UPDATE', object: tagObject(true), target: repoObject }
    case 'push-tag-create':
      // The combined form, to keep the connector honest about the [U] in the contract.
      return { ...base, actor: user, type: 'CREATE TAG', object: tagObject(true), target: repoObject, sourceIp: '10.1.2.3' }
    case 'pull':
      return { ...base, actor: user, type: 'GET', object: tagObject(false), target: repoObject }
    case 'delete':
      return { ...base, actor: user, type: 'DELETE', object: tagObject(false), target: repoObject }
    case 'scan':
      return { ...base, actor: user, type: 'SCAN', object: tagObject(true), target: repoObject }
    case 'promotion-policy':
      return {
        ...base,
        actor: user,
        type: 'CREATE',
        object: { id: seededHex(random, 8).toUpperCase(), type: 'PROMOTION_POLICY', name: `promote ${repo} to prod`, content: digest },
        target: repoObject
      }
    case 'promotion-by-policy':
      return { ...base, actor: SIM_POLICY_ACTORS.promotion, type: 'CREATE', object: tagObject(true), target: repoObject }
    case 'promotion-manual':
      return { ...base, actor: SIM_POLICY_ACTORS.manualPromotion, type: 'CREATE', object: tagObject(true), target: repoObject }
    case 'pull-mirror':
      return { ...base, actor: SIM_POLICY_ACTORS.pullMirror, type: 'UPDATE', object: tagObject(true), target: repoObject }
    case 'push-mirror':
      return { ...base, actor: SIM_POLICY_ACTORS.pushMirror, type: 'SEND', object: tagObject(true), target: repoObject }
    case 'push-mirror-fail':
      return { ...base, actor: SIM_POLICY_ACTORS.pushMirror, type: 'FAIL', object: tagObject(false), target: repoObject }
    case 'create-repo':
      return { ...base, actor: user, type: 'CREATE', object: repoObject }
    case 'prune':
      return { ...base, actor: SIM_POLICY_ACTORS.pruning, type: 'DELETE', object: tagObject(false), target: repoObject }
  }
}

/** The category an event of this generator was made as (for visibility rules). */
export function categoryOf(event: MsrSimEvent): MsrEventCategory {
  const actor = event.actor
  const kind = event.object.type
  if (kind === 'REPOSITORY') return 'create-repo'
  if (kind === 'MANIFEST') return 'push-manifest'
  if (kind === 'PROMOTION_POLICY') return 'promotion-policy'
  if (actor === SIM_POLICY_ACTORS.promotion) return 'promotion-by-policy'
  if (actor === SIM_POLICY_ACTORS.manualPromotion) return 'promotion-manual'
  if (actor === SIM_POLICY_ACTORS.pullMirror) return 'pull-mirror'
  if (actor === SIM_POLICY_ACTORS.pruning) return 'prune'
  if (actor === SIM_POLICY_ACTORS.pushMirror) return event.type === 'FAIL' ? 'push-mirror-fail' : 'push-mirror'
  switch (event.type) {
    case 'GET':
      return 'pull'
    case 'DELETE':
      return 'delete'
    case 'SCAN':
      return 'scan'
    case 'UPDATE':
      return 'push-tag-update'
    default:
      return 'push-tag-create'
  }
}

/** Newest event time of generated events. */
export const MSR_SIM_END = Date.parse('2025-06-01T00:00:00.000Z')

/**
 * `count` events, newest first, ending at `endTime`, about a minute apart with jitter; every
 * category occurs when count allows (the first ones cycle through them).
 */
export function generateMsrEvents(count: number, seed: number, options: { endTime?: number } = {}): MsrSimEvent[] {
  const random = seededRandom(seed)
  const end = options.endTime ?? MSR_SIM_END
  const events: MsrSimEvent[] = []
  let at = end
  for (let i = 0; i < count; i++) {
    const category = i < MSR_EVENT_CATEGORIES.length ? MSR_EVENT_CATEGORIES[i]! : pickCategory(random)
    events.push(makeMsrEvent(random, category, at))
    // Now and then two events share a millisecond, as a push's manifest and tag events may.
    if (random() > 0.1) at -= 1 + Math.floor(random() * 120_000)
  }
  return events
}
