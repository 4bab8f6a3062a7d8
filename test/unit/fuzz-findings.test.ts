import { describe, expect, it } from 'vitest'
import { parseQuery, QuerySyntaxError } from '../../src/shared/query-parser'
import { MAX_FILTER_TEXT, MAX_FILTER_VALUES } from '../../src/shared/query'
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, parseBoundedJson } from '../../src/main/core/bounded-json'
import { AppError } from '../../src/main/core/errors'
import { csvRecordReader } from '../../src/main/core/import/csv-records'
import { dockerHubImport } from '../../src/main/core/import/dockerhub-import'
import { parseJsonRow } from '../../src/main/core/import/file-row'
import { exportedEventSchema } from '../../src/main/core/import/registry-audit-events'
import type { HttpResponse } from '../../src/main/core/net/http-client'
import { parseJsonBody, serverErrorText } from '../../src/main/core/net/json-body'
import { classifyAction, normaliseDockerHubRecord } from '../../src/main/core/sources/dockerhub-normalise'
import { parseAuditLogPage } from '../../src/main/core/sources/dockerhub-page'
import { normaliseHarborRecord } from '../../src/main/core/sources/harbor-normalise'
import { classifyIbmAction } from '../../src/main/core/sources/ibm-normalise'
import { readCloudLogsStream } from '../../src/main/core/sources/ibm-sse'
import { parseMsrEventsPage } from '../../src/main/core/sources/msr-page'
import { classifyQuayKind } from '../../src/main/core/sources/quay-normalise'
import { VERBS } from '../../src/shared/event'

/**
 * What the fuzzers (test/fuzz, scripts/fuzz.ts) found, pinned as plain cases so that each fix
 * stays fixed even where a seed no longer reaches it.
 */

const NOW = Date.parse('2026-02-01T12:00:00Z')

function response(body: string, contentType = 'application/json'): HttpResponse {
  return { status: 200, headers: { 'content-type': contentType }, body: Buffer.from(body), url: new URL('https://hub.example/v2') }
}

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

const deep = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`

describe('nesting deep enough to overflow the stack', () => {
  it('is measured without counting brackets inside strings', () => {
    expect(jsonNestsDeeperThan(deep(MAX_JSON_DEPTH))).toBe(false)
    expect(jsonNestsDeeperThan(deep(MAX_JSON_DEPTH + 1))).toBe(true)
    expect(jsonNestsDeeperThan(`["${'['.repeat(5000)}\\"["]`)).toBe(false)
    expect(() => parseBoundedJson(deep(MAX_JSON_DEPTH + 1))).toThrow(SyntaxError)
  })

  it('is a BAD_RESPONSE from a server, not a RangeError in the page parser', () => {
    const body = `{"logs":[{"timestamp":"2025-01-01T00:00:00Z","action":"repo.tag.push","data":{"x":${deep(20_000)}}}]}`
    const error = thrown(() => parseAuditLogPage(parseJsonBody(response(body), 'hub')))
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('BAD_RESPONSE')
    expect((error as AppError).message).toBe(`hub: bad response from hub.example: the JSON nests deeper than ${MAX_JSON_DEPTH} levels (HTTP 200)`)
  })

  it('is a bad event of a Cloud Logs stream, and a rejected row of an import file', () => {
    const error = thrown(() => readCloudLogsStream(`data: {"result":{"results":${deep(20_000)}}}\n\n`, { where: 'logs.example' }))
    expect((error as AppError).code).toBe('BAD_RESPONSE')
    expect(parseJsonRow(3, deep(20_000), true)).toEqual({ line: 3, error: `not read: JSON nested deeper than ${MAX_JSON_DEPTH} levels` })
  })
})

describe('names that are Object.prototype members', () => {
  it('classify as unknown actions, not as the prototype’s functions', () => {
    for (const name of ['constructor', 'hasOwnProperty', 'toString', '__proto__', 'valueOf']) {
      expect(VERBS).toContain(classifyAction(name).verb)
      expect(VERBS).toContain(classifyIbmAction(name).verb)
      expect(VERBS).toContain(classifyQuayKind(name).verb)
    }
    const event = normaliseDockerHubRecord({ timestamp: '2025-05-31T23:29:23Z', action: 'hasOwnProperty', actor: 'alice' })
    expect(event.activity).toBe('other')
    const harbor = normaliseHarborRecord({ id: 1, op_time: '2025-05-31T21:57:56.520Z', operation: 'constructor', resource: 'library/nginx:1', resource_type: 'artifact', username: 'admin' })
    expect(VERBS).toContain(harbor.verb)
  })

  it('are unknown qualifiers in a query, not silently dropped filters', () => {
    const error = thrown(() => parseQuery('verb:DELETE constructor:x', { now: NOW }))
    expect(error).toBeInstanceOf(QuerySyntaxError)
    expect((error as QuerySyntaxError).message).toMatch(/^unknown qualifier "constructor:"/)
  })

  it('in a CSV header make a field of that name instead of polluting Object.prototype', () => {
    const read = csvRecordReader(dockerHubImport.csv!, ['timestamp', 'action', 'data.__proto__.polluted', 'data.tag'])
    const record = read(['2025-01-01T00:00:00Z', 'repo.tag.push', 'yes', 'v1'])
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    const data = record['data'] as Record<string, unknown>
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype)
    expect(Object.hasOwn(data, '__proto__')).toBe(true)
    expect(JSON.parse(JSON.stringify(record))).toEqual(JSON.parse('{"timestamp":"2025-01-01T00:00:00Z","action":"repo.tag.push","data":{"__proto__":{"polluted":"yes"},"tag":"v1"}}'))
  })
})

describe('times in registry-audit’s own export', () => {
  it('are read only as ISO 8601 in the years 0000–9999, so a restored event can be exported again', () => {
    const valid = {
      occurred_at: '2025-05-31T23:29:23.000Z',
      label: 'x',
      verb: 'CREATE',
      activity: 'push',
      action: 'repo.tag.push',
      outcome: 'success',
      actor: null,
      actor_kind: 'user',
      namespace: null,
      repository: null,
      tag: null,
      digest: null,
      target: null,
      client_ip: null,
      user_agent: null,
      source_event_id: 'a',
      raw: {}
    }
    expect(exportedEventSchema.safeParse(valid).success).toBe(true)
    for (const time of ['-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00.000Z', 'Jan 1 2024', '2024-02-30T00:00:00Z', '1', '7d', 'now']) {
      expect(exportedEventSchema.safeParse({ ...valid, occurred_at: time }).success, time).toBe(false)
    }
  })
})

describe('queries the API would refuse', () => {
  it('are refused by the parser, with the position', () => {
    const long = 'a'.repeat(MAX_FILTER_TEXT + 1)
    const error = thrown(() => parseQuery(`verb:GET actor:${long}`, { now: NOW })) as QuerySyntaxError
    expect(error.message).toBe(`actor: value is ${MAX_FILTER_TEXT + 1} characters long, at most ${MAX_FILTER_TEXT}`)
    expect(error.position).toBe(9)
    expect(parseQuery(`actor:${'a'.repeat(MAX_FILTER_TEXT)}`, { now: NOW }).actor?.any?.[0]).toHaveLength(MAX_FILTER_TEXT)
    const many = Array.from({ length: MAX_FILTER_VALUES + 1 }, (_, i) => `w${i}`).join(' ')
    expect((thrown(() => parseQuery(many, { now: NOW })) as Error).message).toBe(`more than ${MAX_FILTER_VALUES} search terms`)
  })
})

describe('server text in error messages', () => {
  it('is quoted, cut and escaped: ids, media types, dates', () => {
    const body = JSON.stringify({ events: [{ id: `\u202e${'x'.repeat(50_000)}`, publishedAt: 'soon' }] })
    const message = (thrown(() => parseMsrEventsPage(JSON.parse(body), { account: 'dtr', host: 'dtr.example' })) as Error).message
    expect(message).toMatch(/^dtr: bad response from dtr\.example for the events API: event 1 \(id "\\u202exxx+…"\) has an unreadable publishedAt$/)
    expect(message.length).toBeLessThan(200)
    const media = (thrown(() => parseJsonBody(response('{}', 'text/\u0085html'), 'hub')) as Error).message
    expect(media).toBe('hub: bad response from hub.example: expected JSON, got "text/\\u0085html" (HTTP 200)')
    expect((thrown(() => parseJsonBody(response('{}', 'text/html; charset=utf-8'), 'hub')) as Error).message).toContain('got text/html (HTTP 200)')
  })

  it('that is nothing but control and bidi characters counts as none', () => {
    expect(serverErrorText(response(JSON.stringify({ detail: '\u202e\u200f\u2066' })))).toBeUndefined()
    expect(serverErrorText(response(JSON.stringify({ detail: 'token\u202eexpired' })))).toBe('token expired')
  })
})
