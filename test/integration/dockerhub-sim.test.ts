import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { httpRequest } from '../../src/main/core/net/http-client'
import { generateDockerHubEvents } from '../sim/dockerhub-events'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'

/** The simulator itself follows the wire contract (sources/1-dockerhub.md), quirks included. */

let sim: DockerHubSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

async function get(path: string, token?: string): Promise<{ status: number; headers: Record<string, string>; json: unknown }> {
  const response = await httpRequest({
    method: 'GET',
    url: `${sim!.url}${path}`,
    headers: token ? { authorization: `Bearer ${token}` } : {}
  })
  return { status: response.status, headers: response.headers, json: JSON.parse(response.body.toString()) }
}

async function signIn(secret = sim!.secret): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await httpRequest({
    method: 'POST',
    url: `${sim!.url}/v2/auth/token`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: sim!.identifier, secret })
  })
  return { status: response.status, json: JSON.parse(response.body.toString()) as Record<string, unknown> }
}

describe('docker hub simulator', () => {
  it('generates the same events for the same seed, newest first, with same-second identical copies', () => {
    const a = generateDockerHubEvents(2000, 9, { org: 'acme' })
    expect(generateDockerHubEvents(2000, 9, { org: 'acme' })).toEqual(a)
    expect(generateDockerHubEvents(2000, 10, { org: 'acme' })).not.toEqual(a)
    const times = a.map((event) => Date.parse(event.timestamp))
    expect(times.every((t, i) => i === 0 || t <= times[i - 1]!)).toBe(true)
    expect(a.some((event, i) => i > 0 && JSON.stringify(event) === JSON.stringify(a[i - 1]))).toBe(true)
    expect(a.every((event) => event.action_description.endsWith('\n') && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(event.timestamp))).toBe(true)
  })

  it('exchanges identifier and secret for a JWT-shaped bearer; wrong ones get 401 with the error schema', async () => {
    sim = await startDockerHubSim({ events: 5 })
    const ok = await signIn()
    expect(ok.status).toBe(200)
    expect(String(ok.json['access_token'])).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
    const payload = JSON.parse(Buffer.from(String(ok.json['access_token']).split('.')[1]!, 'base64url').toString())
    expect(payload.exp - payload.iat).toBe(600)
    const bad = await signIn('nope')
    expect(bad).toEqual({ status: 401, json: { errinfo: {}, detail: 'Incorrect authentication credentials', message: 'incorrect authentication credentials' } })
  })

  it('pages newest first with page_size defaulting to 25, no id, no total, and X-RateLimit headers', async () => {
    sim = await startDockerHubSim({ events: 60, seed: 2 })
    const token = String((await signIn()).json['access_token'])
    expect((await get('/v2/auditlogs/acme')).status).toBe(401)
    const first = await get('/v2/auditlogs/acme', token)
    expect(Object.keys(first.json as object)).toEqual(['logs'])
    const logs = (first.json as { logs: Array<Record<string, unknown>> }).logs
    expect(logs).toEqual(sim.events.slice(0, 25))
    expect(Object.keys(logs[0]!).sort()).toEqual(['account', 'action', 'action_description', 'actor', 'data', 'name', 'timestamp'])
    expect(first.headers['x-ratelimit-limit']).toBe('180')
    expect(Number(first.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000)
    const third = await get('/v2/auditlogs/acme?page=3', token)
    expect((third.json as { logs: unknown[] }).logs).toHaveLength(10)
    expect(((await get('/v2/auditlogs/acme?page=4', token)).json as { logs: unknown[] }).logs).toEqual([])
    expect((await get('/v2/auditlogs/other', token)).status).toBe(404)
    expect((await get('/v2/auditlogs/acme?from=yesterday', token)).status).toBe(400)
  })

  it('filters by from/to (inclusive), actor, action and name', async () => {
    sim = await startDockerHubSim({ events: 300, seed: 4 })
    const token = String((await signIn()).json['access_token'])
    const events = sim.events
    const from = events[200]!.timestamp
    const to = events[20]!.timestamp
    const window = ((await get(`/v2/auditlogs/acme?page_size=1000&from=${from}&to=${to}`, token)).json as { logs: Array<{ timestamp: string }> }).logs
    expect(window).toHaveLength(100) // page_size is capped at 100
    const all = events.filter((e) => e.timestamp >= from && e.timestamp <= to)
    expect(window).toEqual(all.slice(0, 100))
    const pushes = ((await get('/v2/auditlogs/acme?page_size=100&action=repo.tag.push&actor=alice', token)).json as { logs: Array<{ action: string; actor: string }> }).logs
    expect(pushes.length).toBeGreaterThan(0)
    expect(pushes.every((e) => e.action === 'repo.tag.push' && e.actor === 'alice')).toBe(true)
    const name = events[0]!.name
    const named = ((await get(`/v2/auditlogs/acme?page_size=100&name=${encodeURIComponent(name)}`, token)).json as { logs: Array<{ name: string }> }).logs
    expect(named.every((e) => e.name === name)).toBe(true)
  })

  it('lists the action groups', async () => {
    sim = await startDockerHubSim({})
    const token = String((await signIn()).json['access_token'])
    const { json } = await get('/v2/auditlogs/acme/actions', token)
    const actions = (json as { actions: Record<string, { actions: Array<{ name: string }> }> }).actions
    expect(actions['repo']?.actions.map((a) => a.name)).toContain('tag.push')
  })

  it('runs standalone, printing its URL when ready, with /_sim control, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/sim/dockerhub.ts', '--events', '40', '--seed', '3', '--port', '0'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit']
    })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve)
        child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)))
      })
      const ready = JSON.parse(line) as { url: string; events: number }
      expect(ready.events).toBe(40)
      await httpRequest({ method: 'POST', url: `${ready.url}/_sim/events`, body: JSON.stringify({ count: 2 }) })
      const listed = await httpRequest({ method: 'GET', url: `${ready.url}/_sim/events` })
      const events = (JSON.parse(listed.body.toString()) as { events: unknown[] }).events
      expect(events).toHaveLength(42)
      expect(events.slice(2)).toEqual(generateDockerHubEvents(40, 3, { org: 'acme' }))
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })
})
