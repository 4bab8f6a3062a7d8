import http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarborSim, type HarborSim } from '../sim/harbor'
import { HARBOR_SIM_END } from '../sim/harbor-events'
import { jsonLines, spawnTsx } from './fixtures/tsx-process'

/**
 * The Harbor simulator itself, over real HTTP: that it keeps the contract's quirks (sources/5-harbor.md),
 * since the connector's tests are only as good as the simulator they run against.
 */

let sim: HarborSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const basic = (username: string, secret: string): string => `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  json: () => unknown
}

/** GET with the path sent byte for byte (no URL normalisation), as a client with its own encoding would. */
function get(base: string, rawPath: string, authorization?: string): Promise<Answer> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: rawPath, method: 'GET', headers: authorization ? { authorization } : {} },
      (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown }))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

async function start(options: Parameters<typeof startHarborSim>[0] = {}): Promise<{ s: HarborSim; admin: string; list: (query: string, as?: string) => Promise<Answer> }> {
  sim = await startHarborSim({ events: 30, legacyEvents: 5, seed: 3, ...options })
  const admin = sim.principal('admin')
  const auth = basic(admin.username, admin.secret)
  const s = sim
  return { s, admin: auth, list: (query, as = auth) => get(s.url, `/api/v2.0/auditlog-exts?${query}`, as) }
}

const idsOf = (answer: Answer): number[] => (answer.json() as Array<{ id: number }>).map((row) => row.id)

describe('Harbor simulator: lists', () => {
  it('pages 10 by default, newest op_time first, with X-Total-Count and a relative, unescaped Link', async () => {
    const { s, list } = await start()
    const first = await list('')
    expect(first.status).toBe(200)
    expect(first.headers['x-total-count']).toBe('30')
    const rows = first.json() as Array<{ op_time: string }>
    expect(rows).toHaveLength(10)
    const times = rows.map((row) => Date.parse(row.op_time))
    expect([...times].sort((a, b) => b - a)).toEqual(times)
    const second = await list('q=id%3D%5B3~%5D&sort=id&page=2&page_size=5')
    expect(second.headers['x-total-count']).toBe('28')
    expect(idsOf(second)).toEqual([8, 9, 10, 11, 12])
    expect(second.headers['link']).toBe(
      '</api/v2.0/auditlog-exts?page=1&page_size=5&q=id=[3~]&sort=id>; rel="prev" , </api/v2.0/auditlog-exts?page=3&page_size=5&q=id=[3~]&sort=id>; rel="next"'
    )
    expect(s.requests.at(-1)!.ignored).toEqual([])
  })

  it('records go-swagger style: alphabetical fields, operation_result always, legacy without description or result', async () => {
    const { s, admin } = await start()
    const ext = (await get(s.url, '/api/v2.0/auditlog-exts?sort=id&page_size=1', admin)).json() as Array<Record<string, unknown>>
    expect(Object.keys(ext[0]!)).toEqual(['id', 'op_time', 'operation', 'operation_description', 'operation_result', 'resource', 'resource_type', 'username'])
    expect(ext[0]!['op_time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const legacy = (await get(s.url, '/api/v2.0/audit-logs?sort=id&page_size=1', admin)).json() as Array<Record<string, unknown>>
    expect(Object.keys(legacy[0]!)).toEqual(['id', 'op_time', 'operation', 'resource', 'resource_type', 'username'])
  })

  it('ignores unknown q and sort keys silently', async () => {
    const { s, list } = await start()
    const ignored = await list('q=operation_description%3D~push&sort=when')
    expect(ignored.headers['x-total-count']).toBe('30')
    expect(s.requests.at(-1)!.ignored).toEqual(['operation_description', 'sort:when'])
    const honoured = await list('q=op_desc%3D~push&sort=-id&page_size=100')
    const pushes = s.rows('ext').filter((row) => row.description.includes('push'))
    expect(idsOf(honoured)).toEqual(pushes.map((row) => row.id).reverse())
  })

  it('decodes q twice: "+" sent once-encoded becomes a space; double encoding survives', async () => {
    const { s, list } = await start({ events: 0, legacyEvents: 0 })
    s.addRows([{ projectId: 1, operation: 'create', resourceType: 'artifact', resource: 'library/a+b:1', username: 'admin', description: 'push', result: true, opTime: HARBOR_SIM_END, sourceIp: null }])
    expect(idsOf(await list('q=resource%3D~a%2Bb'))).toEqual([])
    expect(idsOf(await list('q=resource%253D~a%252Bb'))).toEqual([1])
  })

  it('reads ranges, lists and times as Harbor does; a value PostgreSQL cannot cast is a 500', async () => {
    const { s, list } = await start()
    const rows = s.rows('ext')
    const middle = rows[14]!.opTime
    const iso = new Date(middle).toISOString().slice(0, 19)
    const after = rows.filter((row) => row.opTime >= Math.floor(middle / 1000) * 1000).length
    expect((await list(`q=op_time%3D%5B${iso}~%5D`)).headers['x-total-count']).toBe(String(after))
    // The swagger's "2020-04-09 02:36:00" form is a string PostgreSQL casts.
    expect((await list(`q=op_time%3D%5B${iso.replace('T', '%20')}~%5D`)).headers['x-total-count']).toBe(String(after))
    expect(idsOf(await list('q=id%3D%7B2%204%2099%7D&sort=id'))).toEqual([2, 4])
    expect((await list('q=id%3D(1%202)')).headers['x-total-count']).toBe('30')
    const bad = await list('q=id%3D%5Babc~%5D')
    expect(bad.status).toBe(500)
    expect(bad.json()).toEqual({ errors: [{ code: 'UNKNOWN', message: 'internal server error' }] })
  })

  it('answers malformed q with 400 and a too large page_size with 422', async () => {
    const { list } = await start()
    const malformed = await list('q=id')
    expect(malformed.status).toBe(400)
    expect(malformed.json()).toEqual({ errors: [{ code: 'BAD_REQUEST', message: 'the query string must contain "=" and the key/value cannot be empty' }] })
    expect((await list('q=id%3D%5B1~2~3%5D')).status).toBe(400)
    const big = await list('page_size=101')
    expect(big.status).toBe(422)
    expect((big.json() as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('UNPROCESSABLE_ENTITY')
    // page_size=0 is no limit at all, and no Link.
    const all = await list('page_size=0')
    expect(idsOf(all)).toHaveLength(30)
    expect(all.headers['link']).toBeUndefined()
  })
})

describe('Harbor simulator: who asks', () => {
  it('treats wrong credentials as anonymous: systeminfo without version, 401 where sign-in is needed', async () => {
    const { s, admin } = await start()
    const wrong = basic('admin', 'wrong')
    const anonymous = (await get(s.url, '/api/v2.0/systeminfo', wrong)).json() as Record<string, unknown>
    expect(anonymous).toHaveProperty('auth_mode')
    expect(anonymous).not.toHaveProperty('harbor_version')
    expect((await get(s.url, '/api/v2.0/systeminfo', admin)).json()).toMatchObject({ harbor_version: 'v2.13.1-1d5b9e5c' })
    expect((await get(s.url, '/api/v2.0/users/current', wrong)).status).toBe(401)
    expect((await get(s.url, '/api/v2.0/auditlog-exts', wrong)).json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'Unauthorized' }] })
  })

  it('users/current: the user with sysadmin_flag, 412 for a robot', async () => {
    const { s, admin } = await start()
    expect((await get(s.url, '/api/v2.0/users/current', admin)).json()).toMatchObject({ username: 'admin', sysadmin_flag: true })
    const robot = s.principal('robot')
    const answer = await get(s.url, '/api/v2.0/users/current', basic(robot.username, robot.secret))
    expect(answer.status).toBe(412)
    expect(answer.json()).toEqual({ errors: [{ code: 'PRECONDITION', message: 'get current user not available for security context: robot' }] })
    expect(s.signIns).toBe(2)
  })

  it('filters without an error: a non-admin sees its projects, a project robot nothing; the event types endpoint tells', async () => {
    const { s, list } = await start()
    const dev = s.principal('user')
    const robot = s.principal('project-robot')
    const devRows = await list('page_size=100', basic(dev.username, dev.secret))
    expect(devRows.status).toBe(200)
    expect(idsOf(devRows).sort((a, b) => a - b)).toEqual(s.rows('ext').filter((row) => row.projectId === 2).map((row) => row.id))
    const robotRows = await list('page_size=100', basic(robot.username, robot.secret))
    expect(robotRows.status).toBe(200)
    expect(robotRows.text).toBe('[]')
    expect(robotRows.headers['x-total-count']).toBe('0')
    expect((await get(s.url, '/api/v2.0/auditlog-exts/events', basic(robot.username, robot.secret))).status).toBe(403)
    const auditor = s.principal('robot')
    expect(((await get(s.url, '/api/v2.0/auditlog-exts/events', basic(auditor.username, auditor.secret))).json() as unknown[]).length).toBe(18)
  })

  it('project logs need log:list on that project', async () => {
    const { s, admin } = await start()
    const dev = s.principal('user')
    expect((await get(s.url, '/api/v2.0/projects/payments/auditlog-exts', basic(dev.username, dev.secret))).status).toBe(200)
    expect((await get(s.url, '/api/v2.0/projects/library/auditlog-exts', basic(dev.username, dev.secret))).status).toBe(403)
    expect((await get(s.url, '/api/v2.0/projects/nope/logs', admin)).status).toBe(404)
  })
})

describe('Harbor simulator: versions and writes', () => {
  it('2.12 has no /auditlog-exts; an upgrade adds it and leaves /audit-logs with the old rows', async () => {
    const { s, admin } = await start({ version: 'v2.12.2-73072d0d', events: 8, legacyEvents: 0 })
    expect((await get(s.url, '/api/v2.0/auditlog-exts', admin)).json()).toEqual({ errors: [{ code: 'NOT_FOUND', message: 'path /api/v2.0/auditlog-exts was not found' }] })
    expect((await get(s.url, '/api/v2.0/audit-logs', admin)).headers['x-total-count']).toBe('8')
    s.upgrade('v2.13.0-c50c7ddd')
    s.addRows(3)
    expect((await get(s.url, '/api/v2.0/audit-logs', admin)).headers['x-total-count']).toBe('8')
    expect((await get(s.url, '/api/v2.0/auditlog-exts', admin)).headers['x-total-count']).toBe('3')
  })

  it('held rows take their ids at once but appear only when released', async () => {
    const { s, list } = await start({ events: 5, legacyEvents: 0 })
    const added = s.addRows(3, { hold: 1 })
    expect(idsOf(await list('sort=id'))).toEqual([1, 2, 3, 4, 5, 7, 8])
    s.release()
    expect(idsOf(await list('sort=id'))).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(added.map((row) => row.id)).toEqual([6, 7, 8])
  })

  it('runs standalone and takes rows and faults over HTTP', async () => {
    const child = spawnTsx('test/sim/harbor.ts', ['--events', '12', '--legacy-events', '4', '--seed', '2', '--port', '0'])
    const lines = jsonLines(child)
    try {
      const ready = (await lines.waitFor((line) => typeof (line as { url?: unknown }).url === 'string')) as {
        url: string
        users: Array<{ username: string; secret: string; kind: string }>
        events: number
        legacyEvents: number
      }
      expect(ready).toMatchObject({ events: 12, legacyEvents: 4 })
      const admin = ready.users.find((user) => user.kind === 'admin')!
      const auth = basic(admin.username, admin.secret)
      const post = (path: string, body: unknown) =>
        new Promise<number>((resolve, reject) => {
          const url = new URL(path, ready.url)
          const text = JSON.stringify(body)
          const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          })
          req.on('error', reject)
          req.end(text)
        })
      expect(await post('/_sim/rows', { count: 2 })).toBe(200)
      expect(await post('/_sim/faults', { fault: { kind: 'rate-limit', header: 'retry-after', seconds: 3 }, match: { route: 'auditlog-exts' } })).toBe(200)
      const limited = await get(ready.url, '/api/v2.0/auditlog-exts', auth)
      expect(limited.status).toBe(429)
      expect(limited.headers['retry-after']).toBe('3')
      expect((await get(ready.url, '/api/v2.0/auditlog-exts', auth)).headers['x-total-count']).toBe('14')
    } finally {
      child.kill('SIGTERM')
    }
    expect((await lines.exited).code).toBe(0)
  })
})
