import type { Account } from '../../../shared/account'
import { quayOptionsSchema } from '../../../shared/account-options/quay'
import type { NormalisedEvent } from '../../../shared/event'
import { AppError } from '../errors'
import { hostOf, type HttpResponse } from '../net/http-client'
import { parseJsonBody, serverErrorText } from '../net/json-body'
import type { ConnectionTestResult, Connector, ConnectorContext, SourcePage } from './connector'
import { applyQuayPage, readQuayCursor, restartDay, startQuayRun, type QuayCursor, type QuayRun } from './quay-cursor'
import { addDays, quayDayParam, utcDayOf } from './quay-date'
import { normaliseQuayRecord } from './quay-normalise'
import { parseQuayLogsPage, type QuayLogsPage } from './quay-page'
import { createSourceHttp, readSourceOptions, sourceBaseUrl, sourceUrl, type SourceHttpDeps } from './source-http'

/**
 * Red Hat Quay / quay.io usage logs (sources/6-quay.md).
 *
 * Streams: one per scope — `org:<org>` (`GET /api/v1/organization/{org}/logs`, which holds every
 * repository's events of the organisation) or, with the `repositories` option, `repo:<ns>/<name>`
 * for each (`GET /api/v1/repository/{ns}/{name}/logs`) instead. Each stream keeps its own cursor;
 * see quay-cursor.ts for the day-by-day walk, record identity and expired page tokens.
 *
 * Authentication: the account's secret is an OAuth access token, sent as `Authorization: Bearer`;
 * it is read with `getToken()` for every request and never kept. Signing in: `GET /api/v1/user/`
 * tells whether the token is valid (401 when it is not; 403 when it is valid but lacks the
 * user:read scope, which the logs do not need), and its Date header gives the server's day. A 401
 * on a logs request re-reads the token and signs in again, once.
 *
 * Errors: the token without the scope (org:admin, repo:admin) or its user without admin rights
 * get 403 — also for an organisation that does not exist, which Quay does not tell apart.
 */

export const QUAY_DEFAULTS = {
  /** Days of history the first sync reads, today included. */
  backfillDays: 30,
  /** Days before the previous run's last day read again. */
  overlapDays: 1,
  /** A stored `next_page` older than this is not tried (the server keeps them 2 days). */
  pageTokenMaxAgeMs: 86_400_000,
  /** Times one day may come back from its first page before the walk gives up. */
  maxRestartsPerDay: 3,
  /** Pages of one day before the walk gives up (a server that never ends a day). */
  maxPagesPerDay: 50_000
} as const

export type QuayConnectorDeps = SourceHttpDeps & {
  /** Default one day. */
  pageTokenMaxAgeMs?: number
}

/** One log the account reads. */
export interface QuayScope {
  stream: string
  kind: 'org' | 'repo'
  /** The organisation, or the repository's namespace. */
  namespace: string
  /** `namespace/name` for a repository scope. */
  repository?: string
}

/** The scopes (streams) of an account's options: the organisation, or each listed repository. */
export function quayScopes(options: { org: string; repositories?: readonly string[] }): QuayScope[] {
  if (options.repositories === undefined || options.repositories.length === 0) {
    return [{ stream: `org:${options.org}`, kind: 'org', namespace: options.org }]
  }
  return options.repositories.map((repository) => ({
    stream: `repo:${repository}`,
    kind: 'repo',
    namespace: repository.slice(0, repository.indexOf('/')),
    repository
  }))
}

function describeScope(scope: QuayScope): string {
  return scope.kind === 'org' ? `organisation ${scope.namespace}` : `repository ${scope.repository}`
}

function logsPath(scope: QuayScope): string {
  if (scope.kind === 'org') return `/api/v1/organization/${encodeURIComponent(scope.namespace)}/logs`
  return `/api/v1/repository/${scope.repository!.split('/').map(encodeURIComponent).join('/')}/logs`
}

/**
 * Quay's problem+json error (`{detail, error_message, error_type, title, type, status}`) as
 * "detail (error_type)", cleaned like serverErrorText.
 */
export function quayErrorText(response: HttpResponse, secrets: readonly string[] = []): string | undefined {
  const said = serverErrorText(response, secrets)
  let type: unknown
  try {
    type = (JSON.parse(response.body.toString('utf8')) as { error_type?: unknown } | null)?.error_type
  } catch {
    type = undefined
  }
  const typeText = typeof type === 'string' && /^[a-z_]{1,60}$/.test(type) ? type : undefined
  if (said === undefined) return typeText
  return typeText && !said.includes(typeText) ? `${said} (${typeText})` : said
}

export function createQuayConnector(account: Account, deps: QuayConnectorDeps = {}): Connector {
  const name = account.name
  const options = readSourceOptions(quayOptionsSchema, account.options, 'Quay', name)
  const base = sourceBaseUrl(account.url, 'Quay', name)
  const host = hostOf(base)
  const scopes = quayScopes(options)
  const settings = {
    backfillDays: options.backfillDays ?? QUAY_DEFAULTS.backfillDays,
    overlapDays: options.overlapDays ?? QUAY_DEFAULTS.overlapDays
  }
  const tokenMaxAgeMs = deps.pageTokenMaxAgeMs ?? QUAY_DEFAULTS.pageTokenMaxAgeMs
  const http = createSourceHttp({ account: name, ...(options.caFile ? { caFile: options.caFile } : {}), deps })

  /** Server clock minus ours, from the last Date header. */
  let skewMs = 0
  const serverNow = (): number => http.now() + skewMs

  const secretOf = async (ctx: ConnectorContext): Promise<string> => {
    const secret = await ctx.getToken()
    if (typeof secret !== 'string' || secret.trim() === '') {
      throw new AppError('NO_TOKEN', `${name}: no token is stored for this account`, { account: name })
    }
    return secret.trim()
  }

  const send = async (ctx: ConnectorContext, url: URL, secret: string): Promise<HttpResponse> => {
    const response = await http.send(ctx, { url, headers: { authorization: `Bearer ${secret}` }, secrets: [secret] })
    const date = response.headers['date'] ? Date.parse(response.headers['date']) : Number.NaN
    if (!Number.isNaN(date)) skewMs = date - http.now()
    return response
  }

  interface SignIn {
    /** The token's user, when the token may say (user:read scope). */
    username: string | null
  }
  let signedIn: Promise<SignIn> | undefined

  const signIn = async (ctx: ConnectorContext): Promise<SignIn> => {
    const secret = await secretOf(ctx)
    const url = sourceUrl(base, '/api/v1/user/')
    const response = await send(ctx, url, secret)
    const said = quayErrorText(response, [secret])
    if (response.status === 401) {
      throw new AppError(
        'AUTH_FAILED',
        `${name}: ${host} did not accept the token (HTTP 401${said ? `: ${said}` : ''}); it may be mistyped, expired or revoked — ` +
          'generate an OAuth access token in the organisation\'s OAuth application (robot tokens and passwords do not work on this API)',
        { account: name, status: 401 }
      )
    }
    // Valid token without the user:read scope: the logs do not need it.
    if (response.status === 403) return { username: null }
    if (response.status === 404) {
      throw new AppError('NOT_FOUND', `${name}: ${host} has no Quay API (HTTP 404 for /api/v1/user/); check the account URL`, {
        account: name,
        status: 404
      })
    }
    if (response.status !== 200) throw http.unexpected(response, [secret], '/api/v1/user/')
    const body = parseJsonBody(response, name)
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('BAD_RESPONSE', `${name}: bad response from ${host} for /api/v1/user/: expected a JSON object`, { account: name })
    }
    const username = (body as Record<string, unknown>)['username']
    return { username: typeof username === 'string' && username !== '' ? username : null }
  }

  const currentSignIn = (ctx: ConnectorContext): Promise<SignIn> => {
    signedIn ??= signIn(ctx)
    signedIn.catch(() => (signedIn = undefined))
    return signedIn
  }

  /** One logs answer for `[startDay, endDay]`; a 401 signs in again once. */
  const getLogs = async (ctx: ConnectorContext, scope: QuayScope, startDay: string, endDay: string, token: string | null): Promise<unknown> => {
    const query: Record<string, string> = { starttime: quayDayParam(startDay), endtime: quayDayParam(endDay) }
    if (token !== null) query['next_page'] = token
    const url = sourceUrl(base, logsPath(scope), query)
    let signedInAgain = false
    for (;;) {
      await currentSignIn(ctx)
      const secret = await secretOf(ctx)
      const response = await send(ctx, url, secret)
      if (response.status === 200) return parseJsonBody(response, name)
      const said = quayErrorText(response, [secret])
      if (response.status === 401) {
        if (signedInAgain) {
          throw new AppError(
            'AUTH_FAILED',
            `${name}: ${host} refused the token for the usage logs of ${describeScope(scope)} ` +
              `(HTTP 401 again right after signing in${said ? `: ${said}` : ''})`,
            { account: name, status: 401 }
          )
        }
        signedInAgain = true
        signedIn = undefined
        await currentSignIn(ctx)
        ctx.notify({ type: 'reauthenticated' })
        continue
      }
      if (response.status === 403) {
        const scopeNeeded =
          scope.kind === 'org'
            ? `the org:admin scope ("Administer Organization") and a user who administers ${scope.namespace}`
            : `the repo:admin scope ("Administer Repositories") and a user who administers ${scope.repository}`
        throw new AppError(
          'PERMISSION',
          `${name}: ${host} refused the usage logs of ${describeScope(scope)} (HTTP 403${said ? `: ${said}` : ''}); ` +
            `the token needs ${scopeNeeded} — or the ${scope.kind === 'org' ? 'organisation' : 'repository'} does not exist`,
          { account: name, status: 403 }
        )
      }
      if (response.status === 404) {
        throw new AppError(
          'NOT_FOUND',
          `${name}: ${host} has no ${describeScope(scope)} (HTTP 404${said ? `: ${said}` : ''}); check the name and the account URL`,
          { account: name, status: 404 }
        )
      }
      if (response.status === 400) {
        throw new AppError(
          'BAD_RESPONSE',
          `${name}: ${host} refused the request for the usage logs of ${describeScope(scope)} from ${startDay} to ${endDay} ` +
            `(HTTP 400${said ? `: ${said}` : ''})`,
          { account: name, status: 400 }
        )
      }
      throw http.unexpected(response, [secret], `the usage logs of ${describeScope(scope)}`)
    }
  }

  const fetchDayPage = async (ctx: ConnectorContext, scope: QuayScope, run: QuayRun): Promise<{ page: QuayLogsPage; where: string }> => {
    const where = `the usage logs of ${describeScope(scope)} for ${run.day}, page ${run.pages + 1}`
    const body = await getLogs(ctx, scope, run.day, run.day, run.token)
    return { page: parseQuayLogsPage(body, { account: name, where }), where }
  }

  async function* walk(scope: QuayScope, cursor: unknown, ctx: ConnectorContext): AsyncGenerator<SourcePage> {
    let state: QuayCursor = readQuayCursor(cursor, scope.stream, name)
    // Sign in first: the answer's Date header tells the server's day, which ends the run.
    await currentSignIn(ctx)
    if (!state.run) state = { ...state, run: startQuayRun(state, serverNow(), settings) }
    let restarts = 0
    let warnedOutside = false
    for (;;) {
      let run = state.run!
      if (run.token !== null && run.tokenAt !== null && Math.abs(http.now() - run.tokenAt) > tokenMaxAgeMs) {
        ctx.notify({
          type: 'warning',
          message:
            `${name}: the stored page position in ${run.day} of ${describeScope(scope)} is too old to use ` +
            `(quay's page tokens expire after 2 days); reading ${run.day} again from its first page`
        })
        run = restartDay(run)
        state = { ...state, run }
      }
      if (run.pages >= QUAY_DEFAULTS.maxPagesPerDay) {
        throw new AppError('BAD_RESPONSE', `${name}: ${host} did not end ${run.day} of ${describeScope(scope)} after ${run.pages} pages; the walk stops`, {
          account: name
        })
      }
      const { page, where } = await fetchDayPage(ctx, scope, run)
      if (run.token !== null && page.nextPage === run.token) {
        throw new AppError('BAD_RESPONSE', `${name}: bad response from quay for ${where}: it sent back the next_page token it was given; the walk stops`, {
          account: name
        })
      }
      const current = state as QuayCursor & { run: QuayRun }
      let step = applyQuayPage(current, page, http.now(), { account: name, where })
      if (step.kind === 'restarted') {
        restarts++
        if (restarts > QUAY_DEFAULTS.maxRestartsPerDay) {
          throw new AppError(
            'BAD_RESPONSE',
            `${name}: ${host} keeps answering the first page of ${run.day} of ${describeScope(scope)} instead of the page ` +
              `its next_page token names (${restarts} times); the walk stops`,
            { account: name }
          )
        }
        ctx.notify({
          type: 'warning',
          message:
            `${name}: quay did not accept the page position in ${run.day} of ${describeScope(scope)} (an expired next_page ` +
            `token) and answered with the day's first page; reading ${run.day} again from there`
        })
        // The answer IS the day's first page: take it as such, with fresh counts.
        const fresh = { ...current, run: restartDay(run) }
        step = applyQuayPage(fresh, page, http.now(), { account: name, where })
        if (step.kind === 'restarted') throw new AppError('INTERNAL', `${name}: a first page was taken for a restart`, { account: name })
      }
      if (step.outside > 0 && !warnedOutside) {
        warnedOutside = true
        ctx.notify({
          type: 'warning',
          message: `${name}: quay returned usage logs outside the day asked for (${where}); they were left out and are read with their own day`
        })
      }
      yield { records: step.records, cursor: step.cursor }
      if (step.done) return
      if (step.cursor.run!.day !== run.day) restarts = 0
      state = step.cursor
    }
  }

  const scopeOf = (stream: string): QuayScope => {
    const scope = scopes.find((candidate) => candidate.stream === stream)
    if (!scope) throw new AppError('INVALID_INPUT', `${name}: this Quay account has no stream "${stream}"`, { account: name })
    return scope
  }

  return {
    kind: 'quay',
    streams: () => scopes.map((scope) => scope.stream),
    pages(stream, cursor, ctx) {
      return walk(scopeOf(stream), cursor, ctx)
    },
    normalise(stream, raw): NormalisedEvent {
      const scope = scopeOf(stream)
      return normaliseQuayRecord(raw, {
        account: name,
        namespace: scope.namespace,
        ...(scope.repository === undefined ? {} : { repository: scope.repository })
      })
    },
    async testConnection(ctx): Promise<ConnectionTestResult> {
      signedIn = undefined
      const who = await currentSignIn(ctx)
      const details = [
        who.username !== null
          ? `signed in to ${host} as ${who.username}`
          : `${host} accepted the token (without the user:read scope it does not say whose it is)`
      ]
      const today = utcDayOf(serverNow())
      const yesterday = addDays(today, -1)
      for (const scope of scopes) {
        const body = await getLogs(ctx, scope, yesterday, today, null)
        const page = parseQuayLogsPage(body, { account: name, where: `the usage logs of ${describeScope(scope)}` })
        const newest = page.records[0]
        details.push(
          newest
            ? `${describeScope(scope)}: usage logs readable; newest since ${yesterday}: ${normaliseQuayRecord(newest.raw, {
                namespace: scope.namespace
              }).label} at ${new Date(newest.at).toISOString()}`
            : `${describeScope(scope)}: usage logs readable (none since ${yesterday})`
        )
      }
      return { ok: true, details, warnings: [] }
    }
  }
}
