import { AppError } from '../errors'
import { hostOf, type HttpResponse } from '../net/http-client'
import { parseJsonBody } from '../net/json-body'
import type { ConnectorContext } from './connector'
import { errcodeText, isLoopbackHost, type SourceHttp } from './source-http'

/**
 * The Docker registry token flow, as notary-server (and DTR/MSR in front of it) uses it
 * (sources/3-notary.md "Authentication"): a request without a usable bearer gets 401 with
 * `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`; the client GETs
 * `<realm>?service=<service>&scope=<scope>` with HTTP Basic credentials and receives
 * `{token, access_token, expires_in, issued_at}`; it retries with `Authorization: Bearer <token>`.
 *
 * Tokens are held in memory only, per scope, and renewed before they expire. A 401 to a token
 * held from an earlier request is answered by one new token request (a "sign-in again"); a 401
 * right after a new token is AUTH_FAILED.
 *
 * Credentials leave for the realm only when it is on the account URL's host (DTR serves its token
 * service beside notary), or when the account names the realm itself (`realmOverride`): a server
 * cannot send the user's password to a host the user did not choose. An anonymous request (no
 * credentials) may go anywhere.
 */

export interface BearerChallenge {
  realm: string
  service?: string
  scope?: string
  /** `invalid_token`, `insufficient_scope`… when the server says why. */
  error?: string
}

/**
 * Reads the Bearer challenge of a WWW-Authenticate header (RFC 7235 auth-params, quoted or not);
 * undefined when there is none or it has no realm. Several challenges joined with ", " (repeated
 * headers) are handled: parameters after another scheme's name are not taken.
 */
export function parseBearerChallenge(header: string | undefined): BearerChallenge | undefined {
  if (header === undefined) return undefined
  const start = /(?:^|[\s,])Bearer\s+/i.exec(header)
  if (!start) return undefined
  let rest = header.slice(start.index + start[0].length)
  const params: Record<string, string> = {}
  const param = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/
  for (;;) {
    const match = param.exec(rest)
    if (!match) break
    const name = match[1]!.toLowerCase()
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '')
    if (!(name in params)) params[name] = value
    rest = rest.slice(match[0].length)
  }
  const realm = params['realm']
  if (realm === undefined || realm === '') return undefined
  const challenge: BearerChallenge = { realm }
  if (params['service'] !== undefined && params['service'] !== '') challenge.service = params['service']
  if (params['scope'] !== undefined && params['scope'] !== '') challenge.scope = params['scope']
  if (params['error'] !== undefined && params['error'] !== '') challenge.error = params['error']
  return challenge
}

export interface TokenCredentials {
  username: string
  secret: string
}

/** Where to ask for a token. */
export interface TokenEndpoint {
  realm: URL
  service?: string
}

export interface RegistryTokenOptions {
  http: SourceHttp
  /** The account URL: credentials go to a realm on its host only (or to `realmOverride`). */
  base: URL
  /** The token service the account names; replaces whatever realm the server's challenge names. */
  realmOverride?: URL
  /** Basic credentials for the realm, read for each token request; null asks anonymously. */
  credentials: (ctx: ConnectorContext) => Promise<TokenCredentials | null>
  /** A token endpoint known before any challenge (DTR's `/auth/token`, service `dtr`). */
  known?: TokenEndpoint
  /** The product, for messages ("notary", "MSR"). */
  label: string
}

export interface RegistryTokenAuth {
  /**
   * GET `url` with a bearer for `scope` (`registry:catalog:*`, `repository:<gun>:pull`), asking
   * for one on a challenge. Returns any response but a 401 it could not get past (AUTH_FAILED).
   */
  get(ctx: ConnectorContext, url: URL, scope: string): Promise<HttpResponse>
  /** Forgets every token held (a connection test starts from scratch). */
  reset(): void
}

interface HeldToken {
  value: string
  obtainedAt: number
  lifetimeMs: number
}

/** Lifetime assumed when a token response names none (the distribution token spec's default). */
const DEFAULT_TOKEN_LIFETIME_S = 60
/** A token is renewed once this share of its lifetime has passed. */
const RENEW_AT_SHARE = 0.8

export function createRegistryTokenAuth(options: RegistryTokenOptions): RegistryTokenAuth {
  const { http, base, label } = options
  const account = http.account
  const held = new Map<string, HeldToken>()
  // Without a known service, the first challenge must name it: a token asked for without one would
  // carry the token service's default audience, which the server may not accept.
  let endpoint: TokenEndpoint | undefined =
    options.known && options.realmOverride ? { ...options.known, realm: options.realmOverride } : options.known

  const fresh = (scope: string): HeldToken | undefined => {
    const token = held.get(scope)
    if (token && http.now() - token.obtainedAt < token.lifetimeMs * RENEW_AT_SHARE) return token
    held.delete(scope)
    return undefined
  }

  /** The realm to use for a challenge, checked against where credentials may go. */
  const realmFor = (challenge: BearerChallenge): TokenEndpoint => {
    const service = challenge.service ?? endpoint?.service
    if (options.realmOverride) return { realm: options.realmOverride, ...(service === undefined ? {} : { service }) }
    let realm: URL
    try {
      realm = new URL(challenge.realm)
    } catch {
      throw new AppError('BAD_RESPONSE', `${account}: ${hostOf(base)} names an unreadable token service URL in its 401 challenge`, {
        account,
        status: 401
      })
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new AppError('BAD_RESPONSE', `${account}: ${hostOf(base)} names a token service that is not http(s)`, { account, status: 401 })
    }
    realm.hash = ''
    return { realm, ...(service === undefined ? {} : { service }) }
  }

  /** Refuses to send credentials where the account did not say they may go. */
  const checkCredentialTarget = (target: URL): void => {
    if (options.realmOverride && target.href === options.realmOverride.href) return
    const where = `${target.protocol}//${hostOf(target)}${target.pathname}`
    if (target.hostname.toLowerCase() !== base.hostname.toLowerCase()) {
      throw new AppError(
        'INVALID_INPUT',
        `${account}: ${hostOf(base)} asks for a token from ${where}, another host than the account URL; ` +
          "the credentials are sent there only if the account's token realm is set to it",
        { account }
      )
    }
    if (target.protocol !== 'https:' && !isLoopbackHost(target.hostname)) {
      throw new AppError(
        'INVALID_INPUT',
        `${account}: ${hostOf(base)} asks for a token over plain http (${where}); the credentials are not sent unencrypted`,
        { account }
      )
    }
  }

  const requestToken = async (ctx: ConnectorContext, target: TokenEndpoint, scope: string): Promise<HeldToken> => {
    const credentials = await options.credentials(ctx)
    const url = new URL(target.realm.toString())
    if (target.service !== undefined) url.searchParams.set('service', target.service)
    if (scope !== '') url.searchParams.set('scope', scope)
    const headers: Record<string, string> = {}
    const secrets: string[] = []
    if (credentials !== null) {
      checkCredentialTarget(target.realm)
      headers['authorization'] = `Basic ${Buffer.from(`${credentials.username}:${credentials.secret}`).toString('base64')}`
      secrets.push(credentials.secret, headers['authorization'])
    }
    const response = await http.send(ctx, { url, headers, secrets })
    const where = `${url.protocol}//${hostOf(url)}${url.pathname}`
    const who = credentials === null ? 'an anonymous request' : `the credentials of ${credentials.username}`
    if (response.status === 401 || response.status === 403) {
      const said = errcodeText(response, secrets)
      throw new AppError(
        'AUTH_FAILED',
        `${account}: the token service ${where} refused ${who} (HTTP ${response.status}${said ? `: ${said}` : ''}); ` +
          'check the username and the password or access token' +
          (options.realmOverride ? '' : ", and whether that URL is a token service (else set the account's token realm)"),
        { account, status: response.status }
      )
    }
    if (response.status < 200 || response.status > 299) throw http.unexpected(response, secrets, `the token request to ${where}`)
    const body = parseTokenJson(response, account)
    const value = typeof body['access_token'] === 'string' && body['access_token'] !== '' ? body['access_token'] : body['token']
    if (typeof value !== 'string' || value === '') {
      throw new AppError('BAD_RESPONSE', `${account}: bad response from ${hostOf(url)}: the token response has no token`, {
        account,
        status: response.status
      })
    }
    const expiresIn = body['expires_in']
    const lifetimeS = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_S
    return { value, obtainedAt: http.now(), lifetimeMs: lifetimeS * 1000 }
  }

  return {
    reset: () => held.clear(),
    async get(ctx, url, scope) {
      let token = fresh(scope)
      const heldBefore = token !== undefined
      // A known token service saves the unauthenticated round trip that would only fetch a challenge.
      if (token === undefined && endpoint !== undefined) {
        token = await requestToken(ctx, endpoint, scope)
        held.set(scope, token)
      }
      let answeredChallenge = false
      for (;;) {
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token.value}` } : {}
        const secrets = token ? [token.value] : []
        const response = await http.send(ctx, { url, headers, secrets })
        if (response.status !== 401) return response
        const challenge = parseBearerChallenge(response.headers['www-authenticate'])
        if (challenge === undefined) {
          const said = errcodeText(response, secrets)
          throw new AppError(
            'AUTH_FAILED',
            `${account}: ${label} at ${hostOf(url)} refused the request (HTTP 401${said ? `: ${said}` : ''}) without naming a token service`,
            { account, status: 401 }
          )
        }
        if (answeredChallenge) {
          held.delete(scope)
          const said = errcodeText(response, secrets)
          throw new AppError(
            'AUTH_FAILED',
            `${account}: ${label} at ${hostOf(url)} refused the token it had just been given (HTTP 401 again right after signing in` +
              `${challenge.error ? `, ${challenge.error}` : ''}${said ? `: ${said}` : ''}); the user may lack access to ${scope}`,
            { account, status: 401 }
          )
        }
        answeredChallenge = true
        endpoint = realmFor(challenge)
        if (token !== undefined && heldBefore) ctx.notify({ type: 'reauthenticated' })
        held.delete(scope)
        token = await requestToken(ctx, endpoint, challenge.scope ?? scope)
        held.set(scope, token)
      }
    }
  }
}

function parseTokenJson(response: HttpResponse, account: string): Record<string, unknown> {
  const body = parseJsonBody(response, account)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('BAD_RESPONSE', `${account}: bad response from ${hostOf(response.url)}: the token response is not a JSON object`, {
      account,
      status: response.status
    })
  }
  return body as Record<string, unknown>
}
