import type { Account } from '../../../shared/account'
import {
  IBM_DEFAULTS,
  IBM_TIER_ROW_LIMITS,
  ibmOptionsSchema,
  isHttpsOrLoopbackUrl,
  type IbmOptions
} from '../../../shared/account-options/ibm'
import {
  describeIbmEventDelivery,
  findIbmRegistryRegion,
  ibmDeliveryRegion,
  ibmLogsEndpointRegion,
  type IbmRegistryRegion
} from '../../../shared/account-options/ibm-regions'
import type { NormalisedEvent } from '../../../shared/event'
import { parseBoundedJson } from '../bounded-json'
import { AppError } from '../errors'
import { HTTP_DEFAULTS, hostOf, httpRequest, type HttpResponse } from '../net/http-client'
import { mediaTypeForMessage } from '../net/json-body'
import {
  DEFAULT_RETRY_POLICY,
  REAL_RETRY_ENVIRONMENT,
  requestedWaitMs,
  requestWithRetry,
  type RetryEnvironment,
  type RetryPolicy
} from '../net/retry'
import type { ConnectionTestResult, Connector, ConnectorContext, SourcePage, SourceRecord } from './connector'
import { extractIbmEvent, ibmEventAction, ibmEventId, parseIbmEventTime } from './ibm-event'
import { iamTokenRequestBody, readIamTokenResponse, type IamToken } from './ibm-iam'
import { IBM_ACTION_PREFIX, normaliseIbmRecord } from './ibm-normalise'
import { createQueryLimiter, type QueryLimiter } from './ibm-query-limiter'
import {
  completeIbmSlice,
  nextIbmSlice,
  readIbmCursor,
  shrinkIbmRun,
  startIbmRun,
  type IbmRun,
  type IbmSlice,
  type IbmSliceSettings
} from './ibm-slices'
import { cloudLogsErrorText, readCloudLogsStream, type CloudLogsAnswer } from './ibm-sse'
import { createCaLoader } from './source-http'

/**
 * IBM Cloud Container Registry events read from IBM Cloud Logs (sources/4-ibm-activity-tracker.md),
 * one stream: `events`.
 *
 * The account URL is the Cloud Logs instance endpoint; the secret is an IAM API key, exchanged at
 * `{iamUrl}/identity/token` for a bearer kept in memory only and renewed from its `expiration`
 * (and once more on a 401; a second 401 in a row is AUTH_FAILED).
 *
 * Reading: `POST {endpoint}/v1/query` (DataPrime, `Accept: text/event-stream`) for application
 * `ibm-audit-event` and `container-registry.` actions over time slices (ibm-slices.ts), at most ten
 * queries a minute (a client-side limiter; a 429 still waits, a whole minute when the server says
 * nothing), rows decoded from `user_data` (JSON inside a string). A record's id is the hash of the
 * event (ibm-event.ts), so re-read overlaps and export-file imports dedup against each other.
 */

export const IBM_STREAM = 'events'

export const IBM_CONNECTOR_DEFAULTS = {
  /** Widest time slice one query reads. */
  maxSpanMs: 7 * 24 * 3_600_000,
  /** Narrowest slice: one that still reaches the row limit is taken with a warning. */
  minSpanMs: 1000,
  /** Cloud Logs allows ten API queries a minute per instance. */
  queriesPerMinute: 10,
  /** A DataPrime query may think before its first byte. */
  queryTimeoutMs: 60_000,
  /** The wait after a 429 that names none: the server's window is a minute. */
  rateLimitWaitSeconds: 60,
  /**
   * Room per row asked for when sizing a query's largest accepted answer: an event is 1–3 KB, and
   * `user_data` escapes it once more. A large limit raises the body cap above the default 32 MiB.
   */
  bytesPerRow: 8 * 1024
} as const

/** What tests and callers may replace; every field has a production default. */
export interface IbmConnectorDeps {
  /** Clock in ms since the epoch (token renewal, run bounds, the query limiter). Default Date.now. */
  now?: () => number
  /** Sleep used for retry, rate-limit and pacing waits. Default a real, abortable timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
  retry?: Partial<RetryPolicy>
  /** Until response headers; default 60 s for queries, 30 s for IAM. */
  timeoutMs?: number
  idleTimeoutMs?: number
  /** Default 32 MiB, or 8 KiB per row asked for when that is more. */
  maxBodyBytes?: number
  /** PEM text of a CA to trust besides the system's; default: the file at `options.caFile`, if any. */
  ca?: string
  /** Queries allowed per minute; default 10. */
  queriesPerMinute?: number
  /** A limiter shared by several connectors of one instance; default one per connector. */
  limiter?: QueryLimiter
  maxSpanMs?: number
  minSpanMs?: number
}

function invalidOption(name: string, issue: { path: PropertyKey[]; message: string } | undefined): AppError {
  return new AppError(
    'INVALID_INPUT',
    `${name}: IBM option "${issue?.path.map(String).join('.') || 'options'}" is invalid: ${issue?.message ?? 'invalid'}`,
    { account: name }
  )
}

/** The DataPrime query for Container Registry events (sources/4: application label and action prefix). */
export function ibmEventsQuery(applicationName: string): string {
  return `source logs | filter $l.applicationname == '${applicationName}' && $d.action.startsWith('${IBM_ACTION_PREFIX}')`
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

/** Builds the IBM connector for an account. Throws INVALID_INPUT on bad options or URL. */
export function createIbmConnector(account: Account, deps: IbmConnectorDeps = {}): Connector {
  const name = account.name
  const parsed = ibmOptionsSchema.safeParse(account.options)
  if (!parsed.success) throw invalidOption(name, parsed.error.issues[0])
  const options: IbmOptions = parsed.data
  const region = findIbmRegistryRegion(options.region) as IbmRegistryRegion
  if (!isHttpsOrLoopbackUrl(account.url)) {
    throw new AppError(
      'INVALID_INPUT',
      `${name}: the Cloud Logs endpoint must be an https:// URL (http:// only for a loopback address), without user name, query or fragment`,
      { account: name }
    )
  }
  const base = new URL(account.url)
  const host = hostOf(base)
  const iamBase = new URL(options.iamUrl ?? IBM_DEFAULTS.iamUrl)
  const iamHost = hostOf(iamBase)
  const tier = options.tier ?? IBM_DEFAULTS.tier
  const tierMax = IBM_TIER_ROW_LIMITS[tier]
  const queryLimit = Math.min(options.queryLimit ?? IBM_DEFAULTS.queryLimit, tierMax)
  const query = ibmEventsQuery(options.applicationName ?? IBM_DEFAULTS.applicationName)
  const now = deps.now ?? Date.now
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...(deps.retry ?? {}) }
  const env: RetryEnvironment = {
    sleep: deps.sleep ?? REAL_RETRY_ENVIRONMENT.sleep,
    random: deps.random ?? REAL_RETRY_ENVIRONMENT.random,
    now
  }
  const limiter =
    deps.limiter ??
    createQueryLimiter({ perWindow: deps.queriesPerMinute ?? IBM_CONNECTOR_DEFAULTS.queriesPerMinute, now, sleep: env.sleep })
  const slices: IbmSliceSettings = {
    lookbackMs: (options.lookbackDays ?? IBM_DEFAULTS.lookbackDays) * 86_400_000,
    overlapMs: (options.overlapMinutes ?? IBM_DEFAULTS.overlapMinutes) * 60_000,
    maxSpanMs: deps.maxSpanMs ?? IBM_CONNECTOR_DEFAULTS.maxSpanMs,
    minSpanMs: deps.minSpanMs ?? IBM_CONNECTOR_DEFAULTS.minSpanMs
  }
  const caFile = options.caFile

  let token: IamToken | null = null
  const loadCa = createCaLoader({ account: name, caFile, ca: deps.ca })

  const urlOn = (root: URL, path: string): URL => {
    const url = new URL(root.toString())
    url.pathname = `${root.pathname.replace(/\/+$/, '')}${path}`
    return url
  }

  const send = async (
    ctx: ConnectorContext,
    request: {
      url: URL
      headers: Record<string, string>
      body: string
      paced: boolean
      timeoutMs: number
      maxBodyBytes?: number
    },
    secrets: readonly string[]
  ): Promise<HttpResponse> => {
    const ca = await loadCa()
    return requestWithRetry(
      async () => {
        if (request.paced) {
          await limiter.acquire(ctx.signal, (ms) => ctx.notify({ type: 'waiting', reason: 'rate-limit', ms }))
        }
        const response = await httpRequest({
          method: 'POST',
          url: request.url,
          headers: { 'user-agent': 'registry-audit-viewer', ...request.headers },
          body: request.body,
          ca,
          timeoutMs: deps.timeoutMs ?? request.timeoutMs,
          idleTimeoutMs: deps.idleTimeoutMs,
          maxBodyBytes: deps.maxBodyBytes ?? request.maxBodyBytes,
          signal: ctx.signal,
          account: name
        })
        // The contract names no Retry-After on Cloud Logs' 429; its window is a minute, so a 429
        // that says nothing waits a whole one rather than a short backoff that would meet another 429.
        if (response.status === 429 && requestedWaitMs(response.headers, now()) === undefined) {
          return {
            ...response,
            headers: { ...response.headers, 'retry-after': String(IBM_CONNECTOR_DEFAULTS.rateLimitWaitSeconds) }
          }
        }
        return response
      },
      { url: request.url, account: name, policy, env, signal: ctx.signal, notify: ctx.notify, secrets }
    )
  }

  const signIn = async (ctx: ConnectorContext): Promise<string> => {
    const apiKey = await ctx.getToken()
    if (typeof apiKey !== 'string' || apiKey.trim() === '') {
      throw new AppError('NO_TOKEN', `${name}: no IAM API key is stored for this account`, { account: name })
    }
    const secrets = [apiKey, apiKey.trim()]
    const response = await send(
      ctx,
      {
        url: urlOn(iamBase, '/identity/token'),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: iamTokenRequestBody(apiKey.trim()),
        paced: false,
        timeoutMs: 30_000
      },
      secrets
    )
    token = readIamTokenResponse(response, { account: name, localNow: now(), secrets })
    return token.accessToken
  }

  const currentToken = async (ctx: ConnectorContext): Promise<string> => {
    if (token && now() < token.renewAt) return token.accessToken
    token = null
    return signIn(ctx)
  }

  const describeSlice = (slice: IbmSlice): string => `${host} (events logged ${iso(slice.start)} to ${iso(slice.end)})`

  /** One query over a slice: the decoded answer, with one fresh sign-in on a 401. */
  const querySlice = async (ctx: ConnectorContext, slice: IbmSlice, limit: number): Promise<CloudLogsAnswer> => {
    const url = urlOn(base, '/v1/query')
    const body = JSON.stringify({
      query,
      metadata: {
        // One millisecond before the slice: the contract does not say whether start_date is
        // inclusive, and an event on a boundary read twice is a duplicate, never a loss.
        start_date: iso(slice.start - 1),
        end_date: iso(slice.end),
        tier,
        syntax: 'dataprime',
        limit,
        strict_fields_validation: false,
        default_source: 'logs'
      }
    })
    let signedInAgain = false
    for (;;) {
      const bearer = await currentToken(ctx)
      if (signedInAgain) ctx.notify({ type: 'reauthenticated' })
      const response = await send(
        ctx,
        {
          url,
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'text/event-stream' },
          body,
          paced: true,
          timeoutMs: IBM_CONNECTOR_DEFAULTS.queryTimeoutMs,
          maxBodyBytes: Math.max(HTTP_DEFAULTS.maxBodyBytes, limit * IBM_CONNECTOR_DEFAULTS.bytesPerRow)
        },
        [bearer]
      )
      if (response.status === 401) {
        token = null
        if (signedInAgain) {
          throw new AppError(
            'AUTH_FAILED',
            `${name}: IBM Cloud Logs at ${host} rejected the IAM token (HTTP 401 again right after signing in)`,
            { account: name, status: 401 }
          )
        }
        signedInAgain = true
        continue
      }
      return readQueryAnswer(response, slice, [bearer])
    }
  }

  const serverText = (response: HttpResponse, secrets: readonly string[]): string | undefined => {
    try {
      return cloudLogsErrorText(JSON.parse(response.body.toString('utf8')), secrets)
    } catch {
      return undefined
    }
  }

  const readQueryAnswer = (response: HttpResponse, slice: IbmSlice, secrets: readonly string[]): CloudLogsAnswer => {
    const said = serverText(response, secrets)
    const quoted = said ? `: ${said}` : ''
    if (response.status === 403) {
      throw new AppError(
        'PERMISSION',
        `${name}: IBM Cloud Logs at ${host} refused the query (HTTP 403${quoted}); the API key's service ID or user needs ` +
          'the IAM actions logs.logs-data-api-high.read (Priority insights) or logs.logs-data-api-low.read (archive) on this instance',
        { account: name, status: 403 }
      )
    }
    if (response.status === 404) {
      throw new AppError(
        'NOT_FOUND',
        `${name}: ${host} has no Cloud Logs query API (HTTP 404 for /v1/query${quoted}); check the instance endpoint`,
        { account: name, status: 404 }
      )
    }
    if (response.status < 200 || response.status > 299) {
      throw new AppError('BAD_RESPONSE', `${name}: bad response from ${host}: HTTP ${response.status}${quoted}`, {
        account: name,
        status: response.status
      })
    }
    const contentType = (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    const where = describeSlice(slice)
    if (contentType !== 'text/event-stream') {
      const what = contentType === '' ? 'no content type' : mediaTypeForMessage(contentType)
      throw new AppError(
        'BAD_RESPONSE',
        `${name}: bad response from ${where}: expected an event stream, got ${what}${said ? ` ("${said}")` : ''} (HTTP ${response.status})`,
        { account: name, status: response.status }
      )
    }
    const answer = readCloudLogsStream(response.body.toString('utf8'), { account: name, where, secrets })
    if (answer.queryId === null && answer.rows.length === 0 && answer.warnings.length === 0) {
      throw new AppError('BAD_RESPONSE', `${name}: bad response from ${where}: the event stream holds no answer (HTTP ${response.status})`, {
        account: name,
        status: response.status
      })
    }
    return answer
  }

  /** Decodes and checks every row before any is written: a bad row fails the slice. */
  const recordsOf = (answer: CloudLogsAnswer, slice: IbmSlice): { records: SourceRecord[]; foreign: number } => {
    const records: SourceRecord[] = []
    let foreign = 0
    answer.rows.forEach((row, index) => {
      const place = { account: name, where: `bad response from ${describeSlice(slice)}: row ${index + 1}` }
      let raw: unknown
      try {
        raw = parseBoundedJson(row.userData)
      } catch {
        throw new AppError('BAD_RESPONSE', `${place.account}: ${place.where}: user_data is not JSON`, { account: name })
      }
      const event = extractIbmEvent(raw, place)
      const action = ibmEventAction(event, place)
      parseIbmEventTime(event['eventTime'], place)
      if (!action.startsWith(IBM_ACTION_PREFIX)) {
        foreign++
        return
      }
      records.push({ sourceEventId: ibmEventId(event), raw })
    })
    return { records, foreign }
  }

  async function* walk(cursorValue: unknown, ctx: ConnectorContext): AsyncGenerator<SourcePage> {
    let cursor = readIbmCursor(cursorValue, name)
    let run: IbmRun | null = cursor.run ?? null
    if (!run) {
      await currentToken(ctx)
      run = startIbmRun(cursor, now(), slices)
      if (!run) return
    }
    const warned = new Set<string>()
    for (;;) {
      const slice = nextIbmSlice(run)
      // Every answer is checked whole, also one about to be split: a malformed body is an error.
      let answer = await querySlice(ctx, slice, queryLimit)
      let decoded = recordsOf(answer, slice)
      let full = answer.rows.length >= queryLimit || answer.warnings.some((warning) => warning.limit)
      if (full) {
        const smaller = shrinkIbmRun(run, slice, slices)
        if (smaller) {
          run = smaller
          continue
        }
        if (queryLimit < tierMax) {
          answer = await querySlice(ctx, slice, tierMax)
          decoded = recordsOf(answer, slice)
          full = answer.rows.length >= tierMax || answer.warnings.some((warning) => warning.limit)
        }
        if (full) {
          ctx.notify({
            type: 'warning',
            message:
              `${name}: Cloud Logs still hit its limit for events logged ${iso(slice.start)} to ${iso(slice.end)} ` +
              `(${answer.rows.length} rows); events beyond the limit in that second may be missing`
          })
        }
      }
      for (const warning of answer.warnings) {
        if (warning.limit || warned.has(warning.kind)) continue
        warned.add(warning.kind)
        ctx.notify({ type: 'warning', message: `${name}: Cloud Logs warned: ${warning.message}` })
      }
      const { records, foreign } = decoded
      if (foreign > 0 && !warned.has('foreign')) {
        warned.add('foreign')
        ctx.notify({
          type: 'warning',
          message: `${name}: Cloud Logs returned ${foreign} events of other services despite the query's filter; they were left out`
        })
      }
      const step = completeIbmSlice(cursor, run, slice, slices, { rows: answer.rows.length, limit: queryLimit })
      yield { records, cursor: step.cursor }
      if (step.done) return
      cursor = step.cursor
      run = step.cursor.run as IbmRun
    }
  }

  const checkStream = (stream: string): void => {
    if (stream !== IBM_STREAM) {
      throw new AppError('INVALID_INPUT', `${name}: an IBM account has no stream "${stream}"`, { account: name })
    }
  }

  return {
    kind: 'ibm',
    streams: () => [IBM_STREAM],
    pages(stream: string, cursor: unknown, ctx: ConnectorContext): AsyncIterable<SourcePage> {
      checkStream(stream)
      return walk(cursor, ctx)
    },
    normalise(stream: string, raw: unknown): NormalisedEvent {
      checkStream(stream)
      return normaliseIbmRecord(raw, { account: name })
    },
    async testConnection(ctx: ConnectorContext): Promise<ConnectionTestResult> {
      token = null
      await currentToken(ctx)
      const details = [`signed in to IBM Cloud IAM at ${iamHost} with the API key`, describeIbmEventDelivery(region)]
      const warnings: string[] = []
      const instanceRegion = ibmLogsEndpointRegion(base.toString())
      if (instanceRegion !== undefined) {
        details.push(`Cloud Logs instance at ${host}, in ${instanceRegion}`)
        if (instanceRegion !== ibmDeliveryRegion(region) && instanceRegion !== region.eventRouting.id) {
          details.push(
            `this instance is not in ${region.eventRouting.id}: an Event Routing route in ${region.eventRouting.id} must send ` +
              `the registry's events to it`
          )
        }
      }
      const end = Math.floor(now() / 1000) * 1000
      const answer = await querySlice(ctx, { start: end - 86_400_000, end }, 1)
      const { records } = recordsOf(answer, { start: end - 86_400_000, end })
      details.push(`Cloud Logs at ${host} answered a query for ${tier === 'archive' ? 'the archive' : 'Priority insights'}`)
      if (records.length > 0) details.push('Container Registry events were logged in the last 24 hours')
      else {
        warnings.push(
          `no Container Registry events were logged in the last 24 hours; check that an Event Routing route sends the ` +
            `${region.eventRouting.id} events to this instance, and the application name`
        )
      }
      return { ok: true, details, warnings }
    }
  }
}
