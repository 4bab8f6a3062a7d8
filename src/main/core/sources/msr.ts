import type { Account } from '../../../shared/account'
import { msrOptionsSchema } from '../../../shared/account-options/msr'
import type { NormalisedEvent } from '../../../shared/event'
import { AppError } from '../errors'
import { hostOf, type HttpResponse } from '../net/http-client'
import { parseJsonBody } from '../net/json-body'
import type { ConnectionTestResult, Connector, ConnectorContext, SourcePage } from './connector'
import { cursorAfterPage, readMsrCursor, startMsrRun, type MsrRun } from './msr-cursor'
import { normaliseMsrEvent } from './msr-normalise'
import { parseMsrEventsPage, type MsrEventRecord } from './msr-page'
import { changefeedPath, changefeedScope, feedPlace, parseChangefeedJson, parseChangefeedPage, walkChangefeed } from './notary-changefeed'
import { normaliseNotaryChange } from './notary-normalise'
import { createRegistryTokenAuth } from './registry-token'
import { createSourceHttp, errcodeText, readSourceOptions, sourceBaseUrl, sourceUrl, type SourceHttpDeps } from './source-http'

/**
 * Docker Trusted Registry / Mirantis Secure Registry 2.x–3.x (sources/2-msr-dtr.md).
 *
 * Streams: `events` (`GET /api/v0/events`, see msr-cursor.ts for the walk) and, with the
 * `withTrust` option, `trust`: the registry's Notary changefeed (`/v2/_trust/changefeed`, read
 * with notary-changefeed.ts) with a bearer from `/auth/token?service=dtr&scope=registry:catalog:*`
 * for the same user (registry-token.ts).
 *
 * Authentication: HTTP Basic with the username and the account's secret (a password or, better,
 * an access token), read with `getToken()` for every request and never kept.
 *
 * Signing in: `GET /api/v0/meta/settings`, which DTR 2.3's Swagger reserves for admins (403
 * NOT_AUTHORIZED for anyone else), checks the credentials and tells whether the user is an admin.
 * Pull and mirror events are shown to repository admins only (Activity tab docs), so a non-admin
 * sync misses them: `testConnection` warns, and each `events` walk reports the same as a warning
 * notice. A 401 on a data request re-reads the secret and signs in again, once.
 *
 * MSR 4 is Harbor: when the URL answers 404 or 401 under `/api/v0`, or answers it with something
 * other than JSON, `/api/v2.0/systeminfo` is asked (anonymously); if it is Harbor's, the error
 * is INVALID_INPUT pointing to the harbor kind.
 */

export const MSR_EVENTS_STREAM = 'events'
export const MSR_TRUST_STREAM = 'trust'

export const MSR_DEFAULTS = {
  /** Events asked for per page (the API's default is 10; its maximum is undocumented). */
  pageSize: 100,
  /** Seconds re-read below the high-water mark on an incremental run. */
  overlapSeconds: 600,
  /** Changes asked for per trust changefeed page. */
  trustPageSize: 500
} as const

export type MsrConnectorDeps = SourceHttpDeps & {
  /** Changes per trust changefeed page; default 500. */
  trustPageSize?: number
}

/** The warning for a non-admin user, in `account test` and as a sync notice. */
export function msrNonAdminWarning(username: string): string {
  return `pull and mirror events will be missing: ${username} is not an admin`
}

/** Prefix of the trust stream's record ids, so they never meet an event id of the same account. */
export const TRUST_ID_PREFIX = 'trust:'

export function createMsrConnector(account: Account, deps: MsrConnectorDeps = {}): Connector {
  const name = account.name
  const options = readSourceOptions(msrOptionsSchema, account.options, 'MSR', name)
  const base = sourceBaseUrl(account.url, 'MSR', name)
  const host = hostOf(base)
  const username = options.username
  const pageSize = deps.pageSize ?? MSR_DEFAULTS.pageSize
  const trustPageSize = deps.trustPageSize ?? MSR_DEFAULTS.trustPageSize
  const overlapSeconds = options.overlapSeconds ?? MSR_DEFAULTS.overlapSeconds
  const http = createSourceHttp({ account: name, ...(options.caFile ? { caFile: options.caFile } : {}), deps })

  const secretOf = async (ctx: ConnectorContext): Promise<string> => {
    const secret = await ctx.getToken()
    if (typeof secret !== 'string' || secret === '') {
      throw new AppError('NO_TOKEN', `${name}: no token is stored for this account`, { account: name })
    }
    return secret
  }
  const basic = (secret: string): string => `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`

  const trustAuth = createRegistryTokenAuth({
    http,
    base,
    known: { realm: sourceUrl(base, '/auth/token'), service: 'dtr' },
    label: 'MSR',
    credentials: async (ctx) => ({ username, secret: await secretOf(ctx) })
  })

  let harbor: Promise<boolean> | undefined
  /** Whether the URL answers Harbor's API (MSR 4). Asked anonymously, once per connector. */
  const isHarbor = (ctx: ConnectorContext): Promise<boolean> => {
    harbor ??= (async () => {
      try {
        const response = await http.send(ctx, { url: sourceUrl(base, '/api/v2.0/systeminfo') })
        if (response.status !== 200) return false
        const body = JSON.parse(response.body.toString('utf8')) as unknown
        return typeof body === 'object' && body !== null && ('harbor_version' in body || 'auth_mode' in body)
      } catch (error) {
        if (error instanceof AppError && error.code === 'CANCELLED') throw error
        return false
      }
    })()
    return harbor
  }
  const failIfHarbor = async (ctx: ConnectorContext): Promise<void> => {
    if (await isHarbor(ctx)) {
      throw new AppError(
        'INVALID_INPUT',
        `${name}: ${host} answers the Harbor API (/api/v2.0): it is MSR 4 or Harbor, which the msr kind does not read; ` +
          'add it as a harbor account instead',
        { account: name }
      )
    }
  }

  /** Checks what the URL answered where DTR's API should be, for a status that may mean "not DTR". */
  const notDtr = async (ctx: ConnectorContext, response: HttpResponse, what: string): Promise<AppError> => {
    await failIfHarbor(ctx)
    return new AppError(
      'NOT_FOUND',
      `${name}: ${host} has no DTR/MSR API (HTTP ${response.status} for ${what}); check the account URL (MSR 2.x–3.x)`,
      { account: name, status: response.status }
    )
  }

  const isJson = (response: HttpResponse): boolean => {
    const type = (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    return type === 'application/json' || type.endsWith('+json')
  }

  let role: Promise<{ admin: boolean }> | undefined

  /** Signs in: checks the credentials and whether the user is an admin. */
  const signIn = async (ctx: ConnectorContext): Promise<{ admin: boolean }> => {
    const secret = await secretOf(ctx)
    const url = sourceUrl(base, '/api/v0/meta/settings')
    const secrets = [secret, basic(secret)]
    const response = await http.send(ctx, { url, headers: { authorization: basic(secret) }, secrets })
    if (response.status === 401) {
      await failIfHarbor(ctx)
      const said = errcodeText(response, secrets)
      throw new AppError(
        'AUTH_FAILED',
        `${name}: ${host} did not accept the credentials of ${username} (HTTP 401${said ? `: ${said}` : ''}); ` +
          'check the username and the password or access token',
        { account: name, status: 401 }
      )
    }
    if (response.status === 403) return { admin: false }
    if (response.status === 404) throw await notDtr(ctx, response, '/api/v0/meta/settings')
    if (response.status !== 200) throw http.unexpected(response, secrets, '/api/v0/meta/settings')
    if (!isJson(response)) await failIfHarbor(ctx)
    parseJsonBody(response, name)
    return { admin: true }
  }

  const currentRole = (ctx: ConnectorContext): Promise<{ admin: boolean }> => {
    role ??= signIn(ctx)
    role.catch(() => (role = undefined))
    return role
  }

  type EventsAnswer = { kind: 'page'; records: MsrEventRecord[]; next: string | null } | { kind: 'stale-page-start'; status: number }

  /** One events page; a 401 signs in again once; 400/404 for a page start is reported, not thrown. */
  const getEvents = async (ctx: ConnectorContext, query: Record<string, string | number>): Promise<EventsAnswer> => {
    const url = sourceUrl(base, '/api/v0/events', query)
    let signedInAgain = false
    for (;;) {
      const secret = await secretOf(ctx)
      const secrets = [secret, basic(secret)]
      const response = await http.send(ctx, { url, headers: { authorization: basic(secret) }, secrets })
      if (response.status === 401) {
        if (signedInAgain) {
          const said = errcodeText(response, secrets)
          throw new AppError(
            'AUTH_FAILED',
            `${name}: ${host} refused the credentials of ${username} for the events API ` +
              `(HTTP 401 again right after signing in${said ? `: ${said}` : ''})`,
            { account: name, status: 401 }
          )
        }
        signedInAgain = true
        role = undefined
        await currentRole(ctx)
        ctx.notify({ type: 'reauthenticated' })
        continue
      }
      const said = errcodeText(response, secrets)
      if (response.status === 403) {
        throw new AppError(
          'PERMISSION',
          `${name}: ${host} refused to show its events to ${username} (HTTP 403${said ? `: ${said}` : ''}); ` +
            'DTR 2.3–2.5 shows the events API to admins only',
          { account: name, status: 403 }
        )
      }
      if ((response.status === 400 || response.status === 404) && query['pageStart'] !== undefined) {
        return { kind: 'stale-page-start', status: response.status }
      }
      if (response.status === 404) throw await notDtr(ctx, response, '/api/v0/events')
      if (response.status !== 200) throw http.unexpected(response, secrets, 'the events API')
      if (!isJson(response)) await failIfHarbor(ctx)
      const records = parseMsrEventsPage(parseJsonBody(response, name), { account: name, host })
      const next = response.headers['x-next-page-start']?.trim() || null
      return { kind: 'page', records, next }
    }
  }

  async function* walkEvents(cursor: unknown, ctx: ConnectorContext): AsyncGenerator<SourcePage> {
    const state = readMsrCursor(cursor, name)
    const { admin } = await currentRole(ctx)
    if (!admin) ctx.notify({ type: 'warning', message: `${name}: ${msrNonAdminWarning(username)}` })
    let run: MsrRun = state.run ?? startMsrRun(state, overlapSeconds)
    let restarted = false
    const seenStarts = new Set<string>()
    for (;;) {
      const query: Record<string, string | number> = { pageSize }
      if (run.after !== null) query['publishedAfter'] = run.after
      if (run.pageStart !== null) query['pageStart'] = run.pageStart
      const answer = await getEvents(ctx, query)
      if (answer.kind === 'stale-page-start') {
        if (restarted) {
          throw new AppError('BAD_RESPONSE', `${name}: ${host} refused a page start it had itself named (HTTP ${answer.status})`, {
            account: name,
            status: answer.status
          })
        }
        // Events auto-deleted since the cursor was stored can take its page start with them.
        restarted = true
        ctx.notify({
          type: 'warning',
          message: `${name}: the stored page position is no longer known to ${host} (events auto-deleted?); reading this run again from its first page`
        })
        run = { ...run, pageStart: null }
        seenStarts.clear()
        continue
      }
      const { records, next } = answer
      let newest = run.newest
      for (const record of records) newest = newest === null ? record.at : Math.max(newest, record.at)
      if (next !== null && (next === run.pageStart || seenStarts.has(next))) {
        throw new AppError('BAD_RESPONSE', `${name}: ${host} sent a next page start (X-Next-Page-Start) it had already sent; the walk stops`, {
          account: name
        })
      }
      if (next !== null) seenStarts.add(next)
      const nextCursor = cursorAfterPage(state, run, newest, next)
      yield { records: records.map((record) => ({ sourceEventId: record.id, raw: record.raw })), cursor: nextCursor }
      if (next === null) return
      run = { ...run, pageStart: next, newest }
    }
  }

  const fetchTrust = async (ctx: ConnectorContext, query: Record<string, string | number>): Promise<unknown> => {
    const url = sourceUrl(base, changefeedPath(), query)
    const response = await trustAuth.get(ctx, url, changefeedScope())
    if (response.status === 200) return parseChangefeedJson(response, name)
    if (response.status === 404) {
      throw new AppError(
        'NOT_FOUND',
        `${name}: ${host} has no trust changefeed (HTTP 404 for ${changefeedPath()}); is content trust (Notary) enabled?`,
        { account: name, status: 404 }
      )
    }
    throw http.unexpected(response, [], 'the trust changefeed')
  }

  async function* walkTrust(cursor: unknown, ctx: ConnectorContext): AsyncGenerator<SourcePage> {
    const after = readTrustCursor(cursor, name)
    for await (const step of walkChangefeed({
      fetch: (changeId, records) => fetchTrust(ctx, { change_id: changeId, records }),
      after,
      pageSize: trustPageSize,
      place: feedPlace(name, base)
    })) {
      yield {
        records: step.records.map((record) => ({ sourceEventId: `${TRUST_ID_PREFIX}${record.id}`, raw: record.raw })),
        cursor: { v: 1, lastId: step.lastId }
      }
    }
  }

  const streams = options.withTrust === true ? [MSR_EVENTS_STREAM, MSR_TRUST_STREAM] : [MSR_EVENTS_STREAM]
  const checkStream = (stream: string): void => {
    if (!streams.includes(stream)) throw new AppError('INVALID_INPUT', `${name}: this MSR account has no stream "${stream}"`, { account: name })
  }

  return {
    kind: 'msr',
    streams: () => [...streams],
    pages(stream, cursor, ctx) {
      checkStream(stream)
      return stream === MSR_TRUST_STREAM ? walkTrust(cursor, ctx) : walkEvents(cursor, ctx)
    },
    normalise(stream, raw): NormalisedEvent {
      checkStream(stream)
      return stream === MSR_TRUST_STREAM ? normaliseNotaryChange(raw, { account: name }) : normaliseMsrEvent(raw, { account: name })
    },
    async testConnection(ctx): Promise<ConnectionTestResult> {
      role = undefined
      trustAuth.reset()
      const { admin } = await currentRole(ctx)
      const details = [`signed in to ${host} as ${username}${admin ? ' (admin)' : ''}`]
      const warnings = admin ? [] : [msrNonAdminWarning(username)]
      const answer = await getEvents(ctx, { pageSize: 1 })
      if (answer.kind === 'page') {
        const newest = answer.records[0]
        if (newest) details.push(`events readable; first event listed: ${new Date(newest.at).toISOString()} ${normaliseMsrEvent(newest.raw).label}`)
        else warnings.push('the events API lists no events')
      }
      if (options.withTrust === true) {
        const page = parseChangefeedPage(await fetchTrust(ctx, { change_id: -1, records: -1 }), feedPlace(name, base))
        const last = page.records.at(-1)
        details.push(
          last
            ? `trust changefeed readable; newest change ${normaliseNotaryChange(last.raw).label}`
            : 'trust changefeed readable (empty)'
        )
        if (!admin) warnings.push(`the trust changefeed shows only the repositories ${username} can read: ${username} is not an admin`)
      }
      return { ok: true, details, warnings }
    }
  }
}

function readTrustCursor(value: unknown, account: string): string | null {
  if (value === null || value === undefined) return null
  const lastId = (value as { v?: unknown; lastId?: unknown } | null)?.lastId
  if (typeof value === 'object' && (value as { v?: unknown }).v === 1 && typeof lastId === 'string' && lastId !== '') return lastId
  throw new AppError('INVALID_INPUT', `${account}: the stored sync position is not a trust changefeed cursor; it cannot be resumed`, {
    account
  })
}
