import { afterEach, describe, expect, it } from 'vitest'
import { httpRequest } from '../../src/main/core/net/http-client'
import { createManualClock } from '../sim/dockerhub'
import { startQuaySim, type QuaySim } from '../sim/quay'
import { generateQuayLogs, QUAY_CONTRACT_KINDS } from '../sim/quay-events'
import { jsonLines, spawnTsx } from './fixtures/tsx-process'

/** The Quay simulator itself follows sources/6-quay.md. */

let sim: QuaySim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const NOON = Date.parse('2025-06-02T12:00:00Z')
type Page = { start_time: string; end_time: string; logs: Array<Record<string, unknown>>; next_page?: string; search_unavailable?: boolean }

async function get(path: string, token?: string): Promise<{ status: number; headers: Record<string, string>; text: string; json: () => Page }> {
  const response = await httpRequest({ method: 'GET', url: `${sim!.url}${path}`, headers: token ? { authorization: `Bearer ${token}` } : {} })
  const text = response.body.toString('utf8')
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Page }
}

describe('Quay simulator', () => {
  it('generates every contract kind, newest first, deterministically', () => {
    const a = generateQuayLogs(300, 4)
    expect(generateQuayLogs(300, 4)).toEqual(a)
    for (const kind of QUAY_CONTRACT_KINDS) expect(a.some((log) => log.kind === kind), kind).toBe(true)
    expect(a.every((log, i) => i === 0 || log.at <= a[i - 1]!.at)).toBe(true)
    expect(a.every((log) => log.at % 1000 === 0)).toBe(true)
  })

  it('answers problem+json 401 without a valid token, 403 without the scope or rights', async () => {
    sim = await startQuaySim({ clock: createManualClock(NOON), logs: 10 })
    const none = await get('/api/v1/organization/acme/logs')
    expect(none.status).toBe(401)
    expect(JSON.parse(none.text)).toEqual({
      detail: 'Requires authentication',
      error_message: 'Requires authentication',
      error_type: 'invalid_token',
      title: 'invalid_token',
      type: `${sim.url}/api/v1/error/invalid_token`,
      status: 401
    })
    expect((await get('/api/v1/organization/acme/logs', 'nope')).status).toBe(401)
    const repoAdmin = sim.tokens[2]!.token
    expect(JSON.parse((await get('/api/v1/organization/acme/logs', repoAdmin)).text)).toMatchObject({ status: 403, error_type: 'insufficient_scope' })
    // An organisation that does not exist looks the same.
    expect((await get('/api/v1/organization/nobody/logs', sim.admin.token)).status).toBe(403)
    expect((await get('/api/v1/repository/acme/app/logs', repoAdmin)).status).toBe(200)
    expect((await get('/api/v1/repository/acme/api/logs', repoAdmin)).status).toBe(403)
    expect((await get('/api/v1/repository/acme/nope/logs', sim.admin.token)).status).toBe(404)
    expect(JSON.parse((await get('/api/v1/user/', sim.admin.token)).text)).toMatchObject({ anonymous: false, username: 'alice' })
    expect((await get('/api/v1/user/', sim.tokens[1]!.token)).status).toBe(403)
    expect((await get('/api/v1/user/')).status).toBe(401)
    expect(sim.signIns).toBe(2)
  })

  it('takes MM/DD/YYYY days in UTC, adds a day to the end, echoes the window, and falls back silently', async () => {
    sim = await startQuaySim({ clock: createManualClock(NOON), logs: 230, seed: 11 })
    const token = sim.admin.token
    const day = (await get('/api/v1/organization/acme/logs?starttime=05/28/2025&endtime=05/28/2025', token)).json()
    expect([day.start_time, day.end_time]).toEqual(['Wed, 28 May 2025 00:00:00 -0000', 'Thu, 29 May 2025 00:00:00 -0000'])
    const expected = sim.visible({ namespace: 'acme' }).filter((log) => log.at >= Date.parse('2025-05-28') && log.at < Date.parse('2025-05-29'))
    expect(day.logs).toEqual(expected.slice(0, 20).map((log) => sim!.wire(log)))
    expect(typeof day.next_page).toBe('string')
    expect(Object.keys(day.logs[0]!).sort()).toEqual(expect.arrayContaining(['datetime', 'ip', 'kind', 'metadata']))
    // Unreadable → the default window (the last day, to the end of tomorrow), without an error.
    const fallback = await get('/api/v1/organization/acme/logs?starttime=2025-05-28&endtime=5/28/25', token)
    expect(fallback.status).toBe(200)
    expect([fallback.json().start_time, fallback.json().end_time]).toEqual(['Sun, 01 Jun 2025 12:00:00 -0000', 'Tue, 03 Jun 2025 12:00:00 -0000'])
    expect((await get('/api/v1/organization/acme/logs?starttime=05/28/2025&endtime=05/20/2025', token)).status).toBe(400)
  })

  it('pages 20 at a time with encrypted tokens that expire after 2 days into the first page', async () => {
    const clock = createManualClock(NOON)
    sim = await startQuaySim({ clock, logs: 230, seed: 11 })
    const token = sim.admin.token
    const path = '/api/v1/organization/acme/logs?starttime=05/28/2025&endtime=05/28/2025'
    const first = (await get(path, token)).json()
    const second = (await get(`${path}&next_page=${encodeURIComponent(first.next_page!)}`, token)).json()
    expect(second.logs).toHaveLength(20)
    expect(second.logs[0]).not.toEqual(first.logs[0])
    clock.advance(2 * 86_400_000 + 1000)
    const expired = (await get(`${path}&next_page=${encodeURIComponent(first.next_page!)}`, token)).json()
    expect(expired.logs).toEqual(first.logs)
    expect(sim.pageTokensRefused).toBe(1)
    const garbled = (await get(`${path}&next_page=gAAAAAgarbage`, token)).json()
    expect(garbled.logs).toEqual(first.logs)
    const fresh = (await get(path, token)).json()
    sim.invalidatePageTokens()
    expect((await get(`${path}&next_page=${encodeURIComponent(fresh.next_page!)}`, token)).json().logs).toEqual(fresh.logs)
  })

  it('database backend: every window ends with a legacy-table token and an empty page; maxPage cuts off', async () => {
    sim = await startQuaySim({ clock: createManualClock(NOON), logs: 230, seed: 11, backend: 'database', maxPage: 1 })
    const token = sim.admin.token
    const path = '/api/v1/organization/acme/logs?starttime=06/02/2025&endtime=06/02/2025'
    const only = (await get(path, token)).json()
    expect(only.logs.length).toBeLessThan(20)
    expect(typeof only.next_page).toBe('string')
    const tail = (await get(`${path}&next_page=${encodeURIComponent(only.next_page!)}`, token)).json()
    expect(tail).toMatchObject({ logs: [] })
    expect(tail.next_page).toBeUndefined()
    const busy = '/api/v1/organization/acme/logs?starttime=05/28/2025&endtime=05/28/2025'
    const page1 = (await get(busy, token)).json()
    expect((await get(`${busy}&next_page=${encodeURIComponent(page1.next_page!)}`, token)).json()).toMatchObject({ logs: [] })
  })

  it('rotates logs older than 30 days away; reports search_unavailable; serves nginx 429s', async () => {
    sim = await startQuaySim({ clock: createManualClock(NOON), logs: 200, seed: 3, days: 60 })
    const old = sim.logs.filter((log) => log.at < NOON - 30 * 86_400_000 && log.namespace === 'acme')
    expect(old.length).toBeGreaterThan(0)
    expect(sim.visible({ namespace: 'acme' }).some((log) => log.at < NOON - 30 * 86_400_000)).toBe(false)
    await sim.close()
    sim = await startQuaySim({ clock: createManualClock(NOON), searchUnavailable: true })
    expect((await get('/api/v1/organization/acme/logs', sim.admin.token)).json()).toMatchObject({ logs: [], search_unavailable: true })
    sim.inject({ kind: 'rate-limit', header: 'none', seconds: 0 })
    const limited = await get('/api/v1/organization/acme/logs', sim.admin.token)
    expect(limited.status).toBe(429)
    expect(limited.headers['content-type']).toBe('text/html')
    expect(limited.text).toContain('<center><h1>429 Too Many Requests</h1></center>')
  })

  it('computes the avatar from the current e-mail address', async () => {
    sim = await startQuaySim({ clock: createManualClock(NOON), logs: 50, seed: 5 })
    const alice = sim.logs.find((log) => log.performer?.name === 'alice')!
    const before = sim.wire(alice)
    sim.setEmail('alice', 'alice@new.example')
    const after = sim.wire(alice)
    expect({ ...after, performer: undefined }).toEqual({ ...before, performer: undefined })
    expect(after['performer']).not.toEqual(before['performer'])
  })

  it('runs standalone and takes faults over HTTP', async () => {
    const child = spawnTsx('test/sim/quay.ts', ['--logs', '30', '--seed', '2', '--port', '0'])
    const lines = jsonLines(child)
    try {
      const ready = (await lines.waitFor((line) => typeof (line as { url?: unknown }).url === 'string')) as {
        url: string
        org: string
        tokens: Array<{ token: string; scopes: string[] }>
        logs: number
      }
      expect(ready.org).toBe('acme')
      expect(ready.logs).toBeGreaterThan(20)
      const token = ready.tokens[0]!.token
      const fault = await httpRequest({
        method: 'POST',
        url: `${ready.url}/_sim/faults`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fault: { kind: 'rate-limit', header: 'retry-after', seconds: 3 }, match: { route: 'logs' } })
      })
      expect(fault.status).toBe(200)
      const url = `${ready.url}/api/v1/organization/acme/logs`
      const limited = await httpRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
      expect(limited.status).toBe(429)
      expect(limited.headers['retry-after']).toBe('3')
      const ok = await httpRequest({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
      expect(ok.status).toBe(200)
      expect(await httpRequest({ method: 'POST', url: `${ready.url}/_sim/invalidate-page-tokens` })).toMatchObject({ status: 200 })
    } finally {
      child.kill('SIGTERM')
    }
    expect((await lines.exited).code).toBe(0)
  })
})
