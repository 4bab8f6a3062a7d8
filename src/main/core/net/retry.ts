import { AppError } from '../errors'
import type { ConnectorNotice } from '../sources/connector'
import { hostOf, messagePrefix, type HttpResponse } from './http-client'
import { serverErrorText } from './json-body'

/**
 * When and how long to wait before trying a request again.
 *
 * - Network errors, timeouts and 5xx: capped exponential backoff with jitter, a fixed number of
 *   attempts in all, then a give-up error that says how often and how long we tried.
 * - 429: wait what the server asks (`Retry-After` seconds or HTTP date, `X-Retry-After` or
 *   `X-RateLimit-Reset` unix time); a wait longer than `maxRateLimitWaitMs`, or too many 429s in a
 *   row, gives up with RATE_LIMITED and the time to come back.
 */
export interface RetryPolicy {
  /** Attempts in all for one request that keeps failing with a network error, timeout or 5xx. */
  maxAttempts: number
  /** First backoff delay; doubles each attempt. */
  baseDelayMs: number
  /** Largest single backoff delay. */
  maxDelayMs: number
  /** Longest rate-limit wait accepted; a longer one gives up at once. */
  maxRateLimitWaitMs: number
  /** 429 answers in a row accepted for one request before giving up. */
  maxRateLimitRetries: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRateLimitWaitMs: 15 * 60_000,
  maxRateLimitRetries: 10
}

/** The clock, sleep and randomness the policy uses; tests pass fakes so nothing really waits. */
export interface RetryEnvironment {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  random: () => number
  now: () => number
}

/** Resolves after `ms`, or rejects with CANCELLED as soon as the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AppError('CANCELLED', 'cancelled'))
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new AppError('CANCELLED', 'cancelled'))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export const REAL_RETRY_ENVIRONMENT: RetryEnvironment = {
  sleep: abortableSleep,
  random: Math.random,
  now: Date.now
}

/**
 * Backoff before retry number `attempt` (1 for the first retry): base·2^(attempt−1), capped, with
 * "equal jitter" (half fixed, half random) so clients spread out yet never retry instantly.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exponential / 2 + random() * (exponential / 2))
}

/**
 * How long a 429 (or a 503) asks us to wait, in ms, from its headers; undefined when it says nothing
 * readable. `Retry-After` is seconds or an HTTP date; `X-Retry-After` and `X-RateLimit-Reset` are
 * unix times in seconds, in that order of preference. A time already past means "now" (0).
 * `retryAfterOnly` reads just `Retry-After`: the Hub sends X-RateLimit-Reset on every answer, so on
 * a 5xx it says nothing about when the failure ends.
 */
export function requestedWaitMs(
  headers: Record<string, string>,
  nowMs: number,
  options: { retryAfterOnly?: boolean } = {}
): number | undefined {
  const retryAfter = headers['retry-after']?.trim()
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000)
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs)
  }
  if (options.retryAfterOnly) return undefined
  for (const name of ['x-retry-after', 'x-ratelimit-reset']) {
    const value = headers[name]?.trim()
    if (value && /^\d+(\.\d+)?$/.test(value)) return Math.max(0, Math.round(Number(value) * 1000 - nowMs))
  }
  return undefined
}

/** 5xx answers worth retrying: not "not implemented" or "version not supported". */
function isRetryableStatus(status: number): boolean {
  return status >= 500 && status <= 599 && status !== 501 && status !== 505
}

function isRetryableError(error: unknown): error is AppError {
  return error instanceof AppError && (error.code === 'NETWORK' || error.code === 'TIMEOUT')
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`
  return `${Math.round(ms / 360_000) / 10} h`
}

export interface RetryOptions {
  /** The request's URL, for messages. */
  url: URL
  account?: string
  policy?: RetryPolicy
  env?: RetryEnvironment
  signal?: AbortSignal
  notify?: (notice: ConnectorNotice) => void
  /** Values to redact from server text quoted in a give-up message. */
  secrets?: readonly string[]
}

/**
 * Runs `send` until it returns a response that is neither 429 nor a retryable 5xx, waiting in
 * between as the policy says; every wait is reported through `notify`. Other statuses are
 * returned for the caller to interpret; non-network errors are thrown at once.
 */
export async function requestWithRetry(send: () => Promise<HttpResponse>, options: RetryOptions): Promise<HttpResponse> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY
  const env = options.env ?? REAL_RETRY_ENVIRONMENT
  const prefix = messagePrefix(options.account)
  const host = hostOf(options.url)
  let failures = 0
  let rateLimited = 0
  let waitedMs = 0

  const wait = async (ms: number, reason: 'rate-limit' | 'retry', status?: number): Promise<void> => {
    options.notify?.({ type: 'waiting', reason, ms, ...(status === undefined ? {} : { status }) })
    waitedMs += ms
    try {
      await env.sleep(ms, options.signal)
    } catch (error) {
      if (error instanceof AppError && error.code === 'CANCELLED') {
        throw new AppError('CANCELLED', `${prefix}cancelled`, { account: options.account })
      }
      throw error
    }
  }

  for (;;) {
    if (options.signal?.aborted) throw new AppError('CANCELLED', `${prefix}cancelled`, { account: options.account })
    let response: HttpResponse
    try {
      response = await send()
    } catch (error) {
      if (!isRetryableError(error)) throw error
      failures++
      if (failures >= policy.maxAttempts) {
        throw new AppError(
          error.code,
          `${error.message} (gave up after ${failures} attempts over ${formatDuration(waitedMs)})`,
          { account: options.account, cause: error }
        )
      }
      await wait(backoffDelayMs(failures, policy, env.random), 'retry')
      continue
    }

    if (response.status === 429) {
      rateLimited++
      const asked = requestedWaitMs(response.headers, env.now())
      const ms = Math.max(1000, asked ?? backoffDelayMs(rateLimited, { ...policy, baseDelayMs: 5000, maxDelayMs: 60_000 }, env.random))
      if (ms > policy.maxRateLimitWaitMs) {
        const until = new Date(env.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
        throw new AppError(
          'RATE_LIMITED',
          `${prefix}rate limited by ${host}: it asks to wait ${formatDuration(ms)}, longer than the ` +
            `${formatDuration(policy.maxRateLimitWaitMs)} limit; try again after ${until}`,
          { account: options.account, status: 429 }
        )
      }
      if (rateLimited > policy.maxRateLimitRetries) {
        throw new AppError(
          'RATE_LIMITED',
          `${prefix}still rate limited by ${host} after ${policy.maxRateLimitRetries} waits ` +
            `(${formatDuration(waitedMs)} in all); try again later`,
          { account: options.account, status: 429 }
        )
      }
      await wait(ms, 'rate-limit', 429)
      continue
    }

    if (isRetryableStatus(response.status)) {
      failures++
      if (failures >= policy.maxAttempts) {
        const said = serverErrorText(response, options.secrets)
        throw new AppError(
          'BAD_RESPONSE',
          `${prefix}${host} kept failing with HTTP ${response.status}${said ? ` ("${said}")` : ''}; ` +
            `gave up after ${failures} attempts over ${formatDuration(waitedMs)}`,
          { account: options.account, status: response.status }
        )
      }
      const backoff = backoffDelayMs(failures, policy, env.random)
      const asked = requestedWaitMs(response.headers, env.now(), { retryAfterOnly: true })
      const ms = asked === undefined ? backoff : Math.min(policy.maxDelayMs, Math.max(backoff, asked))
      await wait(ms, 'retry', response.status)
      continue
    }
    return response
  }
}
