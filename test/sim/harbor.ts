import { createHash } from 'node:crypto'
import http from 'node:http'
import { generateHarborRows, HARBOR_SIM_END, HARBOR_SIM_PROJECTS, makeHarborRow, type HarborSimRow, type HarborTable } from './harbor-events'
import { goParseQuery, harborLinks, HarborQueryError, parseHarborListQuery, runHarborQuery } from './harbor-query'
import { FaultQueue, seededRandom, type FaultMatch, type FaultStyle, type SimFault } from './sim-faults'
import { answerWithFault, commonControlRoutes, plainControlReply, runStandaloneSim, serveControl, SimTimers, startSimServer, type SimAnswer, type SimControlRoutes } from './sim-server'

/**
 * A Harbor simulator on a loopback port, faithful to sources/5-harbor.md, for Harbor 2.13+ and
 * for 2.12 and earlier (`version`):
 *
 * - Security as Harbor's middleware builds it: HTTP Basic for a robot (`robot$…`) or a user;
 *   wrong credentials make the request anonymous (no 401 by themselves).
 * - `GET /api/v2.0/systeminfo`: `harbor_version` and the other protected fields only for a
 *   signed-in caller.
 * - `GET /api/v2.0/users/current`: 401 anonymous, 412 PRECONDITION for a robot, else the user
 *   with `sysadmin_flag`.
 * - `GET /api/v2.0/auditlog-exts` (2.13+ only; 404 before) and `GET /api/v2.0/audit-logs` (the
 *   pre-2.13 table; after an upgrade it keeps the old rows and gets no new ones): `q`, `sort`,
 *   `page`, `page_size` (default 10, > 100 → 422) as harbor-query.ts reads them, `X-Total-Count`
 *   counted before listing, a relative unescaped `Link`. Callers without the system permission
 *   `audit-log:list` get the rows of projects where they have `log:list` (local users) or an
 *   empty list (anyone else), with 200.
 * - `GET /api/v2.0/auditlog-exts/events` (2.13+): the event types, 403 without `audit-log:list`.
 * - `GET /api/v2.0/projects/{name}/logs` and (2.13+) `/projects/{name}/auditlog-exts`: one
 *   project's rows; 401 anonymous, 404 unknown project, 403 without `log:list` there.
 * - Errors in Harbor's envelope `{"errors":[{"code","message"}]}`; a 500's message is always
 *   "internal server error"; unknown paths 404, other methods 405.
 * - Rows are written asynchronously in Harbor: `addRows(…, { hold })` keeps the first rows of a
 *   batch invisible (ids taken, not committed) until `release()`. `maskUsername` rewrites a
 *   user's rows as GDPR masking does; `purge` deletes old rows as log rotation does.
 *
 * Faults are injected per route (`inject(fault, { route })`, default `auditlog-exts`). Standalone:
 * `node --import tsx test/sim/harbor.ts --events N [--legacy-events N] [--seed S] [--port 0]
 * [--version v2.13.1]` prints `{"url":…}` on stdout when ready; `/_sim/*` controls it over HTTP.
 */

export type HarborRoute = 'auditlog-exts' | 'audit-logs' | 'event-types' | 'systeminfo' | 'users-current' | 'project-logs'

export interface HarborSimPrincipal {
  /** A robot's full name, with the `robot$` prefix. */
  username: string
  secret: string
  kind: 'admin' | 'user' | 'robot'
  /** A user's projects where they have `log:list` (project admin or maintainer). */
  logProjects?: number[]
  /** A system robot granted `audit-log:list`. */
  auditLogList?: boolean
  /** An admin through an LDAP/OIDC admin group: `admin_role_in_auth`, not `sysadmin_flag`. */
  adminByGroup?: boolean
}

export interface SimClock {
  now(): number
}

export interface HarborSimOptions {
  /** `harbor_version`; default `v2.13.1-1d5b9e5c`. Before 2.13 there is no `/auditlog-exts`. */
  version?: string
  /** Leave `harbor_version` out of systeminfo, as a proxy or patched build might. */
  hideVersion?: boolean
  users?: HarborSimPrincipal[]
  /** Rows of the live table: `audit_log_ext` on 2.13+, `audit_log` before. */
  events?: number
  /** On 2.13+: rows `audit_log` kept from before the upgrade (older than the live rows). */
  legacyEvents?: number
  seed?: number
  endTime?: number
  clock?: SimClock
  host?: string
  port?: number
  tls?: { key: string; cert: string }
  urlHost?: string
}

export interface HarborSimRequest {
  method: string
  path: string
  route: HarborRoute | 'control' | 'other'
  /** The raw query string as sent (before any decoding). */
  rawQuery: string
  /** After Go's first decoding. */
  query: Record<string, string>
  authorization: string | undefined
  user?: string
  /** q/sort keys Harbor dropped silently. */
  ignored?: string[]
  status: number
  fault?: SimFault['kind']
  at: number
}

export interface HarborSim {
  url: string
  port: number
  clock: SimClock
  readonly version: string
  /** Whether this version has `/auditlog-exts`. */
  readonly hasExt: boolean
  /**
   * Upgrades the server (`v2.13.0`…): from 2.13 on, `/auditlog-exts` exists and new rows go to its
   * table, while `/audit-logs` keeps the rows written before.
   */
  upgrade(version: string): void
  users: HarborSimPrincipal[]
  principal(kind: 'admin' | 'user' | 'robot' | 'project-robot'): HarborSimPrincipal
  /** Committed rows of a table, oldest first (a copy). */
  rows(table: HarborTable): HarborSimRow[]
  /** The rows `username` sees in a table's system-wide list. */
  visibleTo(username: string, table: HarborTable): HarborSimRow[]
  /** Appends rows to the live table (or `table`); `hold` leaves the batch's first rows uncommitted. */
  addRows(countOrRows: number | Array<Omit<HarborSimRow, 'id'>>, options?: { table?: HarborTable; hold?: number }): HarborSimRow[]
  /** Commits every held row. */
  release(): void
  maskUsername(username: string): string
  purge(before: number, table?: HarborTable): number
  inject(fault: SimFault, match?: FaultMatch<HarborRoute>): void
  clearFaults(): void
  readonly requests: HarborSimRequest[]
  /** Sign-ins: `/users/current` answers to valid credentials (200 or 412). */
  readonly signIns: number
  close(): Promise<void>
}

export const HARBOR_SIM_USERS: HarborSimPrincipal[] = [
  { username: 'admin', secret: 'Harbor12345-admin-secret', kind: 'admin' },
  { username: 'dev', secret: 'dev-password-0123456789', kind: 'user', logProjects: [2] },
  { username: 'robot$auditor', secret: 'Rb0tAuditorSecret0123456789abcdef', kind: 'robot', auditLogList: true },
  { username: 'robot$library+ci', secret: 'Rb0tLibraryCiSecret0123456789abcd', kind: 'robot', auditLogList: false }
]

const EVENT_TYPES = [
  'create_artifact',
  'delete_artifact',
  'pull_artifact',
  'create_project',
  'delete_project',
  'delete_repository',
  'login_user',
  'logout_user',
  'create_user',
  'delete_user',
  'update_user',
  'create_robot',
  'delete_robot',
  'update_configuration',
  'create_member',
  'delete_member',
  'update_member',
  'update_project'
]

const ERROR_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  412: 'PRECONDITION',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUEST'
}

/** Harbor's error envelope; 5xx text is replaced by a generic one, as Harbor does. */
export function harborErrorBody(status: number, message?: string): unknown {
  if (status >= 500) return { errors: [{ code: 'UNKNOWN', message: 'internal server error' }] }
  return { errors: [{ code: ERROR_CODES[status] ?? (http.STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/ /g, '_'), message: message ?? http.STATUS_CODES[status] ?? 'error' }] }
}

function versionHasExt(version: string): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version)
  if (!match) return true
  const [major, minor] = [Number(match[1]), Number(match[2])]
  return major > 2 || (major === 2 && minor >= 13)
}

/** go-swagger's JSON of an audit row: alphabetical, empty strings left out (`omitempty`). */
export function harborRowJson(row: HarborSimRow, table: HarborTable): Record<string, unknown> {
  const out: Record<string, unknown> = { id: row.id, op_time: new Date(row.opTime).toISOString() }
  if (row.operation !== '') out['operation'] = row.operation
  if (table === 'ext') {
    if (row.description !== '') out['operation_description'] = row.description
    out['operation_result'] = row.result
  }
  if (row.resource !== '') out['resource'] = row.resource
  if (row.resourceType !== '') out['resource_type'] = row.resourceType
  if (row.username !== '') out['username'] = row.username
  return out
}

export async function startHarborSim(options: HarborSimOptions = {}): Promise<HarborSim> {
  let version = options.version ?? 'v2.13.1-1d5b9e5c'
  let hasExt = versionHasExt(version)
  const users = options.users ?? HARBOR_SIM_USERS
  const clock: SimClock = options.clock ?? { now: Date.now }
  const seed = options.seed ?? 1
  let liveTable: HarborTable = hasExt ? 'ext' : 'legacy'
  const end = options.endTime ?? HARBOR_SIM_END

  const tables: Record<HarborTable, HarborSimRow[]> = { ext: [], legacy: [] }
  const nextId: Record<HarborTable, number> = { ext: 1, legacy: 1 }
  const held: Array<{ table: HarborTable; row: HarborSimRow }> = []
  const insert = (table: HarborTable, rows: Array<Omit<HarborSimRow, 'id'>>, hold = 0): HarborSimRow[] => {
    const added = rows.map((row) => ({ ...row, id: nextId[table]++ }))
    added.forEach((row, index) => (index < hold ? held.push({ table, row }) : tables[table].push(row)))
    tables[table].sort((a, b) => a.id - b.id)
    return added
  }
  if (hasExt && options.legacyEvents) {
    // The pre-upgrade history: older than everything in the new table.
    const legacyEnd = end - ((options.events ?? 0) + 10) * 61_000
    insert('legacy', generateHarborRows(options.legacyEvents, seed + 500, { table: 'legacy', endTime: legacyEnd }))
  }
  insert(liveTable, generateHarborRows(options.events ?? 0, seed, { table: liveTable, endTime: end }))

  let signIns = 0
  let addCounter = 0
  const faults = new FaultQueue<HarborRoute>('auditlog-exts')
  const requests: HarborSimRequest[] = []
  const timers = new SimTimers()

  const principal = (kind: 'admin' | 'user' | 'robot' | 'project-robot'): HarborSimPrincipal => {
    const found = users.find((user) =>
      kind === 'robot' ? user.kind === 'robot' && user.auditLogList === true : kind === 'project-robot' ? user.kind === 'robot' && !user.auditLogList : user.kind === kind
    )
    if (!found) throw new Error(`no ${kind} principal in this simulator`)
    return found
  }

  /** The project filter Harbor adds for a caller without `audit-log:list`; null for none. */
  const projectFilter = (user: HarborSimPrincipal): number[] | null => {
    if (user.kind === 'admin' || (user.kind === 'robot' && user.auditLogList === true)) return null
    // "make sure no project will be selected with the query"
    if (user.kind === 'robot') return [-1]
    return user.logProjects && user.logProjects.length > 0 ? user.logProjects : [-1]
  }

  const visibleTo = (username: string, table: HarborTable): HarborSimRow[] => {
    const user = users.find((candidate) => candidate.username === username)
    if (!user) return []
    const filter = projectFilter(user)
    return tables[table].filter((row) => filter === null || filter.includes(row.projectId)).map((row) => ({ ...row }))
  }

  const addRows = (countOrRows: number | Array<Omit<HarborSimRow, 'id'>>, addOptions: { table?: HarborTable; hold?: number } = {}): HarborSimRow[] => {
    const table = addOptions.table ?? liveTable
    let rows: Array<Omit<HarborSimRow, 'id'>>
    if (typeof countOrRows === 'number') {
      const random = seededRandom(seed * 7919 + ++addCounter)
      const at = clock.now()
      rows = Array.from({ length: countOrRows }, (_, i) => makeHarborRow(random, i % 3 === 0 ? 'pull' : 'push', at + i))
    } else {
      rows = countOrRows
    }
    return insert(table, rows, addOptions.hold ?? 0)
  }

  const release = (): void => {
    for (const { table, row } of held.splice(0)) tables[table].push(row)
    tables.ext.sort((a, b) => a.id - b.id)
    tables.legacy.sort((a, b) => a.id - b.id)
  }

  const maskUsername = (username: string): string => {
    const masked = createHash('sha256').update(username).digest('hex').slice(0, 32)
    for (const table of [tables.ext, tables.legacy]) for (const row of table) if (row.username === username) row.username = masked
    return masked
  }

  const purge = (before: number, table?: HarborTable): number => {
    let removed = 0
    for (const name of table ? [table] : (['ext', 'legacy'] as const)) {
      const kept = tables[name].filter((row) => row.opTime >= before)
      removed += tables[name].length - kept.length
      tables[name] = kept
    }
    return removed
  }

  const baseHeaders = (): Record<string, string> => ({ date: new Date(clock.now()).toUTCString() })

  const authUser = (authorization: string | undefined): HarborSimPrincipal | undefined => {
    const match = /^Basic (\S+)$/i.exec(authorization ?? '')
    if (!match) return undefined
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return undefined
    const username = decoded.slice(0, colon)
    const secret = decoded.slice(colon + 1)
    // Robot generator first (by prefix), then basic auth; failing both leaves the request anonymous.
    const user = users.find((candidate) => candidate.username === username && candidate.secret === secret)
    if (username.startsWith('robot$')) return user?.kind === 'robot' ? user : undefined
    return user?.kind === 'robot' ? undefined : user
  }

  const harborStyle: FaultStyle = {
    baseHeaders,
    now: () => clock.now(),
    errorBody: (status) => harborErrorBody(status),
    unauthorized: () => ({ headers: {}, body: harborErrorBody(401, 'UnAuthorized') })
  }

  type Answer = SimAnswer
  const json = (status: number, value: unknown, headers: Record<string, string> = {}): Answer => ({
    status,
    body: JSON.stringify(value),
    contentType: 'application/json; charset=utf-8',
    headers
  })
  const error = (status: number, message?: string): Answer => json(status, harborErrorBody(status, message))

  const route = (path: string): HarborRoute | 'other' => {
    if (path === '/api/v2.0/auditlog-exts') return 'auditlog-exts'
    if (path === '/api/v2.0/audit-logs') return 'audit-logs'
    if (path === '/api/v2.0/auditlog-exts/events') return 'event-types'
    if (path === '/api/v2.0/systeminfo') return 'systeminfo'
    if (path === '/api/v2.0/users/current') return 'users-current'
    if (/^\/api\/v2\.0\/projects\/[^/]+\/(logs|auditlog-exts)$/.test(path)) return 'project-logs'
    return 'other'
  }

  /** go-swagger's binding of `page` / `page_size`: int64, page_size at most 100. */
  const paging = (query: Map<string, string>): { page: number; pageSize: number } | Answer => {
    const read = (key: string, fallback: number): number | Answer => {
      const text = query.get(key)
      if (text === undefined) return fallback
      if (!/^[+-]?\d+$/.test(text)) return error(422, `${key} in query must be of type int64: "${text}"`)
      return Number(text)
    }
    const page = read('page', 1)
    if (typeof page !== 'number') return page
    const pageSize = read('page_size', 10)
    if (typeof pageSize !== 'number') return pageSize
    if (pageSize > 100) return error(422, 'page_size in query should be less than or equal to 100')
    return { page, pageSize }
  }

  const listAnswer = (table: HarborTable, projectIds: number[] | null, log: HarborSimRequest, path: string, rawQuery: string, query: Map<string, string>): Answer => {
    const paged = paging(query)
    if ('status' in paged) return paged
    let parsed
    try {
      parsed = parseHarborListQuery(query.get('q') ?? '', query.get('sort') ?? '', table)
    } catch (caught) {
      if (caught instanceof HarborQueryError) return error(caught.status, caught.message)
      throw caught
    }
    log.ignored = parsed.ignored
    let rows: HarborSimRow[]
    try {
      rows = runHarborQuery(tables[table], parsed, projectIds)
    } catch (caught) {
      if (caught instanceof HarborQueryError) return error(caught.status, caught.message)
      throw caught
    }
    const total = rows.length
    const { page, pageSize } = paged
    const start = pageSize > 0 && page > 0 ? pageSize * (page - 1) : 0
    const slice = pageSize > 0 ? rows.slice(start, start + pageSize) : rows
    const headers: Record<string, string> = { 'x-total-count': String(total) }
    const link = harborLinks(path, rawQuery, total, page, pageSize)
    if (link !== '') headers['link'] = link
    return json(200, slice.map((row) => harborRowJson(row, table)), headers)
  }

  const answer = (req: http.IncomingMessage, log: HarborSimRequest, rawQuery: string, query: Map<string, string>): Answer => {
    const { path } = log
    if (!path.startsWith('/api/v2.0/') && path !== '/api/v2.0') return error(404, `path ${path} was not found`)
    const known = log.route !== 'other' && (hasExt || (log.route !== 'auditlog-exts' && log.route !== 'event-types' && !path.endsWith('/auditlog-exts')))
    if (!known) return error(404, `path ${path} was not found`)
    if (req.method !== 'GET') return error(405, `method ${req.method} is not allowed`)
    const user = authUser(log.authorization)
    if (user) log.user = user.username
    switch (log.route) {
      case 'systeminfo': {
        const info: Record<string, unknown> = {
          auth_mode: 'db_auth',
          primary_auth_mode: false,
          self_registration: false,
          banner_message: '',
          oidc_provider_name: ''
        }
        if (user) {
          Object.assign(info, {
            ...(options.hideVersion ? {} : { harbor_version: version }),
            external_url: 'https://harbor.example.org',
            registry_url: 'harbor.example.org',
            has_ca_root: false,
            project_creation_restriction: 'everyone',
            read_only: false,
            notification_enable: true,
            registry_storage_provider_name: 'filesystem',
            current_time: new Date(clock.now()).toISOString()
          })
        }
        return json(200, info)
      }
      case 'users-current': {
        if (!user) return error(401)
        signIns++
        if (user.kind === 'robot') return error(412, 'get current user not available for security context: robot')
        return json(200, {
          user_id: users.indexOf(user) + 1,
          username: user.username,
          email: `${user.username}@example.org`,
          realname: user.username,
          comment: '',
          sysadmin_flag: user.kind === 'admin' && user.adminByGroup !== true,
          admin_role_in_auth: user.kind === 'admin' && user.adminByGroup === true,
          creation_time: '2024-01-02T03:04:05.000Z',
          update_time: '2024-01-02T03:04:05.000Z'
        })
      }
      case 'event-types': {
        if (!user) return error(401)
        if (projectFilter(user) !== null) return error(403, user.username)
        return json(200, EVENT_TYPES.map((eventType) => ({ event_type: eventType })))
      }
      case 'auditlog-exts':
      case 'audit-logs': {
        if (!user) return error(401)
        return listAnswer(log.route === 'auditlog-exts' ? 'ext' : 'legacy', projectFilter(user), log, path, rawQuery, query)
      }
      case 'project-logs': {
        const match = /^\/api\/v2\.0\/projects\/([^/]+)\/(logs|auditlog-exts)$/.exec(path)!
        const name = decodeURIComponent(match[1]!)
        if (!user) return error(401)
        const project = HARBOR_SIM_PROJECTS.find((candidate) => candidate.name === name || String(candidate.id) === name)
        if (!project) return error(404, `project ${name} not found`)
        const filter = projectFilter(user)
        if (filter !== null && !filter.includes(project.id)) return error(403, user.username)
        return listAnswer(match[2] === 'logs' ? 'legacy' : 'ext', [project.id], log, path, rawQuery, query)
      }
      default:
        return error(404, `path ${path} was not found`)
    }
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, bodyText: string): void => {
    const target = req.url ?? '/'
    const mark = target.indexOf('?')
    const path = mark < 0 ? target : target.slice(0, mark)
    const rawQuery = mark < 0 ? '' : target.slice(mark + 1)
    const query = goParseQuery(rawQuery)
    const log: HarborSimRequest = {
      method: req.method ?? '',
      path,
      route: 'other',
      rawQuery,
      query: Object.fromEntries(query),
      authorization: req.headers.authorization,
      status: 0,
      at: clock.now()
    }
    requests.push(log)
    if (path.startsWith('/_sim/')) {
      log.route = 'control'
      serveControl(req.method ?? '', path, bodyText, plainControlReply(res, log), controlRoutes(query))
      return
    }
    const which = route(path)
    log.route = which
    const fault = which === 'other' ? undefined : faults.take(which)
    answerWithFault(res, log, fault, timers, harborStyle, () => answer(req, log, rawQuery, query))
  }

  const controlRoutes = (query: Map<string, string>): SimControlRoutes => {
    const table = (value: unknown): HarborTable => (value === 'legacy' ? 'legacy' : value === 'ext' ? 'ext' : liveTable)
    return {
      ...commonControlRoutes<SimFault, FaultMatch<HarborRoute>>(requests, faults),
      'GET /_sim/rows': () => ({ rows: tables[table(query.get('table'))] }),
      'POST /_sim/rows': (body) => {
        const added = addRows(Array.isArray(body['rows']) ? (body['rows'] as Array<Omit<HarborSimRow, 'id'>>) : Number(body['count'] ?? 1), {
          table: table(body['table']),
          hold: Number(body['hold'] ?? 0)
        })
        return { added: added.map((row) => row.id) }
      },
      'POST /_sim/release': () => {
        release()
        return { ok: true }
      },
      'POST /_sim/mask-user': (body) => ({ masked: maskUsername(String(body['username'])) }),
      'POST /_sim/purge': (body) => ({ removed: purge(Number(body['before']), body['table'] === undefined ? undefined : table(body['table'])) })
    }
  }

  const server = await startSimServer(options, timers, handle)
  const { port, url } = server

  return {
    url,
    port,
    clock,
    get version() {
      return version
    },
    get hasExt() {
      return hasExt
    },
    upgrade: (to) => {
      version = to
      hasExt = versionHasExt(to)
      liveTable = hasExt ? 'ext' : 'legacy'
    },
    users,
    principal,
    rows: (table) => tables[table].map((row) => ({ ...row })),
    visibleTo,
    addRows,
    release,
    maskUsername,
    purge,
    inject: (fault, match) => faults.inject(fault, match),
    clearFaults: () => faults.clear(),
    requests,
    get signIns() {
      return signIns
    },
    close: () => server.close()
  }
}

// Standalone: `node --import tsx test/sim/harbor.ts --events N [--legacy-events N] [--seed S]
// [--port 0] [--version v2.13.1]`.
runStandaloneSim(import.meta.url, async (args) => {
  const sim = await startHarborSim({
    events: args.number('events') ?? 0,
    legacyEvents: args.number('legacy-events'),
    seed: args.number('seed') ?? 1,
    port: args.number('port') ?? 0,
    ...(args.has('version') ? { version: args.get('version') } : {})
  })
  return {
    sim,
    ready: () => ({
      url: sim.url,
      port: sim.port,
      version: sim.version,
      users: sim.users,
      events: sim.rows(sim.hasExt ? 'ext' : 'legacy').length,
      legacyEvents: sim.hasExt ? sim.rows('legacy').length : 0
    })
  }
})
