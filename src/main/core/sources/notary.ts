import { z } from 'zod'
import type { Account } from '../../../shared/account'
import { notaryOptionsSchema, type NotaryAuthMode, type NotaryOptions } from '../../../shared/account-options/notary'
import type { NormalisedEvent } from '../../../shared/event'
import { AppError } from '../errors'
import { hostOf, type HttpResponse } from '../net/http-client'
import type { ConnectionTestResult, Connector, ConnectorContext, SourcePage } from './connector'
import {
  changefeedPath,
  changefeedScope,
  feedPlace,
  parseChangefeedJson,
  parseChangefeedPage,
  walkChangefeed
} from './notary-changefeed'
import { normaliseNotaryChange } from './notary-normalise'
import { createRegistryTokenAuth, parseBearerChallenge, type RegistryTokenAuth } from './registry-token'
import {
  createSourceHttp,
  errcodeText,
  isLoopbackHost,
  readSourceOptions,
  sourceBaseUrl,
  sourceUrl,
  type SourceHttp,
  type SourceHttpDeps
} from './source-http'

/**
 * A notary-server's trust changefeed (sources/3-notary.md), one stream: `changefeed`.
 *
 * Without `repositories` it reads the global feed `/v2/_trust/changefeed` (token scope
 * `registry:catalog:*`, which token services give admins only). With `repositories` it reads
 * `/v2/{gun}/_trust/changefeed` for each GUN in turn, still as one stream whose cursor keeps the
 * last ID per GUN: the stream list stays the same when the list of GUNs changes, a GUN added later
 * starts from its beginning, and every page is written with the whole map at once.
 *
 * Record identity is the change ID itself (opaque, unique per server).
 *
 * Authentication (options.authMode): `none`; `token`, the registry token flow with the username and
 * the account's secret (registry-token.ts); `bearer`, the secret used as the bearer, read again
 * once when it is refused. The CA file (options.caFile) is trusted for the server and the token
 * service alike.
 */

export const NOTARY_STREAM = 'changefeed'

export const NOTARY_DEFAULTS = {
  /** Records asked for per page; notary-server enforces no maximum, 500 is what its docs suggest. */
  pageSize: 500
} as const

export type NotaryConnectorDeps = SourceHttpDeps

const cursorSchema = z.union([
  z.object({ v: z.literal(1), feed: z.literal('global'), lastId: z.string().min(1).nullable() }),
  z.object({ v: z.literal(1), feed: z.literal('repositories'), lastIds: z.record(z.string(), z.string().min(1)) })
])
export type NotaryCursor = z.infer<typeof cursorSchema>

/** Reads a stored cursor; INVALID_INPUT when it is not a notary cursor. */
export function readNotaryCursor(value: unknown, account?: string): NotaryCursor | null {
  if (value === null || value === undefined) return null
  const parsed = cursorSchema.safeParse(value)
  if (!parsed.success) {
    throw new AppError(
      'INVALID_INPUT',
      `${account ? `${account}: ` : ''}the stored sync position is not a notary changefeed cursor; it cannot be resumed`,
      { account }
    )
  }
  return parsed.data
}

/**
 * Sends changefeed GETs in one of the three auth modes; a 401 that cannot be answered is
 * AUTH_FAILED naming what to change. Shared with nothing else: msr's trust stream always uses the
 * token flow directly.
 */
interface FeedClient {
  get(ctx: ConnectorContext, url: URL, scope: string): Promise<HttpResponse>
  reset(): void
}

function createFeedClient(
  mode: NotaryAuthMode,
  http: SourceHttp,
  base: URL,
  options: NotaryOptions,
  account: string
): FeedClient {
  const host = hostOf(base)
  const secretOf = async (ctx: ConnectorContext): Promise<string> => {
    const secret = await ctx.getToken()
    if (typeof secret !== 'string' || secret.trim() === '') {
      throw new AppError('NO_TOKEN', `${account}: no token is stored for this account`, { account })
    }
    return secret.trim()
  }

  if (mode === 'token') {
    let realmOverride: URL | undefined
    if (options.tokenRealm !== undefined) {
      realmOverride = new URL(options.tokenRealm)
      if (realmOverride.protocol !== 'https:' && !isLoopbackHost(realmOverride.hostname)) {
        throw new AppError('INVALID_INPUT', `${account}: the token realm must be https:// (http:// only for a loopback address)`, {
          account
        })
      }
    }
    const auth: RegistryTokenAuth = createRegistryTokenAuth({
      http,
      base,
      ...(realmOverride ? { realmOverride } : {}),
      label: 'notary',
      credentials: async (ctx) => ({ username: options.username ?? '', secret: await secretOf(ctx) })
    })
    return auth
  }

  if (mode === 'bearer') {
    return {
      reset: () => {},
      async get(ctx, url) {
        for (let attempt = 1; ; attempt++) {
          const bearer = await secretOf(ctx)
          const response = await http.send(ctx, { url, headers: { authorization: `Bearer ${bearer}` }, secrets: [bearer] })
          if (response.status !== 401) return response
          if (attempt >= 2) {
            const challenge = parseBearerChallenge(response.headers['www-authenticate'])
            const said = errcodeText(response, [bearer])
            throw new AppError(
              'AUTH_FAILED',
              `${account}: notary at ${host} refused the bearer token (HTTP 401${challenge?.error ? `, ${challenge.error}` : ''}` +
                `${said ? `: ${said}` : ''}); bearer tokens expire: store a fresh one, or use auth mode "token"`,
              { account, status: 401 }
            )
          }
          // The stored token may have been replaced since it was read (a cron sync, the UI).
          ctx.notify({ type: 'reauthenticated' })
        }
      }
    }
  }

  return {
    reset: () => {},
    async get(ctx, url) {
      const response = await http.send(ctx, { url })
      if (response.status !== 401) return response
      const challenge = parseBearerChallenge(response.headers['www-authenticate'])
      let realmText = ''
      if (challenge) {
        try {
          const realm = new URL(challenge.realm)
          realmText = ` (its token service is ${realm.protocol}//${hostOf(realm)}${realm.pathname})`
        } catch {
          realmText = ''
        }
      }
      throw new AppError(
        'AUTH_FAILED',
        `${account}: notary at ${host} requires authentication (HTTP 401)${realmText}; ` +
          'set the account\'s auth mode to "token" with a username, or to "bearer"',
        { account, status: 401 }
      )
    }
  }
}

/** Builds the notary connector for an account. Throws INVALID_INPUT on bad options or URL. */
export function createNotaryConnector(account: Account, deps: NotaryConnectorDeps = {}): Connector {
  const name = account.name
  const options = readSourceOptions(notaryOptionsSchema, account.options, 'notary', name)
  const base = sourceBaseUrl(account.url, 'notary', name)
  const host = hostOf(base)
  const mode: NotaryAuthMode = options.authMode ?? 'none'
  const pageSize = deps.pageSize ?? NOTARY_DEFAULTS.pageSize
  const http = createSourceHttp({ account: name, ...(options.caFile ? { caFile: options.caFile } : {}), deps })
  const client = createFeedClient(mode, http, base, options, name)
  const repositories = options.repositories

  /** One page of a feed as parsed JSON; statuses other than 200 become typed errors. */
  const fetchFeed = async (ctx: ConnectorContext, gun: string | undefined, query: Record<string, string | number>): Promise<unknown> => {
    const url = sourceUrl(base, changefeedPath(gun), query)
    const response = await client.get(ctx, url, changefeedScope(gun))
    if (response.status === 200) return parseChangefeedJson(response, name)
    const said = errcodeText(response)
    if (response.status === 404) {
      throw new AppError(
        'NOT_FOUND',
        gun === undefined
          ? `${name}: ${host} has no trust changefeed (HTTP 404 for ${changefeedPath()}); check the account URL`
          : `${name}: ${host} has no trust changefeed for ${gun} (HTTP 404${said ? `: ${said}` : ''}); ` +
              'the server may serve only GUNs with other prefixes',
        { account: name, status: 404 }
      )
    }
    if (response.status === 403) {
      throw new AppError(
        'PERMISSION',
        `${name}: ${host} refused to show ${gun === undefined ? 'the global trust changefeed' : `the trust changefeed of ${gun}`} ` +
          `(HTTP 403${said ? `: ${said}` : ''})`,
        { account: name, status: 403 }
      )
    }
    throw http.unexpected(response, [], gun === undefined ? 'the trust changefeed' : `the trust changefeed of ${gun}`)
  }

  const toRecords = (records: Array<{ id: string; raw: Record<string, unknown> }>): SourcePage['records'] =>
    records.map((record) => ({ sourceEventId: record.id, raw: record.raw }))

  async function* walk(cursor: unknown, ctx: ConnectorContext): AsyncGenerator<SourcePage> {
    const stored = readNotaryCursor(cursor, name)
    const feed = repositories === undefined ? 'global' : 'repositories'
    if (stored !== null && stored.feed !== feed) {
      ctx.notify({
        type: 'warning',
        message: `${name}: the account now reads ${feed === 'global' ? 'the global changefeed' : 'per-repository changefeeds'}; ` +
          'reading it from the beginning (changes already stored are skipped)'
      })
    }
    const place = (gun?: string) => feedPlace(name, base, gun)
    if (repositories === undefined) {
      const after = stored?.feed === 'global' ? stored.lastId : null
      for await (const step of walkChangefeed({
        fetch: (changeId, records) => fetchFeed(ctx, undefined, { change_id: changeId, records }),
        after,
        pageSize,
        place: place()
      })) {
        yield { records: toRecords(step.records), cursor: { v: 1, feed: 'global', lastId: step.lastId } satisfies NotaryCursor }
      }
      return
    }
    const lastIds: Record<string, string> = stored?.feed === 'repositories' ? { ...stored.lastIds } : {}
    for (const gun of repositories) {
      for await (const step of walkChangefeed({
        fetch: (changeId, records) => fetchFeed(ctx, gun, { change_id: changeId, records }),
        after: lastIds[gun] ?? null,
        pageSize,
        place: place(gun)
      })) {
        lastIds[gun] = step.lastId
        yield { records: toRecords(step.records), cursor: { v: 1, feed: 'repositories', lastIds: { ...lastIds } } satisfies NotaryCursor }
      }
    }
  }

  const checkStream = (stream: string): void => {
    if (stream !== NOTARY_STREAM) throw new AppError('INVALID_INPUT', `${name}: notary has no stream "${stream}"`, { account: name })
  }

  return {
    kind: 'notary',
    streams: () => [NOTARY_STREAM],
    pages(stream, cursor, ctx) {
      checkStream(stream)
      return walk(cursor, ctx)
    },
    normalise(stream, raw): NormalisedEvent {
      checkStream(stream)
      return normaliseNotaryChange(raw, { account: name })
    },
    async testConnection(ctx): Promise<ConnectionTestResult> {
      client.reset()
      const details = [`notary at ${host}, ${mode === 'none' ? 'no authentication' : mode === 'token' ? `token flow as ${options.username}` : 'bearer token'}`]
      const warnings: string[] = []
      // change_id=-1 with records=-1 is "the newest change" on every backend (sources/3-notary.md).
      const newest = async (gun?: string): Promise<void> => {
        const body = await fetchFeed(ctx, gun, { change_id: -1, records: -1 })
        const page = parseChangefeedPage(body, feedPlace(name, base, gun))
        const record = page.records.at(-1)
        const what = gun === undefined ? 'global changefeed' : `changefeed of ${gun}`
        if (record === undefined) {
          warnings.push(`${what}: readable but empty`)
          return
        }
        const event = normaliseNotaryChange(record.raw, { account: name })
        details.push(`${what}: readable; newest change ${new Date(event.occurred_at).toISOString()}: ${event.label}`)
      }
      if (repositories === undefined) await newest()
      else for (const gun of repositories) await newest(gun)
      return { ok: true, details, warnings }
    }
  }
}
