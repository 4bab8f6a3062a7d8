import { afterEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { IBM_STREAM } from '../../src/main/core/sources/ibm'
import { ibmEventId } from '../../src/main/core/sources/ibm-event'
import { makeIbmEvent, seededRandom, simLog, type SimLog } from '../sim/ibm-events'
import { expectAppError, expectNoSecrets, MemoryArchive, walkInto } from './connector-behaviour'
import { IBM_RIG_START, startIbmRig, type IbmRig, type IbmRigOptions } from './ibm-rig'

/** IBM specifics beyond the shared suite: pacing, slicing, token renewal, incremental runs, errors. */

let rig: IbmRig | undefined
const start = async (options: IbmRigOptions = {}): Promise<IbmRig> => {
  rig = await startIbmRig(options)
  return rig
}
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

const queryRequests = (r: IbmRig) => r.sim.requests.filter((request) => request.route === 'query')

/** `count` pushes logged within one second starting at `at`. */
function burst(count: number, at: number, seed: number): SimLog[] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, (_, i) =>
    simLog(makeIbmEvent(random, 'container-registry.image.push', at + i), at + Math.floor((i * 1000) / count))
  )
}

describe('ibm: the query API as the contract describes it', () => {
  it('exchanges the API key form-encoded and queries with DataPrime over an event stream', async () => {
    const r = await start({ sim: { events: 20, seed: 2 } })
    await walkInto(r.connector, IBM_STREAM, new MemoryArchive(), r.ctx())
    const iam = r.sim.requests.find((request) => request.route === 'iam')
    expect(iam?.contentType).toBe('application/x-www-form-urlencoded')
    const query = queryRequests(r)[0]!
    expect(query.accept).toBe('text/event-stream')
    expect(query.contentType).toBe('application/json')
    expect(query.authorization).toMatch(/^Bearer \S+$/)
    expect(query.body?.query).toBe(
      "source logs | filter $l.applicationname == 'ibm-audit-event' && $d.action.startsWith('container-registry.')"
    )
    expect(query.body?.metadata).toMatchObject({ tier: 'frequent_search', syntax: 'dataprime', limit: 40, default_source: 'logs' })
  })

  it('archives registry events only, with the event hash as identity', async () => {
    const r = await start({ sim: { events: 120, seed: 4 } })
    expect(r.sim.logs.length).toBeGreaterThan(r.sim.registryEvents.length)
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    expect([...archive.events.keys()].sort()).toEqual(r.sim.registryEvents.map((event) => ibmEventId(event)).sort())
  })

  it('queries the application label the account names', async () => {
    const r = await start({ sim: { events: 10, seed: 2 }, accountOptions: { applicationName: 'ibm-audit-events', tier: 'archive' } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    // The simulator's logs carry `ibm-audit-event`: the other spelling finds nothing.
    expect(archive.events.size).toBe(0)
    expect(queryRequests(r)[0]!.body?.query).toContain("$l.applicationname == 'ibm-audit-events'")
    expect(queryRequests(r)[0]!.body?.metadata).toMatchObject({ tier: 'archive' })
  })
})

describe('ibm: ten queries a minute', () => {
  it('paces itself so the instance never answers 429', async () => {
    const r = await start({ sim: { events: 400, seed: 6 } })
    const ctx = r.ctx()
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, ctx)
    expect(archive.events.size).toBe(r.sim.registryEvents.length)
    const queries = queryRequests(r)
    expect(queries.length).toBeGreaterThan(10)
    expect(queries.filter((request) => request.status === 429)).toHaveLength(0)
    for (let i = 10; i < queries.length; i++) expect(queries[i]!.at - queries[i - 10]!.at).toBeGreaterThanOrEqual(60_000)
    const pacing = ctx.notices.filter((notice) => notice.type === 'waiting' && notice.reason === 'rate-limit')
    expect(pacing.length).toBeGreaterThan(0)
    expect(pacing.every((notice) => notice.type === 'waiting' && notice.status === undefined)).toBe(true)
  })

  it('without its own pacing, waits a whole minute on each 429 and still ends complete', async () => {
    const r = await start({ sim: { events: 400, seed: 6 }, deps: { queriesPerMinute: Number.POSITIVE_INFINITY } })
    const ctx = r.ctx()
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, ctx)
    expect(archive.events.size).toBe(r.sim.registryEvents.length)
    const refused = queryRequests(r).filter((request) => request.status === 429)
    expect(refused.length).toBeGreaterThan(0)
    expect(r.sleeps.filter((ms) => ms === 60_000).length).toBe(refused.length)
    expect(ctx.notices).toContainEqual({ type: 'waiting', reason: 'rate-limit', ms: 60_000, status: 429 })
  })
})

describe('ibm: time slices', () => {
  it('halves a slice that reaches the row limit and reads nothing twice in a quiet stretch', async () => {
    const r = await start({ sim: { events: 300, seed: 8, queriesPerMinute: Number.POSITIVE_INFINITY }, deps: { queriesPerMinute: Number.POSITIVE_INFINITY } })
    const archive = new MemoryArchive()
    const totals = await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    expect(archive.events.size).toBe(r.sim.registryEvents.length)
    const queries = queryRequests(r)
    // Full answers were split: some query came back with exactly the limit and was not written.
    expect(queries.some((request) => request.rows === 40)).toBe(true)
    expect(queries.length).toBeGreaterThan(totals.pages)
    // Every written slice is a query that answered fewer rows than the limit.
    const ranges = queries.map((request) => [Date.parse(String(request.body?.metadata?.['start_date'])), Date.parse(String(request.body?.metadata?.['end_date']))])
    for (const [from, to] of ranges) expect(to! - from!).toBeLessThanOrEqual(7 * 86_400_000 + 1)
    expect(totals.duplicates).toBeLessThan(5)
  })

  it('reads a burst of more events in one second than the limit with the tier maximum', async () => {
    const at = IBM_RIG_START - 3_600_000
    const r = await start({
      sim: { logs: burst(60, at, 3), queriesPerMinute: Number.POSITIVE_INFINITY },
      deps: { queriesPerMinute: Number.POSITIVE_INFINITY }
    })
    const ctx = r.ctx()
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, ctx)
    expect(archive.events.size).toBe(60)
    expect(queryRequests(r).some((request) => request.body?.metadata?.['limit'] === 12_000)).toBe(true)
    expect(ctx.notices.filter((notice) => notice.type === 'warning')).toEqual([])
  })

  it('splits on a limit warning too, and says so when even one second stays over the limit', async () => {
    const at = IBM_RIG_START - 3_600_000
    const r = await start({
      sim: { logs: burst(60, at, 3), queriesPerMinute: Number.POSITIVE_INFINITY, maxScannedLogs: 30 },
      deps: { queriesPerMinute: Number.POSITIVE_INFINITY }
    })
    const ctx = r.ctx()
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, ctx)
    // The simulator scans at most 30 logs per query: the narrowest slice is taken as it is, with a warning.
    expect(archive.events.size).toBeGreaterThanOrEqual(30)
    const warnings = ctx.notices.filter((notice) => notice.type === 'warning')
    expect(warnings.some((notice) => notice.type === 'warning' && /still hit its limit/.test(notice.message))).toBe(true)
    const widths = queryRequests(r).map(
      (request) => Date.parse(String(request.body?.metadata?.['end_date'])) - Date.parse(String(request.body?.metadata?.['start_date']))
    )
    expect(Math.min(...widths)).toBeLessThanOrEqual(1001)
  })

  it('passes other warnings on once and leaves out events of other services', async () => {
    // Two slices (14 days, 7 a slice): the warning comes with the first answer, the foreign row with the second.
    const r = await start({ sim: { events: 5, seed: 1 }, accountOptions: { lookbackDays: 14 } })
    const foreign = { ...makeIbmEvent(seededRandom(1), 'container-registry.image.pull', IBM_RIG_START - 600_000), action: 'iam-identity.apikey.login' }
    r.sim.inject({ kind: 'warning', warning: { time_range_warning: { warning_message: 'start_date is before the retention' } } })
    r.sim.inject({ kind: 'extra-rows', rows: [{ metadata: [], labels: [], user_data: JSON.stringify(foreign) }] })
    const ctx = r.ctx()
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, ctx)
    expect(archive.events.size).toBe(5)
    const messages = ctx.notices.flatMap((notice) => (notice.type === 'warning' ? [notice.message] : []))
    expect(messages.filter((message) => message.includes('time range: start_date is before the retention'))).toHaveLength(1)
    expect(messages.some((message) => message.includes('1 events of other services'))).toBe(true)
  })
})

describe('ibm: incremental runs', () => {
  it('reads only what arrived since, including a late delivery inside the overlap', async () => {
    const r = await start({ sim: { events: 100, seed: 12 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    expect(archive.cursor).toEqual({ v: 1, doneUntil: IBM_RIG_START - 1000 })
    r.clock.advance(30 * 60_000)
    const fresh = r.sim.addLogs(7)
    // A late delivery: logged 5 minutes before the end of the previous run.
    const late = simLog(makeIbmEvent(seededRandom(77), 'container-registry.image.delete', IBM_RIG_START - 400_000), IBM_RIG_START - 300_000)
    r.sim.addLogs([late])
    // Logged at "now": they belong to a run that starts after they were logged.
    r.clock.advance(5_000)
    const before = queryRequests(r).length
    const again = await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    expect(again.inserted).toBe(fresh.length + 1)
    expect(archive.events.has(ibmEventId(late.event))).toBe(true)
    // The second run starts 15 minutes before where the first ended.
    const first = queryRequests(r)[before]!
    expect(Date.parse(String(first.body?.metadata?.['start_date']))).toBe(IBM_RIG_START - 1000 - 15 * 60_000 - 1)
    // Events logged during a run's last second wait for the next run, never lost.
    r.sim.addLogs(3)
    expect((await walkInto(r.connector, IBM_STREAM, archive, r.ctx())).inserted).toBe(0)
    r.clock.advance(2_000)
    expect((await walkInto(r.connector, IBM_STREAM, archive, r.ctx())).inserted).toBe(3)
    expect(archive.events.size).toBe(r.sim.registryEvents.length)
  })

  it('refuses a cursor it did not write', async () => {
    const r = await start({ sim: { events: 1 } })
    await expectAppError(
      walkInto(r.connector, IBM_STREAM, Object.assign(new MemoryArchive(), { cursor: { v: 1, highWater: 5 } }), r.ctx()),
      'INVALID_INPUT',
      r.secrets()
    )
  })
})

describe('ibm: IAM tokens', () => {
  it('renews the token from its expiration before it runs out, without a 401', async () => {
    const r = await start({ sim: { events: 30, seed: 3 } })
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    expect(r.sim.tokensIssued).toBe(1)
    r.clock.advance(30 * 60_000)
    await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    expect(r.sim.tokensIssued).toBe(1)
    // Past four fifths of the hour: renewed before use.
    r.clock.advance(20 * 60_000)
    await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    expect(r.sim.tokensIssued).toBe(2)
    expect(r.sim.requests.filter((request) => request.status === 401)).toHaveLength(0)
  })

  it('fails with AUTH_FAILED quoting IAM, never the key, when the API key is wrong', async () => {
    const r = await start({ sim: { events: 3 } })
    const wrong = 'ibm-apikey-WRONG-0000000000000000000000000'
    const error = await expectAppError(
      walkInto(r.connector, IBM_STREAM, new MemoryArchive(), { ...r.ctx(), getToken: async () => wrong }),
      'AUTH_FAILED',
      [...r.secrets(), wrong]
    )
    expect(error.message).toContain('Provided API key could not be found')
    expect(error.status).toBe(400)
  })

  it('says NO_TOKEN when no API key is stored', async () => {
    const r = await start({ sim: { events: 3 } })
    await expectAppError(
      walkInto(r.connector, IBM_STREAM, new MemoryArchive(), { ...r.ctx(), getToken: async () => '' }),
      'NO_TOKEN',
      r.secrets()
    )
  })
})

describe('ibm: errors from the instance', () => {
  it.each([
    [403, 'PERMISSION', /logs\.logs-data-api-high\.read/],
    [404, 'NOT_FOUND', /check the instance endpoint/],
    [400, 'BAD_RESPONSE', /HTTP 400: Bad Request/]
  ] as const)('HTTP %i → %s', async (status, code, pattern) => {
    const r = await start({ sim: { events: 3 } })
    r.sim.inject({ kind: 'status', status })
    const error = await expectAppError(walkInto(r.connector, IBM_STREAM, new MemoryArchive(), r.ctx()), code, r.secrets())
    expect(error.message).toMatch(pattern)
  })

  it('a redirect to another host is not followed', async () => {
    const r = await start({ sim: { events: 3 } })
    r.sim.inject({ kind: 'redirect', location: 'https://elsewhere.example/v1/query' })
    await expectAppError(walkInto(r.connector, IBM_STREAM, new MemoryArchive(), r.ctx()), 'BAD_RESPONSE', r.secrets())
  })

  it('an answer over the body cap is refused', async () => {
    const r = await start({ sim: { events: 3 } })
    r.sim.inject({ kind: 'huge-body', bytes: 1024 * 1024 })
    const error = await expectAppError(
      walkInto(r.newConnector({ maxBodyBytes: 64 * 1024 }), IBM_STREAM, new MemoryArchive(), r.ctx()),
      'BAD_RESPONSE',
      r.secrets()
    )
    expect(error.message).toMatch(/too large/)
  })

  it('a connection reset mid-stream is retried, and the walk completes', async () => {
    const r = await start({ sim: { events: 30, seed: 2 } })
    r.sim.inject({ kind: 'reset-mid-body' })
    const archive = new MemoryArchive()
    await walkInto(r.connector, IBM_STREAM, archive, r.ctx())
    expect(archive.events.size).toBe(r.sim.registryEvents.length)
  })

  it('cancels promptly when the signal aborts during a pacing wait', async () => {
    const r = await start({ sim: { events: 400, seed: 6 } })
    const ctx = r.ctx()
    const connector = r.newConnector({
      sleep: async (ms, signal) => {
        ctx.controller.abort()
        if (signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
        r.clock.advance(ms)
      }
    })
    await expectAppError(walkInto(connector, IBM_STREAM, new MemoryArchive(), ctx), 'CANCELLED', r.secrets())
  })
})

describe('ibm: testConnection', () => {
  it('reports the sign-in, where the registry delivers its events and the instance', async () => {
    const r = await start({ sim: { events: 40, seed: 5, endTime: IBM_RIG_START - 60_000, spanMs: 3_600_000 }, accountOptions: { region: 'ap-south' } })
    const ctx = r.ctx()
    const result = await r.connector.testConnection(ctx)
    expect(result.details.join('\n')).toContain('au.icr.io (au-syd, formerly ap-south): Activity Tracker delivered its events to Tokyo (jp-tok)')
    expect(result.details.some((line) => line.includes('were logged in the last 24 hours'))).toBe(true)
    expect(result.warnings).toEqual([])
    for (const line of [...result.details, ...result.warnings]) expectNoSecrets(line, r.secrets())
  })

  it('warns when the instance holds no registry events of the last day', async () => {
    const r = await start({ sim: { events: 0 }, accountOptions: { region: 'icr.io' } })
    const result = await r.connector.testConnection(r.ctx())
    expect(result.details.join('\n')).toContain('icr.io (global): Activity Tracker delivered its events to Dallas (us-south)')
    expect(result.warnings.join('\n')).toMatch(/no Container Registry events .* us-east/)
  })
})
