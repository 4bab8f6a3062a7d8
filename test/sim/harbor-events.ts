import { seededHex, seededRandom } from './sim-faults'

/**
 * A seeded generator of Harbor audit rows, shaped as sources/5-harbor.md and Harbor's event code
 * write them (`src/controller/event/topic.go`, `src/pkg/auditext/event/*`):
 * - 2.13+ (`audit_log_ext`): every `model.EventTypes` entry plus `create_tag`/`delete_tag`, with
 *   Harbor's own `op_desc` wording ("push artifact: library/nginx@sha256:…", "create user with
 *   name: bob", "create user member bob in project library") and `op_result` (false for a failed
 *   login or API call);
 * - up to 2.12 (`audit_log`): the events that table had: artifacts (create/pull/delete), tags,
 *   repositories, projects and robots; no description, no result.
 * Pushes name the tag in `resource` (`library/nginx:1.27`) or, pushed by digest, the digest.
 * Anonymous pulls are by `anonymous`; robots are `robot$…`; replication pushes are by
 * `harbor-jobservice`. System events (users, logins, configuration) have project id 0.
 * `op_time` follows the id with jitter, and now and then an older `op_time` gets a higher id, as
 * the asynchronous writer does.
 */

/** Harbor's table of a row: 2.13+ `audit_log_ext`, or the `audit_log` of 2.12 and earlier. */
export type HarborTable = 'ext' | 'legacy'

/** One stored row, with the columns the API does not expose (project id, source IP). */
export interface HarborSimRow {
  id: number
  projectId: number
  operation: string
  resourceType: string
  resource: string
  username: string
  /** `op_desc` (ext only). */
  description: string
  /** `op_result` (ext only). */
  result: boolean
  /** `op_time` in ms. */
  opTime: number
  sourceIp: string | null
}

export const HARBOR_SIM_PROJECTS: ReadonlyArray<{ id: number; name: string }> = [
  { id: 1, name: 'library' },
  { id: 2, name: 'payments' },
  { id: 3, name: 'web' }
]

export const HARBOR_SIM_REPOSITORIES = ['library/nginx', 'library/alpine', 'payments/api', 'payments/worker', 'web/frontend', 'web/team/edge']
const TAGS = ['latest', '1.27', '1.0.0', '2.0.0-rc1', 'stable']
const USERS = ['admin', 'alice', 'bob', 'dev']

/** What each documented kind of row is; `legacy` marks those the pre-2.13 table had. */
export const HARBOR_EVENT_CATEGORIES = [
  'push',
  'push-by-digest',
  'pull',
  'pull-anonymous',
  'pull-robot',
  'delete-artifact',
  'create-tag',
  'delete-tag',
  'delete-repository',
  'create-project',
  'delete-project',
  'update-project',
  'login',
  'login-failed',
  'logout',
  'create-user',
  'delete-user',
  'update-user',
  'create-robot',
  'delete-robot',
  'update-configuration',
  'create-member',
  'delete-member',
  'update-member',
  'replication-push'
] as const
export type HarborEventCategory = (typeof HARBOR_EVENT_CATEGORIES)[number]

export const HARBOR_LEGACY_CATEGORIES: ReadonlySet<HarborEventCategory> = new Set([
  'push',
  'push-by-digest',
  'pull',
  'pull-anonymous',
  'pull-robot',
  'delete-artifact',
  'create-tag',
  'delete-tag',
  'delete-repository',
  'create-project',
  'delete-project',
  'create-robot',
  'delete-robot',
  'replication-push'
])

const WEIGHTS: Partial<Record<HarborEventCategory, number>> = { push: 30, pull: 60, 'pull-robot': 20, 'pull-anonymous': 10, login: 10, logout: 5 }

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

export function projectOf(repository: string): { id: number; name: string } {
  const name = repository.split('/')[0]!
  return HARBOR_SIM_PROJECTS.find((project) => project.name === name) ?? { id: 0, name }
}

/** One row of `category` (without its id, which the table assigns) at `at` ms. */
export function makeHarborRow(random: () => number, category: HarborEventCategory, at: number, repository?: string): Omit<HarborSimRow, 'id'> {
  const repo = repository ?? pick(random, HARBOR_SIM_REPOSITORIES)
  const project = projectOf(repo)
  const tag = pick(random, TAGS)
  const digest = `sha256:${seededHex(random)}`
  const user = pick(random, USERS)
  const row = (fields: Partial<Omit<HarborSimRow, 'id'>> & Pick<HarborSimRow, 'operation' | 'resourceType' | 'resource' | 'description'>) => ({
    projectId: project.id,
    username: user,
    result: true,
    opTime: at,
    sourceIp: null,
    ...fields
  })
  const other = pick(random, ['carol', 'dave', 'erin'])
  switch (category) {
    case 'push':
      return row({ operation: 'create', resourceType: 'artifact', resource: `${repo}:${tag}`, description: `push artifact: ${repo}@${digest}` })
    case 'push-by-digest':
      return row({ operation: 'create', resourceType: 'artifact', resource: `${repo}@${digest}`, description: `push artifact: ${repo}@${digest}` })
    case 'pull':
      return row({ operation: 'pull', resourceType: 'artifact', resource: `${repo}:${tag}`, description: `pull artifact: ${repo}@${digest}` })
    case 'pull-anonymous':
      return row({ operation: 'pull', resourceType: 'artifact', resource: `${repo}:${tag}`, description: `pull artifact: ${repo}@${digest}`, username: 'anonymous' })
    case 'pull-robot':
      return row({
        operation: 'pull',
        resourceType: 'artifact',
        resource: `${repo}@${digest}`,
        description: `pull artifact: ${repo}@${digest}`,
        username: `robot$${project.name}+ci`
      })
    case 'delete-artifact':
      return row({ operation: 'delete', resourceType: 'artifact', resource: `${repo}@${digest}`, description: `delete artifact: ${repo}@${digest}` })
    case 'create-tag':
      return row({ operation: 'create', resourceType: 'tag', resource: `${repo}:${tag}`, description: `create tag: ${repo}:${tag}` })
    case 'delete-tag':
      return row({ operation: 'delete', resourceType: 'tag', resource: `${repo}:${tag}`, description: `delete tag: ${repo}:${tag}` })
    case 'delete-repository':
      return row({ operation: 'delete', resourceType: 'repository', resource: repo, description: `delete repository: ${repo}` })
    case 'create-project':
      return row({ operation: 'create', resourceType: 'project', resource: project.name, description: `create project: ${project.name}` })
    case 'delete-project':
      return row({ operation: 'delete', resourceType: 'project', resource: project.name, description: `delete project: ${project.name}` })
    case 'update-project':
      return row({ operation: 'update', resourceType: 'project', resource: project.name, description: `update project: ${project.name}` })
    case 'login':
      return row({ projectId: 0, operation: 'login', resourceType: 'user', resource: user, description: 'login' })
    case 'login-failed':
      return row({ projectId: 0, operation: 'login', resourceType: 'user', resource: other, username: other, description: 'login', result: false })
    case 'logout':
      return row({ projectId: 0, operation: 'logout', resourceType: 'user', resource: user, description: 'logout' })
    case 'create-user':
      return row({ projectId: 0, username: 'admin', operation: 'create', resourceType: 'user', resource: other, description: `create user with name: ${other}` })
    case 'delete-user':
      return row({ projectId: 0, username: 'admin', operation: 'delete', resourceType: 'user', resource: other, description: `delete user with name: ${other}` })
    case 'update-user':
      return row({
        projectId: 0,
        username: 'admin',
        operation: 'update',
        resourceType: 'user',
        resource: other,
        description: `update user with name: ${other}, change user password`
      })
    case 'create-robot':
      return row({ operation: 'create', resourceType: 'robot', resource: `${project.name}+ci`, description: `create robot: ${project.name}+ci` })
    case 'delete-robot':
      return row({ operation: 'delete', resourceType: 'robot', resource: `${project.name}+ci`, description: `delete robot: ${project.name}+ci` })
    case 'update-configuration':
      return row({ projectId: 0, username: 'admin', operation: 'update', resourceType: 'configuration', resource: 'configuration', description: 'update configuration' })
    case 'create-member':
      return row({ operation: 'create', resourceType: 'member', resource: other, description: `create user member ${other} in project ${project.name}` })
    case 'delete-member':
      return row({ operation: 'delete', resourceType: 'member', resource: other, description: `delete user member ${other} from project ${project.name}` })
    case 'update-member':
      return row({ operation: 'update', resourceType: 'member', resource: other, description: `update user member ${other} in project ${project.name}` })
    case 'replication-push':
      return row({
        operation: 'create',
        resourceType: 'artifact',
        resource: `${repo}:${tag}`,
        description: `push artifact: ${repo}@${digest}`,
        username: 'harbor-jobservice'
      })
  }
}

function pickCategory(random: () => number, categories: readonly HarborEventCategory[]): HarborEventCategory {
  const total = categories.reduce((sum, category) => sum + (WEIGHTS[category] ?? 3), 0)
  let roll = random() * total
  for (const category of categories) {
    roll -= WEIGHTS[category] ?? 3
    if (roll < 0) return category
  }
  return categories[0]!
}

/** Newest `op_time` of generated rows unless told otherwise. */
export const HARBOR_SIM_END = Date.parse('2025-06-01T00:00:00.000Z')

/**
 * `count` rows for `table`, oldest first (ids are given by the table), ending near `endTime`,
 * about a minute apart; the first rows cycle through the table's categories. One row in ten is
 * written "late": its `op_time` is a few seconds older than the row before it.
 */
export function generateHarborRows(count: number, seed: number, options: { table?: HarborTable; endTime?: number } = {}): Array<Omit<HarborSimRow, 'id'>> {
  const random = seededRandom(seed)
  const categories = HARBOR_EVENT_CATEGORIES.filter((category) => options.table !== 'legacy' || HARBOR_LEGACY_CATEGORIES.has(category))
  const end = options.endTime ?? HARBOR_SIM_END
  let at = end - count * 61_000
  const rows: Array<Omit<HarborSimRow, 'id'>> = []
  for (let i = 0; i < count; i++) {
    const category = i < categories.length ? categories[i]! : pickCategory(random, categories)
    at += 1 + Math.floor(random() * 120_000)
    const late = random() < 0.1 ? 1 + Math.floor(random() * 5_000) : 0
    rows.push(makeHarborRow(random, category, Math.min(at, end) - late))
  }
  return rows
}
