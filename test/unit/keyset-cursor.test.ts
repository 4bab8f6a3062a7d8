import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeKeysetCursor, encodeKeysetCursor } from '../../src/main/core/db/keyset-cursor'
import { AppError } from '../../src/main/core/errors'
import { SORT_KEYS, type EventSort } from '../../src/shared/query'

const codeOf = (work: () => unknown): string | undefined => {
  try {
    work()
  } catch (error) {
    return error instanceof AppError ? error.code : 'NOT_AN_APP_ERROR'
  }
  return undefined
}

describe('keyset cursor', () => {
  it('round-trips every sort and position, and stays URL-safe', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SORT_KEYS),
        fc.constantFrom('asc' as const, 'desc' as const),
        fc.string(),
        fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
        fc.nat(),
        (key, dir, text, occurredAt, id) => {
          const sort: EventSort = { key, dir }
          const position = { value: key === 'occurred_at' ? null : text, occurredAt, id }
          const cursor = encodeKeysetCursor(sort, position)
          expect(cursor).toMatch(/^[A-Za-z0-9_-]*$/)
          expect(decodeKeysetCursor(cursor, sort)).toEqual(position)
        }
      )
    )
  })

  it('refuses a cursor made for another sort or direction', () => {
    const cursor = encodeKeysetCursor({ key: 'actor', dir: 'desc' }, { value: 'alice', occurredAt: 1, id: 2 })
    expect(codeOf(() => decodeKeysetCursor(cursor, { key: 'actor', dir: 'asc' }))).toBe('INVALID_INPUT')
    expect(codeOf(() => decodeKeysetCursor(cursor, { key: 'tag', dir: 'desc' }))).toBe('INVALID_INPUT')
  })

  it('refuses anything malformed with INVALID_INPUT, never another error', () => {
    const sort: EventSort = { key: 'occurred_at', dir: 'desc' }
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    for (const bad of [
      '',
      '!!!',
      encode({}),
      encode(['occurred_at', 'desc', null, 1]),
      encode(['occurred_at', 'desc', 'x', 1, 2]),
      encode(['occurred_at', 'desc', null, 1.5, 2]),
      encode(['occurred_at', 'desc', null, 1, '2']),
      encode(['raw', 'desc', 'x', 1, 2])
    ]) {
      expect(codeOf(() => decodeKeysetCursor(bad, sort)), bad).toBe('INVALID_INPUT')
    }
    fc.assert(
      fc.property(fc.string(), (text) => {
        const code = codeOf(() => decodeKeysetCursor(text, sort))
        expect(code === undefined || code === 'INVALID_INPUT').toBe(true)
      })
    )
  })
})
