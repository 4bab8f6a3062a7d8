import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { harborVersionNumbers } from '../../src/main/core/sources/harbor'
import { cursorAfterPage, encodeHarborQ, harborPageQuery, readHarborCursor, walkStart } from '../../src/main/core/sources/harbor-cursor'
import { parseHarborPage, readTotalCount } from '../../src/main/core/sources/harbor-page'

/** The id walk's cursor and query, and the checks on each answer (pure parts). */

const place = { account: 'h', host: 'harbor.example.org', stream: 'auditlog-exts' as const }
const record = (id: number) => ({ id, op_time: '2025-06-03T09:12:44.512Z', operation: 'pull', resource_type: 'artifact', resource: 'a/b:1', username: 'u' })

function appError(run: () => unknown): AppError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected an AppError')
}

describe('the Harbor cursor', () => {
  it('starts at id 1, then overlapIds below the highest id stored (never below 1)', () => {
    expect(walkStart(readHarborCursor(null), 100)).toBe(1)
    expect(walkStart({ v: 1, lastId: 500 }, 100)).toBe(401)
    expect(walkStart({ v: 1, lastId: 500 }, 0)).toBe(501)
    expect(walkStart({ v: 1, lastId: 30 }, 100)).toBe(1)
  })

  it('keeps the highest id seen, whatever order a page comes in', () => {
    expect(cursorAfterPage({ v: 1, lastId: null }, [3, 9, 4])).toEqual({ v: 1, lastId: 9 })
    expect(cursorAfterPage({ v: 1, lastId: 12 }, [3, 9])).toEqual({ v: 1, lastId: 12 })
    expect(cursorAfterPage({ v: 1, lastId: 12 }, [])).toEqual({ v: 1, lastId: 12 })
  })

  it('refuses a stored value of another shape', () => {
    for (const value of [{ v: 2, lastId: 1 }, { v: 1 }, { v: 1, lastId: -3 }, { v: 1, lastId: 1.5 }, 'x', []]) {
      expect(appError(() => readHarborCursor(value, 'h')).code).toBe('INVALID_INPUT')
    }
  })
})

describe('the q of the walk', () => {
  it('is the id range, encoded once, with sort=id and page 1', () => {
    expect(harborPageQuery(41, 100)).toBe('q=id%3D%5B41~%5D&sort=id&page=1&page_size=100')
    // What Harbor reads after its two decodings is what was meant.
    const q = new URLSearchParams(harborPageQuery(41, 100)).get('q')!
    expect(decodeURIComponent(q)).toBe('id=[41~]')
  })

  it('refuses terms Harbor would read differently (decoded twice) or split', () => {
    expect(encodeHarborQ(['operation={create delete}', 'op_time=[2025-06-01T00:00:00~]'])).toBe(
      encodeURIComponent('operation={create delete},op_time=[2025-06-01T00:00:00~]')
    )
    for (const term of ['resource=~a+b', 'username=100%', 'resource=a,b']) expect(appError(() => encodeHarborQ([term])).code).toBe('INVALID_INPUT')
  })
})

describe('an answer of a Harbor list', () => {
  it('reads records and X-Total-Count', () => {
    const page = parseHarborPage([record(5), record(6), record(9)], { 'x-total-count': '3' }, place, 5)
    expect(page.total).toBe(3)
    expect(page.records.map((entry) => entry.id)).toEqual([5, 6, 9])
    expect(parseHarborPage([], {}, place, 5)).toEqual({ records: [], total: null })
    expect(parseHarborPage(null, { 'x-total-count': '0' }, place, 5)).toEqual({ records: [], total: 0 })
  })

  it('refuses an answer that shows the filter or the sort was ignored', () => {
    expect(appError(() => parseHarborPage([record(4), record(5)], {}, place, 5)).message).toMatch(/record id 4 is below the asked id=\[5~\]/)
    expect(appError(() => parseHarborPage([record(6), record(5)], {}, place, 5)).message).toMatch(/not ascending \(6 then 5\).*sort=id/)
    expect(appError(() => parseHarborPage([record(6), record(6)], {}, place, 5)).message).toMatch(/not ascending/)
  })

  it('refuses bodies and records it cannot read, naming where', () => {
    const error = appError(() => parseHarborPage([record(1), { ...record(2), op_time: 'soon' }], {}, place, null))
    expect(error.code).toBe('BAD_RESPONSE')
    expect(error.message).toBe('h: bad response from harbor.example.org for /api/v2.0/auditlog-exts: record 2 (id 2) has no readable op_time')
    expect(appError(() => parseHarborPage({ items: [] }, {}, place, null)).message).toMatch(/expected a JSON array/)
    expect(appError(() => parseHarborPage([{ ...record(1), id: '1' }], {}, place, null)).message).toMatch(/record 1 has no numeric id/)
    expect(appError(() => readTotalCount({ 'x-total-count': '-1' }, place)).message).toMatch(/X-Total-Count "-1" is not a count/)
  })
})

describe('harborVersionNumbers', () => {
  it.each([
    ['v2.13.1-1d5b9e5c', [2, 13]],
    ['v2.9.0', [2, 9]],
    ['2.14.0-rc1', [2, 14]],
    ['dev', undefined],
    [null, undefined]
  ])('%s', (text, expected) => {
    expect(harborVersionNumbers(text)).toEqual(expected)
  })
})
