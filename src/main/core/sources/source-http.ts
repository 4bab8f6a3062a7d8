import { readFile } from 'node:fs/promises'
import type { ZodType } from 'zod'
import { AppError } from '../errors'
import { hostOf, httpRequest, type HttpMethod, type HttpResponse } from '../net/http-client'
import { serverErrorText } from '../net/json-body'
import {
  DEFAULT_RETRY_POLICY,
  REAL_RETRY_ENVIRONMENT,
  requestWithRetry,
  type RetryEnvironment,
  type RetryPolicy
} from '../net/retry'
import type { ConnectorContext } from './connector'

/**
 * The HTTP side the connectors share (Docker Hub, MSR, Harbor, Quay, Notary; IBM its CA loading
 * only): checking the account URL and options, reading the account's CA file, and sending a
 * request through the retry policy with the account's limits. Connector-specific meaning of
 * statuses stays in the connector.
 */

/** What tests and callers may replace; every field has a production default. */
export interface SourceHttpDeps {
  /** Clock in ms since the epoch (token age, rate-limit dates). Default Date.now. */
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
  /** Records asked for per page; each connector documents its default. */
  pageSize?: number
}

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOST.test(hostname)
}

/**
 * Checks an account URL: https, or http only for this computer (localhost, 127.0.0.0/8, ::1);
 * no user info, query or fragment. `label` names the product in messages ("MSR", "Notary").
 * Throws INVALID_INPUT.
 */
export function sourceBaseUrl(url: string, label: string, account?: string): URL {
  const prefix = account ? `${account}: ` : ''
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AppError('INVALID_INPUT', `${prefix}the ${label} URL is not a valid URL`, { account })
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new AppError('INVALID_INPUT', `${prefix}the ${label} URL must not contain a user name or password`, { account })
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new AppError('INVALID_INPUT', `${prefix}the ${label} URL must not have a query or fragment`, { account })
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) {
    throw new AppError(
      'INVALID_INPUT',
      `${prefix}the ${label} URL must start with https:// (http:// is accepted only for localhost, 127.0.0.0/8 and ::1)`,
      { account }
    )
  }
  return parsed
}

/** Parses an account's options with the kind's schema; INVALID_INPUT naming the first bad option. */
export function readSourceOptions<T>(schema: ZodType<T>, options: unknown, label: string, account: string): T {
  const parsed = schema.safeParse(options)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new AppError(
    'INVALID_INPUT',
    `${account}: ${label} option "${issue?.path.join('.') || 'options'}" is invalid: ${issue?.message ?? 'invalid'}`,
    { account }
  )
}

/** `base` + `path` (base's own path kept as a prefix) + query. */
export function sourceUrl(base: URL, path: string, query: Record<string, string | number> = {}): URL {
  const url = new URL(base.toString())
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value))
  return url
}

export interface SourceRequest {
  method?: HttpMethod
  url: URL
  headers?: Record<string, string>
  /** Values to redact from any server text quoted in an error. */
  secrets?: readonly string[]
  body?: string
}

export interface SourceHttp {
  readonly account: string
  readonly now: () => number
  /** Sends through the retry policy (5xx, network errors, 429); any other status is returned. */
  send(ctx: ConnectorContext, request: SourceRequest): Promise<HttpResponse>
  /** BAD_RESPONSE for a status the caller did not expect, quoting the server's own short text. */
  unexpected(response: HttpResponse, secrets: readonly string[], what?: string): AppError
}

/**
 * Builds the request side of a connector for one account. The CA file is read on first use (and
 * read again after a failure, so fixing the file fixes the next attempt).
 */
export function createSourceHttp(options: {
  account: string
  caFile?: string
  deps?: SourceHttpDeps
}): SourceHttp {
  const { account, caFile } = options
  const deps = options.deps ?? {}
  const now = deps.now ?? Date.now
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...(deps.retry ?? {}) }
  const env: RetryEnvironment = {
    sleep: deps.sleep ?? REAL_RETRY_ENVIRONMENT.sleep,
    random: deps.random ?? REAL_RETRY_ENVIRONMENT.random,
    now
  }
  const loadCa = createCaLoader({ account, caFile, ca: deps.ca })

  return {
    account,
    now,
    async send(ctx, request) {
      const ca = await loadCa()
      const method = request.method ?? 'GET'
      return requestWithRetry(
        () =>
          httpRequest({
            method,
            url: request.url,
            headers: { accept: 'application/json', 'user-agent': 'registry-audit-viewer', ...(request.headers ?? {}) },
            body: request.body,
            ca,
            timeoutMs: deps.timeoutMs,
            idleTimeoutMs: deps.idleTimeoutMs,
            maxBodyBytes: deps.maxBodyBytes,
            signal: ctx.signal,
            account
          }),
        { url: request.url, account, policy, env, signal: ctx.signal, notify: ctx.notify, secrets: request.secrets ?? [] }
      )
    },
    unexpected(response, secrets, what) {
      const said = serverErrorText(response, secrets) ?? errcodeText(response, secrets)
      return new AppError(
        'BAD_RESPONSE',
        `${account}: bad response from ${hostOf(response.url)}${what ? ` for ${what}` : ''}: HTTP ${response.status}` +
          `${said ? ` ("${said}")` : ''}`,
        { account, status: response.status }
      )
    }
  }
}

/**
 * The account's extra CA: `ca` when given, else the PEM file `caFile` read on first use and kept;
 * a failed read is not kept, so fixing the file fixes the next attempt. INVALID_INPUT as readCaFile.
 */
export function createCaLoader(options: { account: string; caFile?: string; ca?: string }): () => Promise<string | undefined> {
  const { account, caFile, ca } = options
  let caText: Promise<string | undefined> | undefined
  return () => {
    if (ca !== undefined) return Promise.resolve(ca)
    if (caFile === undefined) return Promise.resolve(undefined)
    caText ??= readCaFile(caFile, account)
    caText.catch(() => (caText = undefined))
    return caText
  }
}

/** Reads a PEM CA file; INVALID_INPUT when it cannot be read or holds no certificate. */
export async function readCaFile(file: string, account: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable'
    throw new AppError('INVALID_INPUT', `${account}: the CA file ${file} cannot be read (${code})`, { account, cause: error })
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new AppError('INVALID_INPUT', `${account}: the CA file ${file} holds no PEM certificate`, { account })
  }
  return text
}

/**
 * The first message of a docker/distribution error envelope (`{"errors":[{"code","message",
 * "detail"}]}`), which DTR and notary-server both use: "CODE: message". Cleaned like
 * serverErrorText: one line, credentials redacted, at most 200 characters.
 */
export function errcodeText(response: HttpResponse, secrets: readonly string[] = []): string | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(response.body.toString('utf8'))
  } catch {
    return undefined
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors
  if (!Array.isArray(errors) || errors.length === 0) return undefined
  const first = errors[0] as { code?: unknown; message?: unknown } | null
  const code = typeof first?.code === 'string' ? first.code : ''
  const message = typeof first?.message === 'string' ? first.message : ''
  const text = [code, message].filter((part) => part !== '').join(': ')
  if (text === '') return undefined
  const fake: HttpResponse = { ...response, body: Buffer.from(JSON.stringify({ message: text })) }
  return serverErrorText(fake, secrets)
}
