import { dockerHubOptionsSchema, type Account, type DockerHubOptions } from '../../../shared/account'
import type { NormalisedEvent } from '../../../shared/event'
import { AppError } from '../errors'
import { hostOf, type HttpResponse } from '../net/http-client'
import { parseJsonBody, serverErrorText } from '../net/json-body'
import type { ConnectionTestResult, Connector, ConnectorContext, SourcePage } from './connector'
import {
  applyPage,
  pageDigest,
  readDockerHubCursor,
  restartRun,
  startRun,
  type DockerHubCursor,
  type DockerHubRun,
  type PageStep
} from './dockerhub-cursor'
import { normaliseDockerHubRecord } from './dockerhub-normalise'
import { parseAuditLogPage, type ParsedRecord } from './dockerhub-page'
import { createSourceHttp, readSourceOptions, sourceBaseUrl, sourceUrl, type SourceHttpDeps } from './source-http'

/**
 * Docker Hub organisation audit logs (sources/1-dockerhub.md), one stream: `auditlog`.
 *
 * Authentication: the account's secret (a PAT with the username, or an organisation access token
 * with the organisation name) is exchanged at `POST /v2/auth/token` for a bearer that lives ten
 * minutes. The bearer is kept in memory only, renewed after `tokenRenewAfterMs`, and once more on
 * a 401; a second 401 in a row is AUTH_FAILED. The secret itself is fetched with `getToken()` for
 * each exchange and never kept.
 *
 * Walking the log: see dockerhub-cursor.ts for the run, the cursor and record identity.
 */

export const DOCKERHUB_STREAM = 'auditlog'

export const DOCKERHUB_DEFAULTS = {
  /** Records asked for per page; the Hub's maximum is undocumented and 100 is known to work. */
  pageSize: 100,
  /** Seconds re-read below the previous high-water mark on an incremental run. */
  overlapSeconds: 600,
  /** The bearer lives 10 minutes; renew it well before. */
  tokenRenewAfterMs: 8 * 60_000,
  /** Restarts of one walk after the list shifted under it, before giving up. */
  maxRestarts: 3
} as const

/**
 * What tests and callers may replace; every field has a production default (`pageSize`: 100,
 * `tokenRenewAfterMs`: 8 minutes).
 */
export interface DockerHubConnectorDeps extends SourceHttpDeps {
  /** Default 8 minutes. */
  tokenRenewAfterMs?: number
}

/**
 * Checks the account URL: https, or http only for this computer (localhost, 127.0.0.0/8, ::1);
 * no user info, query or fragment. Throws INVALID_INPUT.
 */
export function dockerHubBaseUrl(url: string, account?: string): URL {
  return sourceBaseUrl(url, 'Docker Hub', account)
}

/** Builds the Docker Hub connector for an account. Throws INVALID_INPUT on bad options or URL. */
export function createDockerHubConnector(account: Account, deps: DockerHubConnectorDeps = {}): Connector {
  const name = account.name
  const options: DockerHubOptions = readSourceOptions(dockerHubOptionsSchema, account.options, 'Docker Hub', name)
  const caFile = typeof account.options['caFile'] === 'string' ? account.options['caFile'] : undefined
  const base = dockerHubBaseUrl(account.url, name)
  const host = hostOf(base)
  const overlapSeconds = options.overlapSeconds ?? DOCKERHUB_DEFAULTS.overlapSeconds
  const pageSize = deps.pageSize ?? DOCKERHUB_DEFAULTS.pageSize
  const renewAfterMs = deps.tokenRenewAfterMs ?? DOCKERHUB_DEFAULTS.tokenRenewAfterMs
  const http = createSourceHttp({ account: name, caFile, deps })
  const now = http.now

  let bearer: { value: string; issuedAt: number } | null = null
  /** Server clock minus ours, from the last Date header, so a run's `to` is never in the server's future. */
  let skewMs = 0

  const serverNow = (): number => Math.min(now(), now() + skewMs)

  const urlFor = (path: string, query: Record<string, string | number> = {}): URL => sourceUrl(base, path, query)

  const send = async (
    ctx: ConnectorContext,
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string>,
    secrets: readonly string[],
    body?: string
  ): Promise<HttpResponse> => {
    const response = await http.send(ctx, { method, url, headers, secrets, body })
    const date = response.headers['date'] ? Date.parse(response.headers['date']) : NaN
    if (!Number.isNaN(date)) skewMs = date - now()
    return response
  }

  const unexpected = (response: HttpResponse, secrets: readonly string[]): AppError => {
    const said = serverErrorText(response, secrets)
    return new AppError(
      'BAD_RESPONSE',
      `${name}: bad response from ${host}: HTTP ${response.status}${said ? ` ("${said}")` : ''}`,
      { account: name, status: response.status }
    )
  }

  const authenticate = async (ctx: ConnectorContext): Promise<string> => {
    const secret = await ctx.getToken()
    if (typeof secret !== 'string' || secret === '') {
      throw new AppError('NO_TOKEN', `${name}: no token is stored for this account`, { account: name })
    }
    const url = urlFor('/v2/auth/token')
    const response = await send(
      ctx,
      'POST',
      url,
      { 'content-type': 'application/json' },
      [secret],
      JSON.stringify({ identifier: options.username, secret })
    )
    const said = serverErrorText(response, [secret])
    if (response.status === 401) {
      throw new AppError(
        'AUTH_FAILED',
        `${name}: docker hub did not accept the token for user "${options.username}" (HTTP 401${said ? `: ${said}` : ''}); ` +
          'check the username (the organisation name for an organisation access token) and the token',
        { account: name, status: 401 }
      )
    }
    if (response.status === 403) {
      throw new AppError(
        'AUTH_FAILED',
        `${name}: docker hub refused to sign in "${options.username}" (HTTP 403${said ? `: ${said}` : ''}); ` +
          'if the organisation enforces SSO, use a personal or organisation access token rather than a password',
        { account: name, status: 403 }
      )
    }
    if (response.status === 404) {
      throw new AppError(
        'BAD_RESPONSE',
        `${name}: ${host} has no Docker Hub token endpoint (HTTP 404 for /v2/auth/token); check the account URL`,
        { account: name, status: 404 }
      )
    }
    if (response.status < 200 || response.status > 299) throw unexpected(response, [secret])
    const json = parseJsonBody(response, name) as Record<string, unknown> | null
    const token = json && typeof json === 'object' ? (json['access_token'] ?? json['token']) : undefined
    if (typeof token !== 'string' || token === '') {
      throw new AppError('BAD_RESPONSE', `${name}: bad response from ${host}: the token response has no access_token`, {
        account: name,
        status: response.status
      })
    }
    bearer = { value: token, issuedAt: now() }
    return token
  }

  const currentBearer = async (ctx: ConnectorContext): Promise<string> => {
    if (bearer && now() - bearer.issuedAt < renewAfterMs) return bearer.value
    bearer = null
    return authenticate(ctx)
  }

  /** GET an audit-log URL with the bearer; one fresh sign-in on a 401. Returns the JSON body. */
  const getAuditJson = async (ctx: ConnectorContext, query: Record<string, string | number>): Promise<unknown> => {
    const url = urlFor(`/v2/auditlogs/${encodeURIComponent(options.org)}`, query)
    let signedInAgain = false
    for (;;) {
      const token = await currentBearer(ctx)
      if (signedInAgain) ctx.notify({ type: 'reauthenticated' })
      const response = await send(ctx, 'GET', url, { authorization: `Bearer ${token}` }, [token])
      if (response.status === 401) {
        bearer = null
        if (signedInAgain) {
          throw new AppError(
            'AUTH_FAILED',
            `docker hub rejected the token for ${name} (HTTP 401 again right after signing in)`,
            { account: name, status: 401 }
          )
        }
        signedInAgain = true
        continue
      }
      const said = serverErrorText(response, [token])
      if (response.status === 403) {
        throw new AppError(
          'PERMISSION',
          `${name}: docker hub refused to show the audit log of organisation "${options.org}" (HTTP 403${said ? `: ${said}` : ''}); ` +
            'the token needs the Audit Log Read permission (scope-activity-read) or an organisation owner, ' +
            'and the organisation a Docker Team or Business plan',
          { account: name, status: 403 }
        )
      }
      if (response.status === 404) {
        throw new AppError(
          'NOT_FOUND',
          `${name}: docker hub has no organisation "${options.org}" (HTTP 404), or "${options.username}" cannot see it`,
          { account: name, status: 404 }
        )
      }
      if (response.status < 200 || response.status > 299) throw unexpected(response, [token])
      return parseJsonBody(response, name)
    }
  }

  const fetchPage = async (ctx: ConnectorContext, run: DockerHubRun, page: number): Promise<ParsedRecord[]> => {
    const query: Record<string, string | number> = { page, page_size: pageSize, to: run.to }
    if (run.from !== null) query['from'] = run.from
    const body = await getAuditJson(ctx, query)
    return parseAuditLogPage(body, { account: name, page })
  }

  async function* walk(cursor: unknown, ctx: ConnectorContext): AsyncGenerator<SourcePage> {
    let state = readDockerHubCursor(cursor, name)
    if (!state.run) {
      // Sign in first: its Date header tells the server's clock, which bounds the run's `to`.
      await currentBearer(ctx)
      state = { ...state, run: startRun(state, serverNow(), overlapSeconds) }
    }
    let restarts = 0
    let warnedAboveTo = false
    for (;;) {
      const current = state as DockerHubCursor & { run: DockerHubRun }
      const run = current.run
      const page = await fetchPage(ctx, run, run.nextPage)
      let step: PageStep = applyPage(current, page, { account: name })
      if (step.kind === 'verify') {
        const previous = await fetchPage(ctx, run, step.page)
        step = pageDigest(previous) === step.digest ? applyPage(current, page, { verified: true, account: name }) : { kind: 'shifted' }
      }
      if (step.kind === 'verify' || step.kind === 'shifted') {
        restarts++
        if (restarts > DOCKERHUB_DEFAULTS.maxRestarts) {
          throw new AppError(
            'BAD_RESPONSE',
            `${name}: the audit log of organisation "${options.org}" kept changing while it was read ` +
              `(${restarts} page shifts); try the sync again later`,
            { account: name }
          )
        }
        ctx.notify({
          type: 'warning',
          message: `${name}: the audit log shifted while it was read (events arrived late); reading it again from the newest page`
        })
        state = { ...current, run: restartRun(run, serverNow()) }
        continue
      }
      if (step.aboveTo > 0 && !warnedAboveTo) {
        warnedAboveTo = true
        ctx.notify({
          type: 'warning',
          message: `${name}: docker hub returned events newer than the requested "to"; they are left for the next sync`
        })
      }
      yield { records: step.records, cursor: step.cursor }
      if (step.done) return
      state = step.cursor
    }
  }

  return {
    kind: 'dockerhub',
    streams: () => [DOCKERHUB_STREAM],
    pages(stream: string, cursor: unknown, ctx: ConnectorContext): AsyncIterable<SourcePage> {
      if (stream !== DOCKERHUB_STREAM) {
        throw new AppError('INVALID_INPUT', `${name}: docker hub has no stream "${stream}"`, { account: name })
      }
      return walk(cursor, ctx)
    },
    normalise(stream: string, raw: unknown): NormalisedEvent {
      if (stream !== DOCKERHUB_STREAM) {
        throw new AppError('INVALID_INPUT', `${name}: docker hub has no stream "${stream}"`, { account: name })
      }
      return normaliseDockerHubRecord(raw, { account: name })
    },
    async testConnection(ctx: ConnectorContext): Promise<ConnectionTestResult> {
      bearer = null
      await currentBearer(ctx)
      const body = await getAuditJson(ctx, { page: 1, page_size: 1 })
      const records = parseAuditLogPage(body, { account: name, page: 1 })
      const details = [
        `signed in to ${host} as ${options.username}`,
        `organisation ${options.org}: audit log readable`
      ]
      const warnings: string[] = []
      const newest = records[0]
      if (newest) details.push(`newest event: ${newest.raw.timestamp}`)
      else warnings.push(`organisation ${options.org}: the audit log is empty`)
      return { ok: true, details, warnings }
    }
  }
}
