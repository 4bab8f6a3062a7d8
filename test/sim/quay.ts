import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import http from 'node:http'
import {
  compareNewestFirst,
  formatRfc822,
  generateQuayLogs,
  makeQuayLog,
  QUAY_SIM_ORG,
  QUAY_SIM_PEOPLE,
  QUAY_SIM_REPOSITORIES,
  toWireLog,
  type QuaySimLog
} from './quay-events'
import { FaultQueue, htmlPage, seededRandom, type FaultMatch, type FaultStyle, type SimFault } from './sim-faults'
import { answerWithFault, commonControlRoutes, plainControlReply, runStandaloneSim, serveControl, SimTimers, startSimServer, type SimAnswer, type SimControlRoutes } from './sim-server'

/**
 * A Red Hat Quay simulator on a loopback port, faithful to sources/6-quay.md (quay/quay at
 * ffba0c70, `endpoints/api/logs.py`, `util/pagination.py`, the two logs backends):
 *
 * - OAuth bearer tokens only (`Authorization: Bearer`); an unknown token is no authentication.
 *   `GET /api/v1/user/` answers the token's user with the user:read scope, 403
 *   insufficient_scope without it, 401 invalid_token without a valid token.
 * - `GET /api/v1/organization/{org}/logs` (scope org:admin and an admin of the org) and
 *   `GET /api/v1/repository/{ns}/{repo}/logs` (scope repo:admin and an admin of the repository or
 *   its org; 404 for a repository that does not exist, to an admin). Refusals are Quay's
 *   `Unauthorized`: 401 invalid_token without a user, else 403 insufficient_scope — also for an
 *   organisation that does not exist. Errors are problem+json (`detail`, `error_message`,
 *   `error_type`, `title`, `type`, `status`).
 * - `starttime`/`endtime` as `%m/%d/%Y` in UTC; a value that does not parse is silently replaced by
 *   the default (now − 1 day, and now), `endtime` gets one day added, an end before the start is a
 *   bare 400. The answer echoes `start_time`/`end_time` (RFC 822) and lists `logs` newest first,
 *   20 per page, `next_page` while more remain.
 * - `next_page` tokens are encrypted and live 2 days (`pageTokenTtlMs`); an expired or garbled
 *   token — or any token after `invalidatePageTokens()` (a new PAGE_TOKEN_KEY) — silently gives
 *   the FIRST page. Backend `elasticsearch` (default) pages with search_after on (datetime,
 *   random_id); `database` pages by datetime and an offset within it, and, as the legacy-table walk
 *   does, ends every window with a `{"tti"}` token whose page is empty. `maxPage`
 *   (ACTION_LOG_MAX_PAGE) answers an empty page past that many pages.
 * - Logs older than `retentionDays` (action log rotation, default 30; null keeps them) are gone.
 * - `searchUnavailable`: `{"logs": [], "search_unavailable": true, "message": …}`.
 * - 429 is nginx's HTML page (with the header the fault names).
 * - The performer's avatar is computed at answer time from the user's current e-mail
 *   (`setEmail` changes it on every old record, as in Quay).
 *
 * Faults are injected per route (`inject(fault, { route })`, default `logs`); `/_sim/*` offers the
 * same over HTTP for a simulator running as its own process (`node --import tsx test/sim/quay.ts
 * --logs N --seed S --port 0 [--backend database] [--retention-days N]` prints `{"url":…}` when
 * ready).
 */

export type QuayRoute = 'logs' | 'user'

export interface QuaySimToken {
  token: string
  username: string
  /** OAuth scopes: org:admin, repo:admin, user:read … */
  scopes: string[]
  /** Organisations (`acme`) and repositories (`acme/app`) the user administers. */
  admin: string[]
}

export interface SimClock {
  now(): number
}

export interface QuaySimOptions {
  tokens?: QuaySimToken[]
  logs?: number
  seed?: number
  /** Explicit logs instead of generated ones (any order). */
  records?: QuaySimLog[]
  /** End of the generated logs; default the clock's now. */
  endTime?: number
  /** Days the generated logs span; default 10. */
  days?: number
  clock?: SimClock
  /** Default 30; null keeps every log. */
  retentionDays?: number | null
  /** Default 2 days. */
  pageTokenTtlMs?: number
  backend?: 'elasticsearch' | 'database'
  /** ACTION_LOG_MAX_PAGE; default none. */
  maxPage?: number
  searchUnavailable?: boolean
  /** Repositories that exist (`ns/name`); default acme's and those the logs name. */
  repositories?: string[]
  host?: string
  port?: number
  tls?: { key: string; cert: string }
  urlHost?: string
}

export interface SimRequest {
  method: string
  path: string
  route: QuayRoute | 'control' | 'other'
  query: Record<string, string>
  authorization: string | undefined
  status: number
  fault?: SimFault['kind']
  at: number
}

export interface QuaySim {
  url: string
  port: number
  clock: SimClock
  tokens: QuaySimToken[]
  /** The default token: org:admin, repo:admin and user:read for alice, an admin of acme. */
  admin: QuaySimToken
  /** Every log the server holds (rotation not applied), newest first (a copy). */
  readonly logs: QuaySimLog[]
  /** The logs of a scope the API can still show now (rotation applied), newest first. */
  visible(scope: { namespace: string; repository?: string }): QuaySimLog[]
  /** Adds logs: `count` new ones at the clock's now, or these. */
  addLogs(countOrLogs: number | QuaySimLog[]): QuaySimLog[]
  /** A new PAGE_TOKEN_KEY: every token given so far silently leads to the first page. */
  invalidatePageTokens(): void
  /** Changes a user's e-mail, hence the avatar hash on all of their records. */
  setEmail(username: string, email: string): void
  /** The wire form of a log, as the API would send it now. */
  wire(log: QuaySimLog): Record<string, unknown>
  inject(fault: SimFault, match?: FaultMatch<QuayRoute>): void
  clearFaults(): void
  readonly requests: SimRequest[]
  /** `/api/v1/user/` requests with a valid token. */
  readonly signIns: number
  /** Tokens given that did not decrypt or had expired (answered with the first page). */
  readonly pageTokensRefused: number
  close(): Promise<void>
}

const DEFAULT_TOKENS: QuaySimToken[] = [
  { token: 'quay-oauth-admin-Yx8Qd0vM3kPz7LwT2nRb5HcJ', username: 'alice', scopes: ['org:admin', 'repo:admin', 'user:read'], admin: ['acme'] },
  { token: 'quay-oauth-orgonly-Fq2Wm9Ls4Xv1Nd6Tz3Kc8Hr0', username: 'alice', scopes: ['org:admin'], admin: ['acme'] },
  { token: 'quay-oauth-repo-Pk5Hs8Dn2Qw7Vm4Lx9Bt1Gz6', username: 'bob', scopes: ['repo:admin', 'user:read'], admin: ['acme/app'] }
]

const PAGE_SIZE = 20
const DAY_MS = 86_400_000

type PagePosition =
  | { kind: 'es'; at: number; rid: string; page: number }
  | { kind: 'db'; at: number; skip: number; page: number }
  | { kind: 'tti'; table: number }

export async function startQuaySim(options: QuaySimOptions = {}): Promise<QuaySim> {
  const tokens = options.tokens ?? DEFAULT_TOKENS
  const admin = tokens[0]!
  const clock: SimClock = options.clock ?? { now: Date.now }
  const seed = options.seed ?? 1
  const retentionMs = options.retentionDays === null ? null : (options.retentionDays ?? 30) * DAY_MS
  const ttlMs = options.pageTokenTtlMs ?? 2 * DAY_MS
  const backend = options.backend ?? 'elasticsearch'

  let logs: QuaySimLog[] = [
    ...(options.records ?? generateQuayLogs(options.logs ?? 0, seed, { endTime: options.endTime ?? clock.now(), days: options.days }))
  ].sort(compareNewestFirst)
  const repositories = new Set(options.repositories ?? QUAY_SIM_REPOSITORIES.map((name) => `${QUAY_SIM_ORG}/${name}`))
  if (!options.repositories) for (const log of logs) if (log.repository !== null) repositories.add(`${log.namespace}/${log.repository}`)
  const emails = new Map<string, string>(QUAY_SIM_PEOPLE.map((person) => [person.name, `${person.name.replace('+', '.')}@acme.example`]))
  const emailOf = (name: string): string => emails.get(name) ?? `${name}@example.org`

  let pageKey = randomBytes(32)
  let signIns = 0
  let pageTokensRefused = 0
  let addCounter = 0
  const faults = new FaultQueue<QuayRoute>('logs')
  const requests: SimRequest[] = []
  const timers = new SimTimers()

  const visible = (scope: { namespace: string; repository?: string }): QuaySimLog[] => {
    const oldest = retentionMs === null ? Number.NEGATIVE_INFINITY : clock.now() - retentionMs
    return logs.filter(
      (log) =>
        log.at >= oldest &&
        log.namespace === scope.namespace &&
        (scope.repository === undefined || `${log.namespace}/${log.repository}` === scope.repository)
    )
  }

  const encryptToken = (position: PagePosition): string => {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', pageKey, iv)
    const body = Buffer.concat([cipher.update(JSON.stringify({ p: position, iat: clock.now() }), 'utf8'), cipher.final()])
    return `gAAAAA${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`
  }
  const decryptToken = (token: string): PagePosition | null => {
    try {
      if (!token.startsWith('gAAAAA')) return null
      const raw = Buffer.from(token.slice(6), 'base64url')
      const decipher = createDecipheriv('aes-256-gcm', pageKey, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
      const parsed = JSON.parse(text) as { p: PagePosition; iat: number }
      if (clock.now() - parsed.iat > ttlMs) return null
      return parsed.p
    } catch {
      return null
    }
  }

  const baseHeaders = (): Record<string, string> => ({ date: new Date(clock.now()).toUTCString(), server: 'nginx/1.22.1' })

  const problem = (status: number, type: string, detail: string): unknown => ({
    detail,
    error_message: detail,
    error_type: type,
    title: type,
    type: `${url}/api/v1/error/${type}`,
    status
  })
  const unauthorized = (user: QuaySimToken | undefined): Answer =>
    user === undefined ? json(401, problem(401, 'invalid_token', 'Requires authentication')) : json(403, problem(403, 'insufficient_scope', 'Unauthorized'))

  const quayStyle: FaultStyle = {
    baseHeaders,
    now: () => clock.now(),
    errorBody: (status) => problem(status, status >= 500 ? 'downstream_issue' : 'invalid_request', http.STATUS_CODES[status] ?? 'error'),
    unauthorized: () => ({ headers: {}, body: problem(401, 'invalid_token', 'Requires authentication') }),
    // nginx answers the 429, not Quay: an HTML page, with whatever header the fault asks for.
    rateLimit: (_fault, headers) => ({ headers, body: { text: htmlPage(429), contentType: 'text/html' } })
  }

  type Answer = SimAnswer
  const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value), contentType: 'application/json' })

  const tokenOf = (authorization: string | undefined): QuaySimToken | undefined => {
    const parts = (authorization ?? '').split(' ').filter((part) => part !== '')
    if (parts.length !== 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined
    return tokens.find((candidate) => candidate.token === parts[1])
  }

  /** `_parse_datetime`: `%m/%d/%Y` in UTC, or null. */
  const parseDay = (value: string | undefined): number | null => {
    const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value ?? '')
    if (!match) return null
    const month = Number(match[1])
    const day = Number(match[2])
    const at = Date.UTC(Number(match[3]), month - 1, day)
    const check = new Date(at)
    return check.getUTCMonth() === month - 1 && check.getUTCDate() === day ? at : null
  }

  const logsAnswer = (scope: { namespace: string; repository?: string }, query: Record<string, string>): Answer => {
    const start = parseDay(query['starttime']) ?? clock.now() - DAY_MS
    const end = (parseDay(query['endtime']) ?? clock.now()) + DAY_MS
    if (end < start) {
      return json(400, { message: 'The browser (or proxy) sent a request that this server could not understand.' })
    }
    const head = { start_time: formatRfc822(start), end_time: formatRfc822(end) }
    if (options.searchUnavailable) {
      return json(200, { ...head, logs: [], search_unavailable: true, message: 'Search is not configured for the logs model splunk' })
    }
    const list = visible(scope).filter((log) => log.at >= start && log.at < end)
    let position: PagePosition | null = null
    if (query['next_page'] !== undefined) {
      position = decryptToken(query['next_page'])
      if (position === null) pageTokensRefused++
    }
    let rest: QuaySimLog[]
    let pageNumber = 0
    if (position === null) {
      rest = list
    } else if (position.kind === 'tti') {
      // The legacy tables (LogEntry2, LogEntry) hold nothing here.
      return json(200, { ...head, logs: [] })
    } else if (position.kind === 'es') {
      const after = position
      rest = list.filter((log) => log.at < after.at || (log.at === after.at && log.rid < after.rid))
      pageNumber = position.page
    } else {
      const from = position
      const sameSecond = list.filter((log) => log.at === from.at)
      rest = [...sameSecond.slice(from.skip), ...list.filter((log) => log.at < from.at)]
      pageNumber = position.page
    }
    if (options.maxPage !== undefined && pageNumber + 1 > options.maxPage) return json(200, { ...head, logs: [] })
    const page = rest.slice(0, PAGE_SIZE)
    const body: Record<string, unknown> = { ...head, logs: page.map((log) => toWireLog(log, emailOf)) }
    if (rest.length > PAGE_SIZE) {
      const last = page[PAGE_SIZE - 1]!
      if (backend === 'elasticsearch') {
        body['next_page'] = encryptToken({ kind: 'es', at: last.at, rid: last.rid, page: pageNumber + 1 })
      } else {
        const next = rest[PAGE_SIZE]!
        const served = list.filter((log) => log.at === next.at).findIndex((log) => log === next)
        body['next_page'] = encryptToken({ kind: 'db', at: next.at, skip: served, page: pageNumber + 1 })
      }
    } else if (backend === 'database') {
      body['next_page'] = encryptToken({ kind: 'tti', table: 1 })
    }
    return json(200, body)
  }

  const routeOf = (path: string): { route: QuayRoute; scope?: { namespace: string; repository?: string } } | undefined => {
    if (path === '/api/v1/user/') return { route: 'user' }
    const org = /^\/api\/v1\/organization\/([^/]+)\/logs$/.exec(path)
    if (org) return { route: 'logs', scope: { namespace: decodeURIComponent(org[1]!) } }
    const repo = /^\/api\/v1\/repository\/([^/]+)\/(.+)\/logs$/.exec(path)
    if (repo) {
      const namespace = decodeURIComponent(repo[1]!)
      return { route: 'logs', scope: { namespace, repository: `${namespace}/${repo[2]!.split('/').map(decodeURIComponent).join('/')}` } }
    }
    return undefined
  }

  const answer = (method: string, log: SimRequest, scope: { namespace: string; repository?: string } | undefined): Answer => {
    if (log.route === 'other') return json(404, problem(404, 'not_found', 'Not Found'))
    if (method !== 'GET') return json(405, { message: 'The method is not allowed for the requested URL.' })
    const user = tokenOf(log.authorization)
    if (log.route === 'user') {
      if (user === undefined) return unauthorized(undefined)
      signIns++
      if (!user.scopes.includes('user:read') && !user.scopes.includes('user:admin')) return unauthorized(user)
      return json(200, {
        anonymous: false,
        username: user.username,
        avatar: { name: user.username, hash: '0'.repeat(32), color: '#17becf', kind: 'user' },
        can_create_repo: true,
        is_me: true,
        verified: true,
        organizations: [{ name: QUAY_SIM_ORG, is_org_admin: user.admin.includes(QUAY_SIM_ORG) }]
      })
    }
    const target = scope!
    if (target.repository === undefined) {
      if (user === undefined || !user.scopes.includes('org:admin') || !user.admin.includes(target.namespace)) return unauthorized(user)
      return logsAnswer(target, log.query)
    }
    if (user === undefined || !user.scopes.includes('repo:admin') || !(user.admin.includes(target.repository) || user.admin.includes(target.namespace))) {
      return unauthorized(user)
    }
    if (!repositories.has(target.repository)) return json(404, problem(404, 'not_found', 'Not Found'))
    return logsAnswer(target, log.query)
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse, bodyText: string): void => {
    const parsedUrl = new URL(req.url ?? '/', 'http://sim.invalid')
    const log: SimRequest = {
      method: req.method ?? '',
      path: parsedUrl.pathname,
      route: 'other',
      query: Object.fromEntries(parsedUrl.searchParams),
      authorization: req.headers.authorization,
      status: 0,
      at: clock.now()
    }
    requests.push(log)
    if (log.path.startsWith('/_sim/')) {
      log.route = 'control'
      serveControl(req.method ?? '', log.path, bodyText, plainControlReply(res, log), controlRoutes())
      return
    }
    const which = routeOf(log.path)
    if (which) log.route = which.route
    const fault = which ? faults.take(which.route) : undefined
    answerWithFault(res, log, fault, timers, quayStyle, () => answer(req.method ?? '', log, which?.scope))
  }

  const addLogs = (countOrLogs: number | QuaySimLog[]): QuaySimLog[] => {
    let added: QuaySimLog[]
    if (typeof countOrLogs === 'number') {
      const random = seededRandom(seed * 7919 + ++addCounter)
      const at = Math.floor(clock.now() / 1000) * 1000
      added = Array.from({ length: countOrLogs }, (_, i) => makeQuayLog(random, i % 3 === 0 ? 'pull_repo' : 'push_repo', at - i * 1000))
    } else {
      added = countOrLogs
    }
    for (const log of added) if (log.repository !== null) repositories.add(`${log.namespace}/${log.repository}`)
    logs = [...logs, ...added].sort(compareNewestFirst)
    return added
  }

  const controlRoutes = (): SimControlRoutes => ({
    ...commonControlRoutes<SimFault, FaultMatch<QuayRoute>>(requests, faults),
    'GET /_sim/logs': () => ({ logs: logs.map((entry) => toWireLog(entry, emailOf)) }),
    'POST /_sim/logs': (body) => ({ added: addLogs(Number(body['count'] ?? 1)).length }),
    'POST /_sim/invalidate-page-tokens': () => {
      pageKey = randomBytes(32)
      return { ok: true }
    }
  })

  const server = await startSimServer(options, timers, handle)
  const { port, url } = server

  return {
    url,
    port,
    clock,
    tokens,
    admin,
    get logs() {
      return [...logs]
    },
    visible,
    addLogs,
    invalidatePageTokens: () => {
      pageKey = randomBytes(32)
    },
    setEmail: (username, email) => {
      emails.set(username, email)
    },
    wire: (entry) => toWireLog(entry, emailOf),
    inject: (fault, match) => faults.inject(fault, match),
    clearFaults: () => faults.clear(),
    requests,
    get signIns() {
      return signIns
    },
    get pageTokensRefused() {
      return pageTokensRefused
    },
    close: () => server.close()
  }
}

// Standalone: `node --import tsx test/sim/quay.ts --logs N --seed S --port 0 [--backend database]
// [--retention-days N] [--max-page N]`.
runStandaloneSim(import.meta.url, async (args) => {
  const backend = args.get('backend')
  if (backend !== undefined && backend !== 'database' && backend !== 'elasticsearch') throw new Error(`unknown --backend ${backend}`)
  const sim = await startQuaySim({
    logs: args.number('logs') ?? 0,
    seed: args.number('seed') ?? 1,
    port: args.number('port') ?? 0,
    ...(backend ? { backend } : {}),
    ...(args.has('retention-days') ? { retentionDays: args.number('retention-days') } : {}),
    ...(args.has('max-page') ? { maxPage: args.number('max-page') } : {})
  })
  return {
    sim,
    ready: () => ({ url: sim.url, port: sim.port, org: QUAY_SIM_ORG, tokens: sim.tokens, logs: sim.visible({ namespace: QUAY_SIM_ORG }).length })
  }
})
