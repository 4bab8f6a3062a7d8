import { describe, expect, it } from 'vitest'
import { iamRenewAt, iamTokenRequestBody } from '../../src/main/core/sources/ibm-iam'
import { createQueryLimiter } from '../../src/main/core/sources/ibm-query-limiter'
import {
  completeIbmSlice,
  nextIbmSlice,
  readIbmCursor,
  shrinkIbmRun,
  startIbmRun,
  type IbmSliceSettings
} from '../../src/main/core/sources/ibm-slices'

const HOUR = 3_600_000
const settings: IbmSliceSettings = { lookbackMs: 48 * HOUR, overlapMs: 15 * 60_000, maxSpanMs: 24 * HOUR, minSpanMs: 1000 }
const NOW = Date.parse('2025-06-01T12:00:00.400Z')
const TO = Date.parse('2025-06-01T11:59:59.000Z')

describe('IBM time slices', () => {
  it('starts a first run lookback before the last whole second, a later one overlap before where it ended', () => {
    expect(startIbmRun({ v: 1, doneUntil: null }, NOW, settings)).toEqual({ from: TO - 48 * HOUR, to: TO, next: TO - 48 * HOUR, span: 24 * HOUR })
    expect(startIbmRun({ v: 1, doneUntil: TO - HOUR }, NOW, settings)).toMatchObject({ from: TO - HOUR - 15 * 60_000, to: TO })
    // A clock that went back: nothing to read.
    expect(startIbmRun({ v: 1, doneUntil: NOW + HOUR }, NOW, settings)).toBeNull()
  })

  it('walks slices to the end, halving full ones and growing after each read', () => {
    let cursor = { v: 1 as const, doneUntil: null }
    let run = startIbmRun(cursor, NOW, settings)!
    const written: Array<[number, number]> = []
    // A source where any slice wider than 3 hours is "full".
    for (let guard = 0; guard < 100; guard++) {
      const slice = nextIbmSlice(run)
      if (slice.end - slice.start > 3 * HOUR) {
        run = shrinkIbmRun(run, slice, settings)!
        continue
      }
      written.push([slice.start, slice.end])
      const step = completeIbmSlice(cursor, run, slice, settings)
      if (step.done) {
        expect(step.cursor).toEqual({ v: 1, doneUntil: TO })
        break
      }
      cursor = step.cursor as typeof cursor
      run = step.cursor.run!
    }
    // Contiguous, covering [from, to) exactly, each at most 3 hours.
    expect(written[0]![0]).toBe(TO - 48 * HOUR)
    expect(written.at(-1)![1]).toBe(TO)
    for (let i = 1; i < written.length; i++) expect(written[i]![0]).toBe(written[i - 1]![1])
    for (const [start, end] of written) expect(end - start).toBeLessThanOrEqual(3 * HOUR)
  })

  it('widens after a slice less than half full, keeps the width after a busier one, up to the widest', () => {
    const run = { from: 0, to: 100 * HOUR, next: 0, span: 2 * HOUR }
    const slice = { start: 0, end: 2 * HOUR }
    const cursor = { v: 1 as const, doneUntil: null }
    expect(completeIbmSlice(cursor, run, slice, settings, { rows: 19, limit: 40 }).cursor.run).toEqual({ ...run, next: 2 * HOUR, span: 4 * HOUR })
    expect(completeIbmSlice(cursor, run, slice, settings, { rows: 20, limit: 40 }).cursor.run).toEqual({ ...run, next: 2 * HOUR, span: 2 * HOUR })
    const wide = { start: 0, end: 20 * HOUR }
    expect(completeIbmSlice(cursor, { ...run, span: 20 * HOUR }, wide, settings, { rows: 0, limit: 40 }).cursor.run?.span).toBe(24 * HOUR)
  })

  it('will not shrink below the narrowest slice', () => {
    const run = { from: 0, to: 10_000, next: 0, span: 1000 }
    expect(shrinkIbmRun(run, { start: 0, end: 1000 }, settings)).toBeNull()
    expect(shrinkIbmRun(run, { start: 0, end: 1500 }, settings)).toMatchObject({ span: 1000 })
  })

  it('reads stored cursors and refuses anything else', () => {
    expect(readIbmCursor(null)).toEqual({ v: 1, doneUntil: null })
    const inRun = { v: 1, doneUntil: 5, run: { from: 1, to: 9, next: 3, span: 2 } }
    expect(readIbmCursor(inRun)).toEqual(inRun)
    for (const bad of [{ v: 2, doneUntil: 1 }, { v: 1, highWater: 5 }, { v: 1, doneUntil: 1, run: { from: 5, to: 1, next: 3, span: 1 } }, 'x']) {
      expect(() => readIbmCursor(bad, 'acct')).toThrow(/not an IBM Cloud Logs cursor/)
    }
  })
})

describe('the query limiter', () => {
  it('lets N queries through per sliding window and waits for the oldest to leave', async () => {
    let now = 0
    const waits: number[] = []
    const limiter = createQueryLimiter({
      perWindow: 3,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms)
        now += ms
      }
    })
    const sent: number[] = []
    for (let i = 0; i < 7; i++) {
      await limiter.acquire()
      sent.push(now)
      now += 5_000
    }
    expect(sent).toEqual([0, 5_000, 10_000, 60_000, 65_000, 70_000, 120_000])
    expect(waits).toEqual([45_000, 45_000])
  })

  it('does not pace with an infinite allowance', async () => {
    const limiter = createQueryLimiter({ perWindow: Number.POSITIVE_INFINITY, now: () => 0, sleep: async () => expect.fail('slept') })
    for (let i = 0; i < 50; i++) expect(await limiter.acquire()).toBe(0)
  })
})

describe('IAM token renewal', () => {
  it('renews a fifth of the lifetime before expiration, on our clock', () => {
    const local = 1_000_000_000_000
    // IAM's clock is 10 s ahead of ours.
    expect(iamRenewAt({ expiration: local / 1000 + 10 + 3600, expires_in: 3600 }, local, local + 10_000)).toBe(local + 2880_000)
    expect(iamRenewAt({ expires_in: 1200 }, local, undefined)).toBe(local + 960_000)
    expect(iamRenewAt({}, local, undefined)).toBe(local + 30 * 60_000)
    // Already due.
    expect(iamRenewAt({ expiration: local / 1000 - 5, expires_in: 3600 }, local, undefined)).toBe(local)
  })

  it('form-encodes the grant', () => {
    expect(iamTokenRequestBody('a+b&c=d')).toBe('grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=a%2Bb%26c%3Dd')
  })
})
