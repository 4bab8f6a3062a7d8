import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import type { HttpResponse } from '../../src/main/core/net/http-client'
import { parseJsonBody, redactSecrets, serverErrorText } from '../../src/main/core/net/json-body'
import {
  DEFAULT_RETRY_POLICY,
  abortableSleep,
  backoffDelayMs,
  formatDuration,
  requestWithRetry,
  requestedWaitMs,
  type RetryEnvironment
} from '../../src/main/core/net/retry'

/** Retry timing and the JSON body helpers, with a fake clock and scripted answers. */

const NOW = Date.parse('2025-06-01T12:00:00Z')
const url = new URL('https://hub.example:8443/v2/x')
const response = (status: number, headers: Record<string, string> = {}, body = '{}'): HttpResponse => ({
  status,
  headers,
  body: Buffer.from(body),
  url
})

function fakeEnv(): RetryEnvironment & { sleeps: number[] } {
  const sleeps: number[] = []
  let now = NOW
  return {
    sleeps,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    }
  }
}

/** The AppError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AppError) return error
    throw error
  }
  throw new Error('expected a rejection')
}

/** A `send` that plays a script: a response, or an error to throw. */
function script(...steps: Array<HttpResponse | AppError>): () => Promise<HttpResponse> {
  let i = 0
  return async () => {
    const step = steps[Math.min(i++, steps.length - 1)]!
    if (step instanceof AppError) throw step
    return step
  }
}

describe('requested waits', () => {
  it.each([
    [{ 'retry-after': '7' }, 7000],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': new Date(NOW + 90_000).toUTCString() }, 90_000],
    [{ 'retry-after': new Date(NOW - 90_000).toUTCString() }, 0],
    [{ 'x-retry-after': String(NOW / 1000 + 42) }, 42_000],
    [{ 'x-ratelimit-reset': String(NOW / 1000 + 5) }, 5000],
    [{ 'retry-after': '3', 'x-retry-after': String(NOW / 1000 + 42) }, 3000],
    [{ 'x-retry-after': String(NOW / 1000 + 42), 'x-ratelimit-reset': String(NOW / 1000 + 5) }, 42_000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined]
  ])('%j → %s ms', (headers, expected) => {
    expect(requestedWaitMs(headers as Record<string, string>, NOW)).toBe(expected)
  })

  it('on a 5xx only Retry-After counts', () => {
    expect(requestedWaitMs({ 'x-ratelimit-reset': String(NOW / 1000 + 5) }, NOW, { retryAfterOnly: true })).toBeUndefined()
  })

  it('backoff doubles from the base, is capped, and jitters between half and all of it', () => {
    const policy = DEFAULT_RETRY_POLICY
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([250, 500, 1000, 2000])
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 1))).toEqual([500, 1000, 2000, 4000])
    expect(backoffDelayMs(20, policy, () => 1)).toBe(30_000)
    expect(backoffDelayMs(20, policy, () => 0)).toBe(15_000)
  })

  it('formats durations for messages', () => {
    expect([450, 5600, 540_000, 9_000_000].map(formatDuration)).toEqual(['450 ms', '5.6 s', '9 min', '2.5 h'])
  })
})

describe('requestWithRetry', () => {
  it('retries network errors and 5xx, reporting each wait, and returns the first other answer', async () => {
    const env = fakeEnv()
    const notices: unknown[] = []
    const result = await requestWithRetry(
      script(new AppError('NETWORK', 'h: reset'), response(503), new AppError('TIMEOUT', 'h: slow'), response(404)),
      { url, env, notify: (n) => notices.push(n) }
    )
    expect(result.status).toBe(404)
    expect(env.sleeps).toEqual([375, 750, 1500])
    expect(notices).toEqual([
      { type: 'waiting', reason: 'retry', ms: 375 },
      { type: 'waiting', reason: 'retry', ms: 750, status: 503 },
      { type: 'waiting', reason: 'retry', ms: 1500 }
    ])
  })

  it('does not retry TLS errors, 501 or 4xx', async () => {
    const env = fakeEnv()
    await expect(requestWithRetry(script(new AppError('TLS', 'bad cert')), { url, env })).rejects.toMatchObject({ code: 'TLS' })
    expect((await requestWithRetry(script(response(501)), { url, env })).status).toBe(501)
    expect((await requestWithRetry(script(response(400)), { url, env })).status).toBe(400)
    expect(env.sleeps).toEqual([])
  })

  it('gives up after maxAttempts with the count and time in the message', async () => {
    const env = fakeEnv()
    const error = await rejection(
      requestWithRetry(script(new AppError('NETWORK', 'a: cannot connect to hub.example:8443: connection refused')), {
        url,
        env,
        account: 'a'
      })
    )
    expect(error.message).toBe('a: cannot connect to hub.example:8443: connection refused (gave up after 5 attempts over 5.6 s)')
  })

  it('a 429 with a too-long wait gives up at once; within the cap it waits and counts', async () => {
    const env = fakeEnv()
    const error = await rejection(requestWithRetry(script(response(429, { 'retry-after': '3600' })), { url, env, account: 'a' }))
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429 })
    expect(error.message).toBe(
      'a: rate limited by hub.example:8443: it asks to wait 60 min, longer than the 15 min limit; try again after 2025-06-01T13:00:00Z'
    )
    const ok = await requestWithRetry(script(response(429, { 'retry-after': '0' }), response(200)), { url, env })
    expect(ok.status).toBe(200)
    // A zero wait is raised to a polite second.
    expect(env.sleeps).toEqual([1000])
  })

  it('redacts credentials from quoted server text', async () => {
    const env = fakeEnv()
    const body = JSON.stringify({ message: 'bad token dckr_pat_abcdef123 / eyJhbGciOi.eyJzdWIi.sig / s3cr3t-value' })
    const error = await rejection(requestWithRetry(script(response(500, {}, body)), { url, env, secrets: ['s3cr3t-value'] }))
    expect(error.message).toContain('("bad token [redacted] / [redacted] / [redacted]")')
  })

  it('an abort during a wait is CANCELLED at once', async () => {
    const controller = new AbortController()
    const started = Date.now()
    const waiting = requestWithRetry(script(response(429, { 'retry-after': '60' })), {
      url,
      account: 'a',
      signal: controller.signal,
      env: { sleep: abortableSleep, random: () => 0.5, now: Date.now }
    })
    setTimeout(() => controller.abort(), 50)
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED', message: 'a: cancelled' })
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe('json bodies', () => {
  it('says what arrived instead of JSON', () => {
    const html = { ...response(502, { 'content-type': 'text/html; charset=utf-8' }, '<html>') }
    expect(() => parseJsonBody(html, 'acct')).toThrow('acct: bad response from hub.example:8443: expected JSON, got text/html (HTTP 502)')
    expect(() => parseJsonBody(response(200, { 'content-type': 'application/json' }, '{"logs": ['), 'acct')).toThrow(
      'acct: bad response from hub.example:8443: the JSON is malformed or truncated (HTTP 200)'
    )
    expect(() => parseJsonBody(response(200, {}, ''), 'acct')).toThrow(/expected JSON, got an empty body \(HTTP 200\)/)
  })

  it('accepts JSON with or without a content type, +json types and a BOM', () => {
    expect(parseJsonBody(response(200, {}, '{"a":1}'))).toEqual({ a: 1 })
    expect(parseJsonBody(response(200, { 'content-type': 'application/problem+json' }, '\uFEFF{"a":2}'))).toEqual({ a: 2 })
  })

  it('quotes server error text on one line, short and redacted', () => {
    const long = JSON.stringify({ detail: `line1\nline2\u0000 ${'x'.repeat(300)}` })
    const text = serverErrorText(response(400, {}, long))!
    expect(text.startsWith('line1 line2 ')).toBe(true)
    expect(text).toHaveLength(200)
    expect(serverErrorText(response(400, {}, '<html>'))).toBeUndefined()
    expect(redactSecrets('x dckr_oat_AbC-1 y', [])).toBe('x [redacted] y')
  })
})
