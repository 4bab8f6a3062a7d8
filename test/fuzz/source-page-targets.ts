import fc from 'fast-check'
import type { NormalisedEvent } from '../../src/shared/event'
import { parseBoundedJson } from '../../src/main/core/bounded-json'
import type { HttpResponse } from '../../src/main/core/net/http-client'
import { parseJsonBody, serverErrorText } from '../../src/main/core/net/json-body'
import { normaliseDockerHubRecord } from '../../src/main/core/sources/dockerhub-normalise'
import { parseAuditLogPage } from '../../src/main/core/sources/dockerhub-page'
import { normaliseHarborRecord } from '../../src/main/core/sources/harbor-normalise'
import { HARBOR_EXT_STREAM, parseHarborPage } from '../../src/main/core/sources/harbor-page'
import { readIamTokenResponse } from '../../src/main/core/sources/ibm-iam'
import { extractIbmEvent, ibmEventAction, ibmEventId, parseIbmEventTime } from '../../src/main/core/sources/ibm-event'
import { normaliseIbmRecord } from '../../src/main/core/sources/ibm-normalise'
import { readCloudLogsStream } from '../../src/main/core/sources/ibm-sse'
import { normaliseMsrEvent } from '../../src/main/core/sources/msr-normalise'
import { parseMsrEventsPage } from '../../src/main/core/sources/msr-page'
import { parseChangefeedJson, parseChangefeedPage } from '../../src/main/core/sources/notary-changefeed'
import { normaliseNotaryChange } from '../../src/main/core/sources/notary-normalise'
import { normaliseQuayRecord } from '../../src/main/core/sources/quay-normalise'
import { parseQuayLogsPage } from '../../src/main/core/sources/quay-page'
import { parseBearerChallenge } from '../../src/main/core/sources/registry-token'
import { errcodeText } from '../../src/main/core/sources/source-http'
import { eraseInput, type FuzzOutcome, type FuzzTarget, type SomeFuzzTarget } from './fuzz-target'
import { expectAppError, expectCleanMessage, expectStorable, FuzzFailure } from './fuzz-oracle'
import {
  applyMutations,
  corrupt,
  corruptionArb,
  hostileText,
  jsonTokenSoup,
  mutationArb,
  rawBytes,
  toJsonText,
  type Mutation
} from './hostile-values'
import { copyOf, DOCKERHUB_RECORDS, HARBOR_RECORDS, IBM_EVENTS, MSR_EVENTS, NOTARY_CHANGES, QUAY_LOGS } from './record-pools'

/**
 * Fuzz targets for every source's page parser, run as the connector runs it: the body's bytes
 * through parseJsonBody (or the SSE reader), the page parser, and the normaliser for each record
 * the parser accepted. A page is refused only with BAD_RESPONSE; a record that passes must
 * normalise to an event the archive stores.
 */

const ACCOUNT = 'fuzz'
const URL_OF = new URL('https://registry.example/api')

/** A response body and its content type, as the HTTP client hands them over. */
export interface BodyInput {
  body: Buffer
  contentType: string
  /** Values a source reads from headers (X-Total-Count) or its request (Harbor's lower id bound). */
  header: string
  from: number | null
}

function response(input: BodyInput, status = 200): HttpResponse {
  const headers: Record<string, string> = input.contentType === '' ? {} : { 'content-type': input.contentType }
  return { status, headers, body: input.body, url: URL_OF }
}

const pickedRecords = (pool: readonly Record<string, unknown>[]) =>
  fc.array(
    fc.record({
      index: fc.nat({ max: pool.length - 1 }),
      mutations: fc.oneof({ arbitrary: fc.constant<Mutation[]>([]), weight: 2 }, { arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }), weight: 3 })
    }),
    { maxLength: 6 }
  )

const pageMutations = fc.oneof(
  { arbitrary: fc.constant<Mutation[]>([]), weight: 4 },
  { arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 2 }), weight: 1 }
)

const contentTypes = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 10 },
  {
    arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain; charset=utf-8', 'text/html', '', 'application/problem+json', 'text/json', 'APPLICATION/JSON'),
    weight: 2
  },
  { arbitrary: hostileText(24), weight: 1 }
)

const headerValue = fc.oneof(fc.nat().map(String), fc.constant(''), hostileText(24))

/**
 * Bodies for one source: mostly its valid records, mutated, in its page shape (itself mutated
 * now and then), written as JSON and sometimes damaged; else JSON-looking token soup or raw bytes.
 */
export function pageBodies(
  pool: readonly Record<string, unknown>[],
  page: (records: unknown[]) => unknown,
  options: { ordered?: boolean } = {}
): fc.Arbitrary<BodyInput> {
  const structured = fc
    .record({ picks: pickedRecords(pool), mutations: pageMutations, corruption: corruptionArb, indent: fc.constantFrom(undefined, undefined, 2) })
    .map(({ picks, mutations, corruption, indent }) => {
      // A source that checks its records' order (Harbor's ascending ids) gets them in pool order.
      const chosen = options.ordered ? [...picks].sort((a, b) => a.index - b.index) : picks
      const records = chosen.map(({ index, mutations }) => applyMutations(copyOf(pool[index]!), mutations))
      return corrupt(toJsonText(applyMutations(page(records), mutations), indent), corruption)
    })
  const body = fc.oneof(
    { arbitrary: structured, weight: 8 },
    { arbitrary: jsonTokenSoup.map((text) => Buffer.from(text, 'utf8')), weight: 1 },
    { arbitrary: rawBytes.map((bytes) => Buffer.from(bytes)), weight: 1 }
  )
  return fc.record({ body, contentType: contentTypes, header: headerValue, from: fc.option(fc.nat({ max: 200 }), { nil: null }) })
}

/** Normalises one accepted record; 1 when it became a storable event, 0 when refused as it may be. */
function normalisedBy(what: string, normalise: () => NormalisedEvent): number {
  let event: NormalisedEvent
  try {
    event = normalise()
  } catch (error) {
    // The sync engine turns any normaliser error into BAD_RESPONSE, but the normaliser's own
    // contract is an AppError with BAD_RESPONSE: anything else is a crash on a record.
    expectAppError(error, ['BAD_RESPONSE'], what)
    return 0
  }
  expectStorable(event, what)
  return 1
}

/** Parses the body as the connector does; returns undefined when the body was refused as it should be. */
function jsonOf(input: BodyInput, what: string): unknown {
  try {
    return parseJsonBody(response(input), ACCOUNT)
  } catch (error) {
    expectAppError(error, ['BAD_RESPONSE'], `${what}: parseJsonBody`)
    return undefined
  }
}

/** What a page came to: refused whole, accepted (with records, some of which may not normalise), or empty. */
function pageOutcome(records: readonly unknown[] | undefined, normalised: number): FuzzOutcome {
  if (records === undefined) return 'refused'
  if (records.length === 0) return 'accepted, empty'
  return normalised === records.length ? 'accepted' : 'partly refused'
}

function refusedOnly<T>(what: string, parse: () => T): T | undefined {
  try {
    return parse()
  } catch (error) {
    expectAppError(error, ['BAD_RESPONSE'], what)
    return undefined
  }
}

export const dockerHubPageTarget: FuzzTarget<BodyInput> = {
  name: 'dockerhub-page',
  covers: 'parseJsonBody → parseAuditLogPage → normaliseDockerHubRecord',
  arbitrary: pageBodies(DOCKERHUB_RECORDS, (logs) => ({ logs })),
  run(input) {
    const body = jsonOf(input, 'dockerhub')
    if (body === undefined) return 'refused'
    const records = refusedOnly('parseAuditLogPage', () => parseAuditLogPage(body, { account: ACCOUNT, page: 1 }))
    let normalised = 0
    for (const record of records ?? []) {
      if (!/^[0-9a-f]{64}$/.test(record.hash)) throw new FuzzFailure(`parseAuditLogPage gave hash ${record.hash}`)
      normalised += normalisedBy('normaliseDockerHubRecord', () => normaliseDockerHubRecord(record.raw))
    }
    return pageOutcome(records, normalised)
  }
}

export const msrPageTarget: FuzzTarget<BodyInput> = {
  name: 'msr-page',
  covers: 'parseJsonBody → parseMsrEventsPage → normaliseMsrEvent',
  arbitrary: pageBodies(MSR_EVENTS, (events) => ({ events })),
  run(input) {
    const body = jsonOf(input, 'msr')
    if (body === undefined) return 'refused'
    const events = refusedOnly('parseMsrEventsPage', () => parseMsrEventsPage(body, { account: ACCOUNT, host: 'msr.example' }))
    let normalised = 0
    for (const event of events ?? []) {
      if (event.id === '' || !Number.isSafeInteger(event.at)) throw new FuzzFailure(`parseMsrEventsPage gave id ${event.id} at ${event.at}`)
      normalised += normalisedBy('normaliseMsrEvent', () => normaliseMsrEvent(event.raw, { account: ACCOUNT }))
    }
    return pageOutcome(events, normalised)
  }
}

export const notaryChangefeedTarget: FuzzTarget<BodyInput> = {
  name: 'notary-changefeed',
  covers: 'parseChangefeedJson → parseChangefeedPage → normaliseNotaryChange',
  arbitrary: pageBodies(NOTARY_CHANGES, (records) => ({ count: records.length, records })),
  run(input) {
    let body: unknown
    try {
      body = parseChangefeedJson(response(input), ACCOUNT)
    } catch (error) {
      expectAppError(error, ['BAD_RESPONSE'], 'parseChangefeedJson')
      return 'refused'
    }
    const page = refusedOnly('parseChangefeedPage', () =>
      parseChangefeedPage(body, { account: ACCOUNT, host: 'notary.example', feed: 'the trust changefeed' })
    )
    let normalised = 0
    for (const record of page?.records ?? []) {
      if (record.id.trim() === '') throw new FuzzFailure('parseChangefeedPage gave an empty id')
      normalised += normalisedBy('normaliseNotaryChange', () => normaliseNotaryChange(record.raw, { account: ACCOUNT }))
    }
    return pageOutcome(page?.records, normalised)
  }
}

export const harborPageTarget: FuzzTarget<BodyInput> = {
  name: 'harbor-page',
  covers: 'parseJsonBody → parseHarborPage (X-Total-Count, id order) → normaliseHarborRecord',
  arbitrary: pageBodies(HARBOR_RECORDS, (records) => records, { ordered: true }),
  run(input) {
    const body = jsonOf(input, 'harbor')
    if (body === undefined) return 'refused'
    const headers = { 'x-total-count': input.header }
    const page = refusedOnly('parseHarborPage', () =>
      parseHarborPage(body, headers, { account: ACCOUNT, host: 'harbor.example', stream: HARBOR_EXT_STREAM }, input.from)
    )
    let previous = -1
    let normalised = 0
    for (const record of page?.records ?? []) {
      if (!Number.isSafeInteger(record.id) || record.id <= previous) throw new FuzzFailure(`parseHarborPage let id ${record.id} through after ${previous}`)
      previous = record.id
      normalised += normalisedBy('normaliseHarborRecord', () => normaliseHarborRecord(record.raw, { account: ACCOUNT }))
    }
    return pageOutcome(page?.records, normalised)
  }
}

export const quayPageTarget: FuzzTarget<BodyInput> = {
  name: 'quay-page',
  covers: 'parseJsonBody → parseQuayLogsPage → normaliseQuayRecord',
  arbitrary: pageBodies(QUAY_LOGS, (logs) => ({
    start_time: 'Mon, 26 May 2025 00:00:00 -0000',
    end_time: 'Tue, 27 May 2025 00:00:00 -0000',
    logs,
    next_page: 'gAAAAABn'
  })),
  run(input) {
    const body = jsonOf(input, 'quay')
    if (body === undefined) return 'refused'
    const page = refusedOnly('parseQuayLogsPage', () => parseQuayLogsPage(body, { account: ACCOUNT, where: 'the usage logs of acme' }))
    let normalised = 0
    for (const record of page?.records ?? []) {
      normalised += normalisedBy('normaliseQuayRecord', () => normaliseQuayRecord(record.raw, { account: ACCOUNT, namespace: 'acme' }))
    }
    return pageOutcome(page?.records, normalised)
  }
}

/** One message of a Cloud Logs query stream. */
const ibmRow = fc
  .record({
    index: fc.nat({ max: IBM_EVENTS.length - 1 }),
    mutations: fc.oneof({ arbitrary: fc.constant<Mutation[]>([]), weight: 2 }, { arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }), weight: 3 }),
    rowMutations: pageMutations,
    label: hostileText(20)
  })
  .map(({ index, mutations, rowMutations, label }) =>
    applyMutations(
      {
        metadata: [{ key: 'timestamp', value: '2025-05-29T02:46:31.17' }],
        labels: [{ key: 'applicationname', value: 'ibm-audit-event' }, { key: 'subsystemname', value: label }],
        user_data: toJsonText(applyMutations(copyOf(IBM_EVENTS[index]!), mutations))
      },
      rowMutations
    )
  )

const ibmMessage = fc.oneof(
  { arbitrary: fc.array(ibmRow, { maxLength: 4 }).map((results) => ({ result: { results } })), weight: 8 },
  { arbitrary: hostileText(40).map((id) => ({ query_id: { query_id: id } })), weight: 1 },
  {
    arbitrary: fc
      .record({ kind: fc.constantFrom('number_of_results_limit_warning', 'bytes_scanned_limit_warning', 'compile_warning'), text: hostileText(80) })
      .map(({ kind, text }) => ({ warning: { [kind]: { warning_message: text, number_of_results_limit: text } } })),
    weight: 1
  },
  { arbitrary: hostileText(80).map((message) => ({ error: { message } })), weight: 1 }
)

/** A `/v1/query` answer: SSE framing of JSON messages (keep-alive comments, CRLF), sometimes damaged. */
export const ibmStreams: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc
      .record({
        messages: fc.array(fc.tuple(ibmMessage, pageMutations), { maxLength: 4 }),
        newline: fc.constantFrom('\n', '\r\n', '\r'),
        comments: fc.boolean(),
        corruption: corruptionArb
      })
      .map(({ messages, newline, comments, corruption }) => {
        const text = messages
          .map(([message, mutations]) => `${comments ? `: keep-alive${newline}` : ''}data: ${toJsonText(applyMutations(message, mutations))}${newline}${newline}`)
          .join('')
        return corrupt(text, corruption).toString('utf8')
      }),
    weight: 8
  },
  { arbitrary: jsonTokenSoup, weight: 1 },
  { arbitrary: rawBytes.map((bytes) => Buffer.from(bytes).toString('utf8')), weight: 1 }
)

export const ibmQueryTarget: FuzzTarget<string> = {
  name: 'ibm-query-stream',
  covers: 'readCloudLogsStream (SSE) → user_data JSON → extractIbmEvent/ibmEventAction/parseIbmEventTime/ibmEventId → normaliseIbmRecord',
  arbitrary: ibmStreams,
  run(text) {
    const answer = refusedOnly('readCloudLogsStream', () => readCloudLogsStream(text, { account: ACCOUNT, where: 'logs.example, slice 1', secrets: [] }))
    let normalised = 0
    for (const row of answer?.rows ?? []) {
      // As the connector decodes a row (ibm.ts recordsOf): JSON, an event, an action, a time, an id.
      let raw: unknown
      try {
        raw = parseBoundedJson(row.userData)
      } catch {
        continue
      }
      const place = { account: ACCOUNT, where: 'row 1' }
      const decoded = refusedOnly('decoding a Cloud Logs row', () => {
        const event = extractIbmEvent(raw, place)
        ibmEventAction(event, place)
        parseIbmEventTime(event['eventTime'], place)
        return ibmEventId(event)
      })
      if (decoded === undefined) continue
      if (!/^[0-9a-f]{64}$/.test(decoded)) throw new FuzzFailure(`ibmEventId gave ${decoded}`)
      normalised += normalisedBy('normaliseIbmRecord', () => normaliseIbmRecord(raw, { account: ACCOUNT }))
    }
    return pageOutcome(answer?.rows, normalised)
  }
}

/** Server answers the HTTP layer reads outside the pages: error texts, challenges, IAM tokens. */
export interface ServerAnswerInput {
  body: BodyInput
  status: number
  challenge: string
}

export const serverAnswerTarget: FuzzTarget<ServerAnswerInput> = {
  name: 'server-answers',
  covers: 'serverErrorText, errcodeText, parseBearerChallenge, readIamTokenResponse',
  arbitrary: fc.record({
    // Every field these readers look at, each holding a (mutated) record or its absence.
    body: pageBodies(DOCKERHUB_RECORDS, (records) => ({
      detail: records[0],
      errors: records,
      message: records[1],
      error: records[2],
      errorMessage: records[3],
      access_token: records[4],
      expiration: records[5]
    })),
    status: fc.constantFrom(200, 200, 400, 401, 403, 404, 429, 500, 503),
    challenge: fc.oneof(
      hostileText(80),
      fc
        .tuple(hostileText(20), hostileText(20), hostileText(20))
        .map(([realm, service, scope]) => `Bearer realm="${realm}",service="${service}",scope="${scope}", Basic realm=x`)
    )
  }),
  run({ body, status, challenge }) {
    const answer = response(body, status)
    const secrets = ['dckr_pat_SECRET', 'iam-api-key-secret']
    for (const text of [serverErrorText(answer, secrets), errcodeText(answer, secrets)]) {
      if (text === undefined) continue
      if (text.length > 200) throw new FuzzFailure(`a server error text of ${text.length} characters`)
      if (secrets.some((secret) => text.includes(secret))) throw new FuzzFailure('a server error text repeats a secret')
      expectCleanMessage(new Error(text), 'a server error text')
    }
    const parsed = parseBearerChallenge(challenge)
    if (parsed !== undefined && (typeof parsed.realm !== 'string' || parsed.realm === '')) throw new FuzzFailure('a challenge without a realm was read')
    try {
      const token = readIamTokenResponse(answer, { account: ACCOUNT, localNow: 1_748_736_000_000, secrets })
      if (typeof token.accessToken !== 'string' || !Number.isFinite(token.renewAt)) throw new FuzzFailure(`readIamTokenResponse gave ${JSON.stringify(token).slice(0, 200)}`)
    } catch (error) {
      expectAppError(error, ['BAD_RESPONSE', 'AUTH_FAILED'], 'readIamTokenResponse')
      if (secrets.some((secret) => (error as Error).message.includes(secret))) throw new FuzzFailure('readIamTokenResponse repeats a secret')
    }
  }
}

export const SOURCE_PAGE_TARGETS: readonly SomeFuzzTarget[] = [
  eraseInput(dockerHubPageTarget),
  eraseInput(msrPageTarget),
  eraseInput(notaryChangefeedTarget),
  eraseInput(ibmQueryTarget),
  eraseInput(harborPageTarget),
  eraseInput(quayPageTarget),
  eraseInput(serverAnswerTarget)
]
