import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { cloudLogsErrorText, parseSseText, readCloudLogsStream } from '../../src/main/core/sources/ibm-sse'

const place = { account: 'acct', where: 'logs.example (slice)' }

function error(fn: () => unknown): AppError {
  try {
    fn()
  } catch (caught) {
    if (caught instanceof AppError) return caught
    throw caught
  }
  throw new Error('expected an AppError')
}

describe('parseSseText', () => {
  it('follows the event-stream rules: comments, multi-line data, CRLF, other fields', () => {
    const text = ': success\r\n\r\nid: 1\r\nevent: x\r\ndata: {"a":\r\ndata:1}\r\n\r\n:\r\n\r\ndata:{"b":2}\n\n'
    expect(parseSseText(text)).toEqual({ events: ['{"a":\n1}', '{"b":2}'], incomplete: null })
  })

  it('reports a last event without its blank line', () => {
    expect(parseSseText('data: {"a":1}\n\ndata: {"b"')).toEqual({ events: ['{"a":1}'], incomplete: '{"b"' })
    expect(parseSseText('\uFEFFdata: x\r')).toEqual({ events: [], incomplete: 'x' })
    expect(parseSseText('')).toEqual({ events: [], incomplete: null })
  })
})

describe('readCloudLogsStream', () => {
  const row = (event: unknown) => ({
    metadata: [{ key: 'timestamp', value: '2025-05-12T08:41:09.000Z' }],
    labels: [{ key: 'applicationname', value: 'ibm-audit-event' }],
    user_data: JSON.stringify(event)
  })
  const stream = (...messages: unknown[]): string => messages.map((m) => `data: ${JSON.stringify(m)}\n\n`).join(':\n\n')

  it('collects the query id, rows across result messages, and warnings', () => {
    const text = stream(
      { query_id: { query_id: 'q-1' } },
      { result: { results: [row({ action: 'a' }), row({ action: 'b' })] } },
      { result: { results: [row({ action: 'c' })] } },
      { warning: { number_of_results_limit_warning: { number_of_results_limit: 3 } } },
      { warning: { time_range_warning: { warning_message: 'clamped' } } }
    )
    const answer = readCloudLogsStream(text, place)
    expect(answer.queryId).toBe('q-1')
    expect(answer.rows.map((r) => JSON.parse(r.userData).action)).toEqual(['a', 'b', 'c'])
    expect(answer.rows[0]!.labels).toEqual({ applicationname: 'ibm-audit-event' })
    expect(answer.rows[0]!.metadata).toEqual({ timestamp: '2025-05-12T08:41:09.000Z' })
    expect(answer.warnings).toEqual([
      { kind: 'number_of_results_limit_warning', limit: true, message: 'the number of results reached the limit (3)' },
      { kind: 'time_range_warning', limit: false, message: 'time range: clamped' }
    ])
  })

  it('treats the scan and archive engine limits as limit warnings', () => {
    const answer = readCloudLogsStream(stream({ warning: { bytes_scanned_limit_warning: {}, files_read_limit_warning: {} } }), place)
    expect(answer.warnings.map((w) => w.limit)).toEqual([true, true])
  })

  it('keeps a whole last event that lacks its blank line, refuses a cut one', () => {
    expect(readCloudLogsStream('data: {"query_id":{"query_id":"q"}}', place).queryId).toBe('q')
    expect(error(() => readCloudLogsStream('data: {"query_id":{"query_id":"q"}}\n\ndata: {"result":{"res', place)).message).toBe(
      'acct: bad response from logs.example (slice): the event stream ended in the middle of an event (truncated)'
    )
  })

  it.each([
    ['data: nope\n\n', /event 1 of the stream is not JSON/],
    ['data: [1]\n\n', /event 1 of the stream is not a JSON object/],
    [stream({ result: { results: 'x' } }), /result\.results is not a list/],
    [stream({ result: { results: [{ labels: [] }] } }), /row 1: user_data is missing/],
    [stream({ result: { results: [{ user_data: {} }] } }), /row 1: user_data is not a string/],
    [stream({ result: { results: [{ user_data: '{}', labels: {} }] } }), /labels is not a list/],
    [stream({ warning: 'x' }), /the warning is not an object/],
    [stream({ query_id: { query_id: 'q' } }, { error: { message: 'Compilation error' } }), /the query failed: Compilation error/],
    [stream({ errors: [{ code: 'x', message: 'token eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl expired' }], trace: 't', status_code: 500 }), /the query failed: token \[redacted\] expired/]
  ])('refuses %j', (text, pattern) => {
    const caught = error(() => readCloudLogsStream(text, place))
    expect(caught.code).toBe('BAD_RESPONSE')
    expect(caught.message).toMatch(pattern)
  })

  it('redacts the caller’s secrets from server text', () => {
    const caught = error(() => readCloudLogsStream(stream({ error: { message: 'bad key SECRET-KEY-123' } }), { ...place, secrets: ['SECRET-KEY-123'] }))
    expect(caught.message).toContain('bad key [redacted]')
  })

  it('reads the error texts of Cloud Logs and IAM', () => {
    expect(cloudLogsErrorText({ errors: [{ code: 'c', message: 'm\nn' }], trace: 't', status_code: 400 })).toBe('m n')
    expect(cloudLogsErrorText({ errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' })).toBe(
      'Provided API key could not be found.'
    )
    expect(cloudLogsErrorText({ error: 'plain' })).toBe('plain')
    expect(cloudLogsErrorText('x')).toBeUndefined()
    expect(cloudLogsErrorText({ errors: [] })).toBeUndefined()
  })
})
