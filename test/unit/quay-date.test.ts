import { describe, expect, it } from 'vitest'
import { addDays, dayStartMs, isUtcDay, parseQuayDate, quayDayParam, utcDayOf } from '../../src/main/core/sources/quay-date'

describe('parseQuayDate: RFC 822 / 2822, leniently', () => {
  const at = Date.parse('2024-06-18T18:59:13Z')

  it.each([
    ['Tue, 18 Jun 2024 18:59:13 -0000', at],
    ['Tue, 18 Jun 2024 18:59:13 +0000', at],
    ['Tue, 18 Jun 2024 18:59:13 GMT', at],
    ['Tue, 18 Jun 2024 18:59:13 UTC', at],
    ['Tue, 18 Jun 2024 18:59:13 UT', at],
    ['Tue, 18 Jun 2024 18:59:13 Z', at],
    ['18 Jun 2024 18:59:13 -0000', at],
    ['Tue,18 Jun 2024 18:59:13 -0000', at],
    ['Tuesday, 18 June 2024 18:59:13 -0000', at],
    ['tue, 18 jun 2024 18:59:13 gmt', at],
    ['Tue, 18 Jun 2024 18:59:13', at],
    ['  Tue, 18 Jun 2024 18:59:13 -0000  ', at],
    ['Tue, 18 Jun 24 18:59:13 -0000', at],
    ['Tue, 18 Jun 2024 18:59 -0000', Date.parse('2024-06-18T18:59:00Z')],
    ['Tue, 18 Jun 2024 18:59:13.250 -0000', at + 250],
    ['Tue, 18 Jun 2024 20:59:13 +0200', at],
    ['Tue, 18 Jun 2024 14:59:13 EDT', at],
    ['Tue, 18 Jun 2024 11:59:13 PDT', at],
    ['Tue, 18 Jun 2024 18:59:13 +02:00', at - 2 * 3_600_000],
    ['Wed, 18 Jun 2024 18:59:13 -0000', at],
    ['Sat, 01 Jan 99 00:00:00 GMT', Date.parse('1999-01-01T00:00:00Z')],
    ['2024-06-18T18:59:13Z', at],
    ['2024-06-18T20:59:13.5+02:00', at + 500]
  ])('%s', (text, expected) => {
    expect(parseQuayDate(text)).toBe(expected)
  })

  it.each([
    '',
    'yesterday',
    '06/18/2024',
    'Tue, 31 Feb 2024 18:59:13 -0000',
    'Tue, 18 Foo 2024 18:59:13 -0000',
    'Tue, 18 Jun 2024 24:00:00 -0000',
    'Tue, 18 Jun 2024 18:60:00 -0000',
    'Tue, 18 Jun 2024 18:59:13 CEST',
    'Tue, 18 Jun 2024 18:59:13 +0070'
  ])('refuses %j', (text) => {
    expect(parseQuayDate(text)).toBeUndefined()
  })
})

describe('UTC days', () => {
  it('takes the UTC day of an instant, moves days and checks them', () => {
    expect(utcDayOf(Date.parse('2024-06-18T23:59:59.999Z'))).toBe('2024-06-18')
    expect(utcDayOf(Date.parse('2024-06-19T00:00:00Z'))).toBe('2024-06-19')
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01')
    expect(dayStartMs('2024-06-18')).toBe(Date.parse('2024-06-18T00:00:00Z'))
    expect(isUtcDay('2024-02-29')).toBe(true)
    expect(isUtcDay('2023-02-29')).toBe(false)
    expect(isUtcDay('2024-6-1')).toBe(false)
  })

  it('writes a day as Quay reads starttime/endtime: MM/DD/YYYY', () => {
    expect(quayDayParam('2024-06-08')).toBe('06/08/2024')
    expect(quayDayParam('2025-12-31')).toBe('12/31/2025')
  })
})
