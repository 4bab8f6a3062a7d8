import type { Account } from '../../../shared/account'
import { harborOptionsSchema } from '../../../shared/account-options/harbor'
import type { NormalisedEvent } from '../../../shared/event'
import { AppError } from '../errors'
import { hostOf, type HttpResponse } from '../net/http-client'
import { parseJsonBody } from '../net/json-body'
import type { ConnectionTestResult, Connector, ConnectorContext, SourcePage } from './connector'
import { cursorAfterPage, harborPageQuery, readHarborCursor, walkStart } from './harbor-cursor'
import { normaliseHarborRecord } from './harbor-normalise'
import {
  HARBOR_EXT_STREAM,
  HARBOR_LEGACY_STREAM,
  harborSourceEventId,
  parseHarborPage,
  type HarborPage,
  type HarborStream
} from './harbor-page'
import { createSourceHttp, errcodeText, readSourceOptions, sourceBaseUrl, sourceUrl, type SourceHttpDeps } from './source-http'

/**
 * Harbor 2.3+ and Mirantis Secure Registry 4 (which is Harbor) audit logs (sources/5-harbor.md).
 *
 * Streams, each with its own cursor (harbor-cursor.ts walks them by id):
 * - `auditlog-exts`: `GET /api/v2.0/auditlog-exts`, the table Harbor 2.13+ writes;
 * - `audit-logs`: `GET /api/v2.0/audit-logs`, the table of Harbor up to 2.12. After an upgrade to
 *   2.13 it holds only the history from before the upgrade, so both are read where both exist.
 * Which exist is told by the version in `/api/v2.0/systeminfo` (shown to signed-in callers only);
 * without a readable version, `/auditlog-exts` is probed (404 before 2.13).
 *
 * Authentication: HTTP Basic with the username (a user, or a robot account `robot$…`) and the
 * account's secret, read with `getToken()` for every request and never kept. Harbor treats wrong
 * credentials as anonymous rather than refusing them, so signing in is `GET
 * /api/v2.0/users/current`: 401 for wrong credentials, 412 for a robot (not a local user), the
 * user with `sysadmin_flag` otherwise. A 401 on a data request signs in again, once.
 *
 * Permissions: Harbor answers a caller who may not list the whole log with a filtered list, not
 * an error: a non-admin user sees the logs of projects where they hold `log:list`; a robot
 * without the system permission `audit-log:list` sees an empty list. Both are reported as
 * warnings (in `testConnection` and as a notice on each walk), never as "no events". A robot's
 * permission is read from `/api/v2.0/auditlog-exts/events` (2.13+: 403 without it); before 2.13
 * there is no such probe, so an empty log seen by a robot is reported as a likely permission gap.
 */

export const HARBOR_DEFAULTS = {
  /** Records asked for per page (Harbor's maximum; its default is 10). */
  pageSize: 100,
  /** Ids re-read below the highest id stored, on each walk (see harbor-cursor.ts). */
  overlapIds: 100
} as const

/** Harbor refuses `page_size` above this with 422. */
export const HARBOR_MAX_PAGE_SIZE = 100

export type HarborConnectorDeps = SourceHttpDeps

type PrincipalKind = 'admin' | 'user' | 'robot'

interface HarborAccess {
  principal: PrincipalKind
  /** `harbor_version` as reported, e.g. `v2.13.1-1d5b9e5c`; null when not reported. */
  version: string | null
  /** The streams this server has, the live one first. */
  streams: HarborStream[]
  /** Whether the caller may list the whole log; null when it cannot be told (a robot before 2.13). */
  systemAccess: boolean | null
}

/** The warning for a user who is not a system admin. */
export function harborNonAdminWarning(username: string): string {
  return (
    `${username} is not a Harbor system admin: only the audit logs of projects where ${username} is a project admin or ` +
    'maintainer can be read; system events (logins, users, configuration) and other projects are missing'
  )
}

/** The warning for a robot account that Harbor shows an empty list. */
export function harborRobotNoAccessWarning(username: string): string {
  return (
    `${username} lacks the system permission to list audit logs: Harbor answers it with an empty list, not an error, ` +
    'so no events can be read; give the robot account the system permission "audit-log: list" or use a system admin'
  )
}

/** The warning for a robot that sees an empty log where its permission cannot be checked (before 2.13). */
export function harborRobotEmptyWarning(username: string): string {
  return (
    `the audit log looks empty to ${username}: Harbor answers a robot account without the system permission to list ` +
    'audit logs with an empty list rather than an error, so check that the robot account has "audit-log: list"'
  )
}

/** `v2.13.1-1d5b9e5c` → [2, 13]; undefined when unreadable. */
export function harborVersionNumbers(version: string | null): [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version?.trim() ?? '')
  return match ? [Number(match[1]), Number(match[2])] : undefined
}

export function createHarborConnector(account: Account, deps: HarborConnectorDeps = {}): Connector {
  const name = account.name
  const options = readSourceOptions(harborOptionsSchema, account.options, 'Harbor', name)
  const base = sourceBaseUrl(account.url, 'Harbor', name)
  const host = hostOf(base)
  const username = options.username
  const pageSize = deps.pageSize ?? HARBOR_DEFAULTS.pageSize
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > HARBOR_MAX_PAGE_SIZE) {
    throw new AppError('INVALID_INPUT', `${name}: a Harbor page size must be 1–${HARBOR_MAX_PAGE_SIZE}`, { account: name })
  }
  const overlapIds = options.overlapIds ?? HARBOR_DEFAULTS.overlapIds
  const http = createSourceHttp({ account: name, ...(options.caFile ? { caFile: options.caFile } : {}), deps })

  const secretOf = async (ctx: ConnectorContext): Promise<string> => {
    const secret = await ctx.getToken()
    if (typeof secret !== 'string' || secret === '') {
      throw new AppError('NO_TOKEN', `${name}: no token is stored for this account`, { account: name })
    }
    return secret
  }
  const basic = (secret: string): string => `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`
  const secretsOf = (secret: string): string[] => [secret, basic(secret), basic(secret).slice('Basic '.length)]

  const get = async (ctx: ConnectorContext, path: string, query = ''): Promise<{ response: HttpResponse; secrets: string[] }> => {
    const secret = await secretOf(ctx)
    const secrets = secretsOf(secret)
    const url = sourceUrl(base, path)
    url.search = query
    const response = await http.send(ctx, { url, headers: { authorization: basic(secret) }, secrets })
    return { response, secrets }
  }

  const notHarbor = (response: HttpResponse, path: string): AppError =>
    new AppError(
      'NOT_FOUND',
      `${name}: ${host} has no Harbor API (HTTP ${response.status} for ${path}); check the account URL ` +
        '(Harbor and MSR 4 only; DTR and MSR 2.x–3.x are the msr kind)',
      { account: name, status: response.status }
    )

  /** Signs in: checks the credentials and tells a system admin, a user and a robot apart. */
  const signIn = async (ctx: ConnectorContext): Promise<PrincipalKind> => {
    const path = '/api/v2.0/users/current'
    const { response, secrets } = await get(ctx, path)
    if (response.status === 401) {
      const said = errcodeText(response, secrets)
      throw new AppError(
        'AUTH_FAILED',
        `${name}: ${host} did not accept the credentials of ${username} (HTTP 401${said ? `: ${said}` : ''}); ` +
          'check the username (a robot account by its full name, robot$…) and the password or secret',
        { account: name, status: 401 }
      )
    }
    // "get current user not available for security context: robot": signed in, but not a user.
    if (response.status === 412) return 'robot'
    if (response.status === 404) throw notHarbor(response, path)
    if (response.status !== 200) throw http.unexpected(response, secrets, path)
    const body = parseJsonBody(response, name)
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('BAD_RESPONSE', `${name}: bad response from ${host} for ${path}: expected the signed-in user`, { account: name })
    }
    // An admin by flag, or through an LDAP/OIDC admin group (`admin_role_in_auth`), as Harbor's IsSysAdmin.
    const user = body as { sysadmin_flag?: unknown; admin_role_in_auth?: unknown }
    return user.sysadmin_flag === true || user.admin_role_in_auth === true ? 'admin' : 'user'
  }

  let principal: Promise<PrincipalKind> | undefined
  const currentPrincipal = (ctx: ConnectorContext): Promise<PrincipalKind> => {
    principal ??= signIn(ctx)
    principal.catch(() => (principal = undefined))
    return principal
  }

  const readVersion = async (ctx: ConnectorContext): Promise<string | null> => {
    const { response, secrets } = await get(ctx, '/api/v2.0/systeminfo')
    if (response.status === 404) throw notHarbor(response, '/api/v2.0/systeminfo')
    if (response.status !== 200) throw http.unexpected(response, secrets, '/api/v2.0/systeminfo')
    const body = parseJsonBody(response, name)
    const version = (body as { harbor_version?: unknown } | null)?.harbor_version
    return typeof version === 'string' && version.trim() !== '' ? version.trim().slice(0, 100) : null
  }

  /** Whether `/auditlog-exts` exists, for a server whose version does not say. */
  const probeExt = async (ctx: ConnectorContext): Promise<boolean> => {
    const answer = await getList(ctx, HARBOR_EXT_STREAM, 'page=1&page_size=1', null)
    return answer !== 'absent'
  }

  /** Whether a robot may list the whole log: `/auditlog-exts/events` needs the same permission. */
  const probeSystemAccess = async (ctx: ConnectorContext): Promise<boolean | null> => {
    const path = '/api/v2.0/auditlog-exts/events'
    const { response, secrets } = await get(ctx, path)
    if (response.status === 200) return true
    if (response.status === 403) return false
    if (response.status === 404) return null
    throw http.unexpected(response, secrets, path)
  }

  const discover = async (ctx: ConnectorContext): Promise<HarborAccess> => {
    const who = await currentPrincipal(ctx)
    const version = await readVersion(ctx)
    const numbers = harborVersionNumbers(version)
    const hasExt = numbers ? numbers[0] > 2 || (numbers[0] === 2 && numbers[1] >= 13) : await probeExt(ctx)
    const streams: HarborStream[] = hasExt ? [HARBOR_EXT_STREAM, HARBOR_LEGACY_STREAM] : [HARBOR_LEGACY_STREAM]
    let systemAccess: boolean | null = who === 'admin' ? true : who === 'user' ? false : null
    if (who === 'robot' && hasExt) systemAccess = await probeSystemAccess(ctx)
    return { principal: who, version, streams, systemAccess }
  }

  let access: Promise<HarborAccess> | undefined
  const currentAccess = (ctx: ConnectorContext): Promise<HarborAccess> => {
    access ??= discover(ctx)
    access.catch(() => (access = undefined))
    return access
  }

  const accessWarnings = (info: HarborAccess): string[] => {
    if (info.principal === 'user') return [harborNonAdminWarning(username)]
    if (info.principal === 'robot' && info.systemAccess === false) return [harborRobotNoAccessWarning(username)]
    return []
  }

  /**
   * One list request. A 401 signs in again once; 404 answers 'absent' (the endpoint does not exist
   * on this server); anything else but 200 is an error.
   */
  const getList = async (
    ctx: ConnectorContext,
    stream: HarborStream,
    query: string,
    from: number | null,
    order: 'ascending' | 'any' = 'ascending'
  ): Promise<HarborPage | 'absent'> => {
    const path = `/api/v2.0/${stream}`
    let signedInAgain = false
    for (;;) {
      const { response, secrets } = await get(ctx, path, query)
      if (response.status === 401) {
        if (signedInAgain) {
          const said = errcodeText(response, secrets)
          throw new AppError(
            'AUTH_FAILED',
            `${name}: ${host} refused the credentials of ${username} for ${path} ` +
              `(HTTP 401 again right after signing in${said ? `: ${said}` : ''})`,
            { account: name, status: 401 }
          )
        }
        signedInAgain = true
        principal = undefined
        await currentPrincipal(ctx)
        ctx.notify({ type: 'reauthenticated' })
        continue
      }
      if (response.status === 404) return 'absent'
      if (response.status === 403) {
        const said = errcodeText(response, secrets)
        throw new AppError(
          'PERMISSION',
          `${name}: ${host} refused to list ${path} to ${username} (HTTP 403${said ? `: ${said}` : ''})`,
          { account: name, status: 403 }
        )
      }
      if (response.status !== 200) throw http.unexpected(response, secrets, path)
      const body = parseJsonBody(response, name)
      const place = { account: name, host, stream }
      if (order === 'ascending') return parseHarborPage(body, response.headers, place, from)
      // A one-record answer (the newest event, for the connection test) has no order to check.
      return parseHarborPage(Array.isArray(body) ? body.slice(0, 1) : body, response.headers, place, null)
    }
  }

  async function* walk(stream: HarborStream, cursor: unknown, ctx: ConnectorContext): AsyncGenerator<SourcePage> {
    let state = readHarborCursor(cursor, name)
    const info = await currentAccess(ctx)
    if (!info.streams.includes(stream)) return
    const live = info.streams[0] === stream
    if (live) for (const message of accessWarnings(info)) ctx.notify({ type: 'warning', message: `${name}: ${message}` })
    let from = walkStart(state, overlapIds)
    let first = true
    for (;;) {
      const answer = await getList(ctx, stream, harborPageQuery(from, pageSize), from)
      if (answer === 'absent') {
        // The legacy endpoint may go away in a later Harbor; it is only an error where it is the only one.
        if (first && stream === HARBOR_LEGACY_STREAM && info.streams.includes(HARBOR_EXT_STREAM)) return
        throw new AppError('NOT_FOUND', `${name}: ${host} has no /api/v2.0/${stream} (HTTP 404)${info.version ? ` on Harbor ${info.version}` : ''}`, {
          account: name,
          status: 404
        })
      }
      const { records, total } = answer
      if (first && live && state.lastId === null && records.length === 0 && info.principal === 'robot' && info.systemAccess === null) {
        ctx.notify({ type: 'warning', message: `${name}: ${harborRobotEmptyWarning(username)}` })
      }
      first = false
      if (records.length === 0) return
      state = cursorAfterPage(state, records.map((record) => record.id))
      yield {
        records: records.map((record) => ({ sourceEventId: harborSourceEventId(stream, record.id), raw: record.raw })),
        cursor: state
      }
      // The count says whether more rows match (a server or proxy capping page_size still pages on);
      // without one, a short page is the last.
      if (total !== null ? total <= records.length : records.length < pageSize) return
      from = records[records.length - 1]!.id + 1
    }
  }

  const streams = [HARBOR_EXT_STREAM, HARBOR_LEGACY_STREAM]
  const checkStream = (stream: string): HarborStream => {
    if (stream === HARBOR_EXT_STREAM || stream === HARBOR_LEGACY_STREAM) return stream
    throw new AppError('INVALID_INPUT', `${name}: a Harbor account has no stream "${stream}"`, { account: name })
  }

  return {
    kind: 'harbor',
    streams: () => [...streams],
    pages(stream, cursor, ctx) {
      return walk(checkStream(stream), cursor, ctx)
    },
    normalise(stream, raw): NormalisedEvent {
      checkStream(stream)
      return normaliseHarborRecord(raw, { account: name })
    },
    async testConnection(ctx): Promise<ConnectionTestResult> {
      principal = undefined
      access = undefined
      const info = await currentAccess(ctx)
      const who = info.principal === 'admin' ? 'system admin' : info.principal === 'robot' ? 'robot account' : 'user, not a system admin'
      const details = [`signed in to ${host} as ${username} (${who})`]
      details.push(
        `Harbor ${info.version ?? '(version not reported)'}; audit logs read from ${info.streams.map((stream) => `/api/v2.0/${stream}`).join(' and ')}` +
          (info.streams.length > 1 ? ' (the second holds the history from before Harbor 2.13)' : '')
      )
      const warnings = accessWarnings(info)
      let seen = 0
      for (const stream of info.streams) {
        const answer = await getList(ctx, stream, 'sort=-id&page=1&page_size=1', null, 'any')
        if (answer === 'absent') {
          details.push(`/api/v2.0/${stream}: not on this server`)
          continue
        }
        const newest = answer.records[0]
        const count = answer.total ?? (newest ? 'some' : 0)
        if (newest) {
          seen++
          const event = normaliseHarborRecord(newest.raw)
          details.push(`/api/v2.0/${stream}: ${count} events readable; newest ${new Date(event.occurred_at).toISOString()} ${event.label}`)
        } else {
          details.push(`/api/v2.0/${stream}: no events readable`)
        }
      }
      if (seen === 0 && info.principal === 'robot' && info.systemAccess === null) warnings.push(harborRobotEmptyWarning(username))
      return { ok: true, details, warnings }
    }
  }
}
