import { AppError } from '../errors'
import { hostOf, type HttpResponse } from '../net/http-client'
import { parseJsonBody } from '../net/json-body'
import { cloudLogsErrorText } from './ibm-sse'

/**
 * IBM Cloud IAM: an API key exchanged for a bearer token (contract "Authentication (IAM)").
 * `POST {iam}/identity/token`, form-encoded `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=…`;
 * the answer has `access_token`, `expires_in` (seconds) and `expiration` (unix seconds).
 */

export const IAM_GRANT_TYPE = 'urn:ibm:params:oauth:grant-type:apikey'

/** The form body of a token request. */
export function iamTokenRequestBody(apiKey: string): string {
  return new URLSearchParams({ grant_type: IAM_GRANT_TYPE, apikey: apiKey }).toString()
}

export interface IamToken {
  accessToken: string
  /** Local time (ms) after which the token is renewed before use. */
  renewAt: number
}

/** Tokens last at most an hour; when IAM names no lifetime, renew after half of that. */
const FALLBACK_LIFETIME_MS = 30 * 60_000

/**
 * When to renew: from `expiration`, IAM's own clock, moved onto ours with the answer's Date header,
 * a fifth of the lifetime early (what IBM's SDKs do) so a slow query never carries a token past
 * its end. Without `expiration`, from `expires_in`.
 */
export function iamRenewAt(
  body: { expiration?: unknown; expires_in?: unknown },
  localNow: number,
  serverDate: number | undefined
): number {
  const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : undefined
  const marginMs = lifetimeS !== undefined ? lifetimeS * 200 : 5 * 60_000
  if (typeof body.expiration === 'number' && body.expiration > 0) {
    const skew = serverDate === undefined || Number.isNaN(serverDate) ? 0 : serverDate - localNow
    return Math.max(localNow, body.expiration * 1000 - skew - marginMs)
  }
  if (lifetimeS !== undefined) return localNow + lifetimeS * 800
  return localNow + FALLBACK_LIFETIME_MS
}

/**
 * Interprets IAM's answer. Throws AUTH_FAILED for a refused key (IAM answers 400 for an unknown or
 * disabled key, 401/403 otherwise), BAD_RESPONSE for anything unreadable. Messages quote IAM's
 * `errorMessage` with credentials removed.
 */
export function readIamTokenResponse(
  response: HttpResponse,
  options: { account: string; localNow: number; secrets: readonly string[] }
): IamToken {
  const { account } = options
  const host = hostOf(response.url)
  if (response.status === 400 || response.status === 401 || response.status === 403) {
    let said: string | undefined
    try {
      said = cloudLogsErrorText(JSON.parse(response.body.toString('utf8')), options.secrets)
    } catch {
      said = undefined
    }
    throw new AppError(
      'AUTH_FAILED',
      `${account}: IBM Cloud IAM at ${host} did not accept the API key (HTTP ${response.status}${said ? `: ${said}` : ''}); ` +
        'check the API key stored for this account (a service ID API key is best for automation)',
      { account, status: response.status }
    )
  }
  if (response.status === 404) {
    throw new AppError(
      'BAD_RESPONSE',
      `${account}: ${host} has no IAM token endpoint (HTTP 404 for /identity/token); check the IAM URL`,
      { account, status: 404 }
    )
  }
  if (response.status < 200 || response.status > 299) {
    throw new AppError('BAD_RESPONSE', `${account}: bad response from ${host}: HTTP ${response.status} for the IAM token`, {
      account,
      status: response.status
    })
  }
  const json = parseJsonBody(response, account)
  const body = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {}
  const token = body['access_token']
  if (typeof token !== 'string' || token === '') {
    throw new AppError('BAD_RESPONSE', `${account}: bad response from ${host}: the IAM answer has no access_token`, {
      account,
      status: response.status
    })
  }
  const date = response.headers['date'] ? Date.parse(response.headers['date']) : undefined
  return { accessToken: token, renewAt: iamRenewAt(body, options.localNow, date) }
}
