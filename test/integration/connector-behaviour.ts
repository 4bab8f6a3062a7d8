import { afterEach, describe, expect, it } from 'vitest'
import { ACTIVITIES, ACTOR_KINDS, OUTCOMES, VERBS, type NormalisedEvent } from '../../src/shared/event'
import { AppError } from '../../src/main/core/errors'
import type { Connector, ConnectorContext, ConnectorNotice, SourceRecord } from '../../src/main/core/sources/connector'

/**
 * The behaviour every connector must show against its simulator (STYLE.md "Connectors"): paging to
 * the end, resuming from a stored cursor, 401 → sign in again once, 429 → wait as asked, 5xx →
 * retry then a clear give-up, malformed bodies → BAD_RESPONSE, every documented action normalised,
 * and no secret in any error message. A connector's test file calls `describeConnectorBehaviour`
 * with a setup that starts its simulator and builds the connector with a recording sleep.
 */

/** One documented record and what its normalisation must give. */
export interface DocumentedRecord {
  action: string
  raw: unknown
  expect: Partial<NormalisedEvent>
}

export interface BehaviourHarness {
  connector: Connector
  stream: string
  /** Events the source holds now: what a complete walk must end with. */
  sourceCount(): number
  /** The account's secret and any bearer seen so far: none may appear in a message. */
  secrets(): string[]
  /** Every sleep the connector asked for, in ms (the setup's sleep records and returns at once). */
  sleeps: number[]
  /** Sign-ins (token exchanges) the source has answered so far. */
  signIns(): number
  /** The next data request answers 401, as for an expired token. */
  expireTokenOnce(): void
  /** Every data request answers 401. */
  rejectEveryToken(): void
  /** Header variants of a 429 this source sends. */
  rateLimitVariants: string[]
  /** The next data request answers 429 with that variant asking for `seconds`; returns the wait (ms) the connector must sleep. */
  rateLimitOnce(variant: string, seconds: number): number
  /** The next `times` data requests answer a 5xx. */
  serverErrors(times: number): void
  malformedKinds: string[]
  /** The next data request answers a malformed body of that kind (non-JSON, truncated, wrong shape…). */
  malformedOnce(kind: string): void
  /** Raw records for every documented action, with the normalisation expected. */
  documented: DocumentedRecord[]
  close(): Promise<void>
}

export type BehaviourSetup = (options: { events: number; seed: number }) => Promise<BehaviourHarness>

/** An in-memory stand-in for the archive's writePage: idempotent per id, stores the cursor with the page. */
export class MemoryArchive {
  readonly events = new Map<string, unknown>()
  cursor: unknown = null
  pages = 0

  write(records: SourceRecord[], cursor: unknown): { inserted: number; duplicates: number } {
    let inserted = 0
    for (const record of records) {
      if (this.events.has(record.sourceEventId)) continue
      this.events.set(record.sourceEventId, record.raw)
      inserted++
    }
    this.cursor = cursor
    this.pages++
    return { inserted, duplicates: records.length - inserted }
  }
}

export interface TestContext extends ConnectorContext {
  notices: ConnectorNotice[]
  controller: AbortController
}

export function testContext(secret: string, account = 'acct'): TestContext {
  const controller = new AbortController()
  const notices: ConnectorNotice[] = []
  return {
    account,
    getToken: async () => secret,
    signal: controller.signal,
    notify: (notice) => notices.push(notice),
    notices,
    controller
  }
}

/**
 * Walks a stream into `archive` from its stored cursor, like the sync engine: each page's records
 * and cursor together. `stopAfterPages` ends the walk early, as a process killed after that page
 * was committed. Returns the totals of this walk.
 */
export async function walkInto(
  connector: Connector,
  stream: string,
  archive: MemoryArchive,
  ctx: ConnectorContext,
  options: { stopAfterPages?: number } = {}
): Promise<{ pages: number; inserted: number; duplicates: number }> {
  const totals = { pages: 0, inserted: 0, duplicates: 0 }
  for await (const page of connector.pages(stream, archive.cursor, ctx)) {
    const { inserted, duplicates } = archive.write(page.records, page.cursor)
    totals.pages++
    totals.inserted += inserted
    totals.duplicates += duplicates
    if (options.stopAfterPages !== undefined && totals.pages >= options.stopAfterPages) break
  }
  return totals
}

/** Expects `promise` to reject with an AppError of `code` whose message names no secret. */
export async function expectAppError(promise: Promise<unknown>, code: string, secrets: string[]): Promise<AppError> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(caught, `expected AppError ${code}`).toBeInstanceOf(AppError)
  const error = caught as AppError
  expect({ code: error.code, message: error.message }).toMatchObject({ code })
  expectNoSecrets(error.message, secrets)
  return error
}

export function expectNoSecrets(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    if (secret.length >= 4) expect(text.includes(secret), `message leaks a secret: ${text}`).toBe(false)
  }
}

/** The shape rules every normalised event obeys, whatever the source. */
export function expectWellFormed(event: NormalisedEvent): void {
  expect(VERBS).toContain(event.verb)
  expect(ACTIVITIES).toContain(event.activity)
  expect(OUTCOMES).toContain(event.outcome)
  expect(ACTOR_KINDS).toContain(event.actor_kind)
  expect(Number.isFinite(event.occurred_at)).toBe(true)
  expect(event.action).not.toBe('')
  expect(event.label.trim()).toBe(event.label)
  expect(event.label).not.toBe('')
  expect(event.label).not.toMatch(/[\r\n]/)
}

export function describeConnectorBehaviour(name: string, setup: BehaviourSetup): void {
  describe(`${name}: shared connector behaviour`, () => {
    let harness: BehaviourHarness | undefined
    const start = async (events = 230, seed = 11): Promise<BehaviourHarness> => {
      harness = await setup({ events, seed })
      return harness
    }
    afterEach(async () => {
      await harness?.close()
      harness = undefined
    })

    it('pages to the end: the archive holds every source event exactly once', async () => {
      const h = await start()
      const archive = new MemoryArchive()
      const ctx = testContext(h.secrets()[0]!)
      const totals = await walkInto(h.connector, h.stream, archive, ctx)
      expect(totals.pages).toBeGreaterThan(1)
      expect(archive.events.size).toBe(h.sourceCount())
      expect(totals.inserted).toBe(h.sourceCount())
      expect(totals.duplicates).toBe(0)
      // A second walk from the stored cursor finds nothing new.
      const again = await walkInto(h.connector, h.stream, archive, ctx)
      expect(again.inserted).toBe(0)
      expect(archive.events.size).toBe(h.sourceCount())
    })

    it('resumes from a cursor stored after any page and ends with exactly the source', async () => {
      const h = await start()
      const full = new MemoryArchive()
      await walkInto(h.connector, h.stream, full, testContext(h.secrets()[0]!))
      for (const stopAfter of [1, 2]) {
        const archive = new MemoryArchive()
        await walkInto(h.connector, h.stream, archive, testContext(h.secrets()[0]!), { stopAfterPages: stopAfter })
        expect(archive.events.size).toBeLessThan(h.sourceCount())
        await walkInto(h.connector, h.stream, archive, testContext(h.secrets()[0]!))
        expect([...archive.events.keys()].sort()).toEqual([...full.events.keys()].sort())
      }
    })

    it('signs in again once when a data request answers 401', async () => {
      const h = await start()
      const archive = new MemoryArchive()
      const ctx = testContext(h.secrets()[0]!)
      await walkInto(h.connector, h.stream, archive, ctx, { stopAfterPages: 1 })
      const before = h.signIns()
      h.expireTokenOnce()
      await walkInto(h.connector, h.stream, archive, ctx)
      expect(h.signIns()).toBe(before + 1)
      expect(ctx.notices).toContainEqual({ type: 'reauthenticated' })
      expect(archive.events.size).toBe(h.sourceCount())
    })

    it('fails with AUTH_FAILED when the token is refused again right after signing in', async () => {
      const h = await start()
      h.rejectEveryToken()
      const error = await expectAppError(
        walkInto(h.connector, h.stream, new MemoryArchive(), testContext(h.secrets()[0]!)),
        'AUTH_FAILED',
        h.secrets()
      )
      expect(error.status).toBe(401)
    })

    it('waits as a 429 asks, whichever header says it, then goes on', async () => {
      const h = await start()
      for (const variant of h.rateLimitVariants) {
        const archive = new MemoryArchive()
        const ctx = testContext(h.secrets()[0]!)
        h.sleeps.length = 0
        const expected = h.rateLimitOnce(variant, 7)
        await walkInto(h.connector, h.stream, archive, ctx)
        expect(h.sleeps, variant).toEqual([expected])
        expect(ctx.notices).toContainEqual({ type: 'waiting', reason: 'rate-limit', ms: expected, status: 429 })
        expect(archive.events.size).toBe(h.sourceCount())
      }
    })

    it('retries a 5xx with growing backoff, then goes on', async () => {
      const h = await start()
      h.serverErrors(3)
      const archive = new MemoryArchive()
      const ctx = testContext(h.secrets()[0]!)
      await walkInto(h.connector, h.stream, archive, ctx)
      expect(h.sleeps).toHaveLength(3)
      // Backoff grows: each wait at least the one before, the last clearly longer than the first.
      expect(h.sleeps[1]!).toBeGreaterThanOrEqual(h.sleeps[0]!)
      expect(h.sleeps[2]!).toBeGreaterThanOrEqual(h.sleeps[1]!)
      expect(h.sleeps[2]!).toBeGreaterThan(h.sleeps[0]!)
      expect(ctx.notices.filter((notice) => notice.type === 'waiting' && notice.reason === 'retry')).toHaveLength(3)
      expect(archive.events.size).toBe(h.sourceCount())
    })

    it('gives up on a 5xx storm with a clear error', async () => {
      const h = await start()
      h.serverErrors(Number.POSITIVE_INFINITY)
      const error = await expectAppError(
        walkInto(h.connector, h.stream, new MemoryArchive(), testContext(h.secrets()[0]!)),
        'BAD_RESPONSE',
        h.secrets()
      )
      expect(error.message).toMatch(/gave up after \d+ attempts/)
      expect(h.sleeps.length).toBeGreaterThan(0)
    })

    it('refuses a malformed body with BAD_RESPONSE and stores nothing from it', async () => {
      const h = await start()
      for (const kind of h.malformedKinds) {
        const archive = new MemoryArchive()
        h.malformedOnce(kind)
        await expectAppError(walkInto(h.connector, h.stream, archive, testContext(h.secrets()[0]!)), 'BAD_RESPONSE', h.secrets())
        expect(archive.pages, kind).toBe(0)
      }
    })

    it('normalises every documented action', async () => {
      const h = await start(0)
      expect(h.documented.length).toBeGreaterThan(0)
      for (const { action, raw, expect: expected } of h.documented) {
        const event = h.connector.normalise(h.stream, raw)
        expectWellFormed(event)
        expect(event, action).toMatchObject({ action, ...expected })
      }
    })
  })
}
