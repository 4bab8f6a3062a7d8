import { readFile } from 'node:fs/promises'
import { dockerHubOptionsSchema, type Account, type DockerHubOptions } from '../../../shared/account'
import type { NormalisedEvent } from '../../../shared/event'
import { AppError } from '../errors'
import { hostOf, httpRequest, type HttpResponse } from '../net/http-client'
import { parseJsonBody, serverErrorText } from '../net/json-body'
import {
  DEFAULT_RETRY_POLICY,
  REAL_RETRY_ENVIRONMENT,
  requestWithRetry,
  type RetryEnvironment,
  type RetryPolicy
} from '../net/retry'
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

/** What tests and callers may replace; every field has a production default. */
export interface DockerHubConnectorDeps {
  /** Clock in ms since the epoch (token age, the run's `to`). Default Date.now. */
  now?: () => number
  /** Sleep used for retry and rate-limit waits. Default a real, abortable timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Randomness for backoff jitter. Default Math.random. */
  random?: () => number
  retry?: Partial<RetryPolicy>
  /** Until response headers; default 30 s. */
  timeoutMs?: number
  /** Longest stall inside a body; default 30 s. */
  idleTimeoutMs?: number
  /** Default 32 MiB. */
  maxBodyBytes?: number
  /** PEM text of a CA to trust besides the system's; default: the file at `options.caFile`, if any. */
  ca?: string
  /** Default 100. */
  pageSize?: number
  /** Default 8 minutes. */
  tokenRenewAfterMs?: number
}

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i

/**
 * Checks the account URL: https, or http only for this computer (localhost, 127.0.0.0/8, ::1);
 * no user info, query or fragment. Throws INVALID_INPUT.
 */
export function dockerHubBaseUrl(url: string, account?: string): URL {
  const prefix = account ? `${account}: ` : ''
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AppError('INVALID_INPUT', `${prefix}the Docker Hub URL is not a valid URL`, { account })
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new AppError('INVALID_INPUT', `${prefix}the Docker Hub URL must not contain a user name or password`, {
      account
    })
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new AppError('INVALID_INPUT', `${prefix}the Docker Hub URL must not have a query or fragment`, { account })
  }
  const loopback = LOOPBACK_HOST.test(parsed.hostname)
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new AppError(
      'INVALID_INPUT',
      `${prefix}the Docker Hub URL must start with https:// (http:// is accepted only for localhost, 127.0.0.0/8 and ::1)`,
      { account }
    )
  }
  return parsed
}

/** Builds the Docker Hub connector for an account. Throws INVALID_INPUT on bad options or URL. */
export function createDockerHubConnector(account: Account, deps: DockerHubConnectorDeps = {}): Connector {
  const name = account.name
  const parsedOptions = dockerHubOptionsSchema.safeParse(account.options)
  if (!parsedOptions.success) {
    const issue = parsedOptions.error.issues[0]
    throw new AppError(
      'INVALID_INPUT',
      `${name}: Docker Hub option "${issue?.path.join('.') || 'options'}" is invalid: ${issue?.message ?? 'invalid'}`,
      { account: name }
    )
  }
  const options: DockerHubOptions = parsedOptions.data
  const caFile = typeof account.options['caFile'] === 'string' ? account.options['caFile'] : undefined
  const base = dockerHubBaseUrl(account.url, name)
  const host = hostOf(base)
  const overlapSeconds = options.overlapSeconds ?? DOCKERHUB_DEFAULTS.overlapSeconds
  const pageSize = deps.pageSize ?? DOCKERHUB_DEFAULTS.pageSize
  const renewAfterMs = deps.tokenRenewAfterMs ?? DOCKERHUB_DEFAULTS.tokenRenewAfterMs
  const now = deps.now ?? Date.now
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...(deps.retry ?? {}) }
  const env: RetryEnvironment = {
    sleep: deps.sleep ?? REAL_RETRY_ENVIRONMENT.sleep,
    random: deps.random ?? REAL_RETRY_ENVIRONMENT.random,
    now
  }

  let bearer: { value: string; issuedAt: number } | null = null
  /** Server clock minus ours, from the last Date header, so a run's `to` is never in the server's future. */
  let skewMs = 0
  let caText: Promise<string | undefined> | undefined

  const loadCa = (): Promise<string | undefined> => {
    if (deps.ca !== undefined) return Promise.resolve(deps.ca)
    if (caFile === undefined) return Promise.resolve(undefined)
    caText ??= readFile(caFile, 'utf8').then(
      (text) => {
        if (!text.includes('-----BEGIN CERTIFICATE-----')) {
          throw new AppError('INVALID_INPUT', `${name}: the CA file ${caFile} holds no PEM certificate`, { account: name })
        }
        return text
      },
      (error: unknown) => {
        const code = (error as { code?: string }).code ?? 'unreadable'
        throw new AppError('INVALID_INPUT', `${name}: the CA file ${caFile} cannot be read (${code})`, {
          account: name,
          cause: error
        })
      }
    )
    // A failed read is not cached, so fixing the file fixes the next attempt.
    caText.catch(() => (caText = undefined))
    return caText
  }

  const serverNow = (): number => Math.min(now(), now() + skewMs)

  const urlFor = (path: string, query: Record<string, string | number> = {}): URL => {
    const url = new URL(base.toString())
    url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value))
    return url
  }

  const send = async (
    ctx: ConnectorContext,
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string>,
    secrets: readonly string[],
    body?: string
  ): Promise<HttpResponse> => {
    const ca = await loadCa()
    const response = await requestWithRetry(
      () =>
        httpRequest({
          method,
          url,
          headers: { accept: 'application/json', 'user-agent': 'registry-audit-viewer', ...headers },
          body,
          ca,
          timeoutMs: deps.timeoutMs,
          idleTimeoutMs: deps.idleTimeoutMs,
          maxBodyBytes: deps.maxBodyBytes,
          signal: ctx.signal,
          account: name
        }),
      { url, account: name, policy, env, signal: ctx.signal, notify: ctx.notify, secrets }
    )
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
