import { afterEach, describe, expect, it } from 'vitest'
import { httpRequest } from '../../src/main/core/net/http-client'
import { createManualClock } from '../sim/dockerhub'
import { startMsrSim, type MsrSim } from '../sim/msr'
import { generateMsrEvents, MSR_EVENT_CATEGORIES, categoryOf } from '../sim/msr-events'
import { jsonLines, spawnTsx } from './fixtures/tsx-process'

/** The MSR simulator itself follows sources/2-msr-dtr.md and, for its Notary side, 3-notary.md. */

let sim: MsrSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const basic = (user: string, secret: string): string => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`

async function get(path: string, authorization?: string): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const response = await httpRequest({ method: 'GET', url: `${sim!.url}${path}`, headers: authorization ? { authorization } : {} })
  return { status: response.status, headers: response.headers, text: response.body.toString('utf8') }
}

describe('MSR simulator', () => {
  it('generates every category, newest first, deterministically', () => {
    const a = generateMsrEvents(500, 4)
    expect(generateMsrEvents(500, 4)).toEqual(a)
    expect(new Set(a.map(categoryOf))).toEqual(new Set(MSR_EVENT_CATEGORIES))
    const times = a.map((event) => Date.parse(event.publishedAt))
    expect(times.every((t, i) => i === 0 || t <= times[i - 1]!)).toBe(true)
    expect(new Set(a.map((event) => event.id)).size).toBe(a.length)
  })

  it('answers /api/v0/events with Basic auth, cursor headers and the errors envelope', async () => {
    sim = await startMsrSim({ events: 25, seed: 3 })
    const auth = basic(sim.admin.username, sim.admin.secret)
    expect(await get('/api/v0/events')).toMatchObject({ status: 401, text: JSON.stringify({ errors: [{ code: 'NOT_AUTHENTICATED', message: 'The client is not authenticated.' }] }) })
    expect((await get('/api/v0/events', basic('admin', 'wrong'))).status).toBe(401)
    const first = await get('/api/v0/events?count=true', auth)
    const page = JSON.parse(first.text) as { events: Array<{ id: string }> }
    expect(page.events).toHaveLength(10)
    expect(first.headers['x-resource-count']).toBe('25')
    expect(first.headers['x-next-page-start']).toBe(sim.events[10]!.id)
    const last = await get(`/api/v0/events?pageStart=${sim.events[20]!.id}&pageSize=10`, auth)
    expect((JSON.parse(last.text) as { events: unknown[] }).events).toHaveLength(5)
    expect(last.headers['x-next-page-start']).toBeUndefined()
    const stale = await get('/api/v0/events?pageStart=nope', auth)
    expect(stale.status).toBe(400)
    expect(JSON.parse(stale.text)).toMatchObject({ errors: [{ code: 'INVALID_PARAMETERS' }] })
    const after = sim.events[4]!.publishedAt
    const newer = JSON.parse((await get(`/api/v0/events?pageSize=100&publishedAfter=${after}`, auth)).text) as { events: Array<{ publishedAt: string }> }
    expect(newer.events.every((event) => Date.parse(event.publishedAt) > Date.parse(after))).toBe(true)
  })

  it('shows pull, mirror and promotion-policy events to admins only; meta/settings is admin-only', async () => {
    sim = await startMsrSim({ events: 200, seed: 5, maxPageSize: 1000 })
    const dev = basic(sim.nonAdmin.username, sim.nonAdmin.secret)
    const seen = JSON.parse((await get('/api/v0/events?pageSize=100000', dev)).text) as { events: Array<Parameters<typeof categoryOf>[0]> }
    const categories = new Set(seen.events.map(categoryOf))
    for (const hidden of ['pull', 'pull-mirror', 'push-mirror', 'push-mirror-fail', 'promotion-policy'] as const) expect(categories.has(hidden)).toBe(false)
    expect(seen.events.length).toBe(sim.visibleTo('dev').length)
    expect((await get('/api/v0/meta/settings', dev)).status).toBe(403)
    expect((await get('/api/v0/meta/settings', basic(sim.admin.username, sim.admin.secret))).status).toBe(200)
    expect(sim.signIns).toBe(2)
  })

  it('serves the RethinkDB changefeed behind /auth/token, with notary-server quirks', async () => {
    const clock = createManualClock(Date.parse('2025-06-02T12:00:00Z'))
    sim = await startMsrSim({ clock, trustChanges: 12 })
    const challenge = await get('/v2/_trust/changefeed?change_id=0&records=5')
    expect(challenge.status).toBe(401)
    expect(challenge.headers['www-authenticate']).toBe(`Bearer realm="${sim.url}/auth/token",service="dtr",scope="registry:catalog:*"`)
    const token = JSON.parse((await get('/auth/token?service=dtr&scope=registry:catalog:*', basic('admin', sim.admin.secret))).text) as Record<string, unknown>
    expect(Object.keys(token).sort()).toEqual(['access_token', 'expires_in', 'issued_at', 'token'])
    const bearer = `Bearer ${String(token['token'])}`
    const page = await get('/v2/_trust/changefeed?change_id=0&records=5', bearer)
    expect(page.headers['content-type']).toBe('text/plain; charset=utf-8')
    const body = JSON.parse(page.text) as { count: number; records: Array<Record<string, unknown>> }
    expect(body.count).toBe(5)
    expect(Object.keys(body.records[0]!).sort()).toEqual(['Category', 'CreatedAt', 'GUN', 'ID', 'SHA256', 'Version'])
    expect(String(body.records[0]!['ID'])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/)
    const newest = JSON.parse((await get('/v2/_trust/changefeed?change_id=-1&records=-1', bearer)).text) as typeof body
    expect(newest.records[0]!['ID']).toBe(sim.trust.changes.at(-1)!.ID)
    expect((await get('/v2/_trust/changefeed?change_id=0', bearer)).status).toBe(400)
    expect((await get('/v2/_trust/changefeed?records=5', bearer)).status).toBe(500)
    expect((await get(`/v2/_trust/changefeed?change_id=${sim.trust.changes.at(-1)!.ID}&records=5`, bearer)).text).toBe('{"count":0,"records":null}')
  })

  it('answers as Harbor when asked to', async () => {
    sim = await startMsrSim({ product: 'harbor' })
    expect((await get('/api/v0/events', basic('admin', 'x'))).status).toBe(404)
    expect(JSON.parse((await get('/api/v2.0/systeminfo')).text)).toHaveProperty('harbor_version')
  })

  it('runs standalone and takes faults over HTTP', async () => {
    const child = spawnTsx('test/sim/msr.ts', ['--events', '30', '--seed', '2', '--port', '0'])
    const lines = jsonLines(child)
    try {
      const ready = (await lines.waitFor((line) => typeof (line as { url?: unknown }).url === 'string')) as {
        url: string
        users: Array<{ username: string; secret: string; admin: boolean }>
        events: number
      }
      expect(ready.events).toBe(30)
      const admin = ready.users.find((user) => user.admin)!
      const fault = await httpRequest({
        method: 'POST',
        url: `${ready.url}/_sim/faults`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fault: { kind: 'rate-limit', header: 'retry-after', seconds: 3 }, match: { route: 'events' } })
      })
      expect(fault.status).toBe(200)
      const limited = await httpRequest({ method: 'GET', url: `${ready.url}/api/v0/events`, headers: { authorization: basic(admin.username, admin.secret) } })
      expect(limited.status).toBe(429)
      expect(limited.headers['retry-after']).toBe('3')
      const ok = await httpRequest({ method: 'GET', url: `${ready.url}/api/v0/events`, headers: { authorization: basic(admin.username, admin.secret) } })
      expect(ok.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    expect((await lines.exited).code).toBe(0)
  })
})
