import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryArchive, expectAppError, walkInto } from './connector-behaviour'
import { startDockerHubRig, type DockerHubRig, type RigOptions } from './dockerhub-rig'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'

/**
 * Network and server faults through the Docker Hub connector and its simulator: each ends either
 * in success after the documented waits, or in one typed error whose message names the account and
 * the host and never a credential; no page is yielded from a failed answer.
 */

let rig: DockerHubRig | undefined
const others: DockerHubSim[] = []
async function start(options: RigOptions = {}): Promise<DockerHubRig> {
  rig = await startDockerHubRig({
    ...options,
    sim: { events: 90, seed: 6, ...options.sim },
    deps: { timeoutMs: 1_000, idleTimeoutMs: 300, ...options.deps }
  })
  return rig
}
afterEach(async () => {
  await rig?.close()
  rig = undefined
  await Promise.all(others.splice(0).map((sim) => sim.close()))
})

async function walk(r: DockerHubRig, archive = new MemoryArchive()): Promise<MemoryArchive> {
  await walkInto(r.connector, 'auditlog', archive, r.ctx())
  return archive
}

describe('dockerhub connector under network faults', () => {
  it('a body that stalls after the headers times out, is retried, and the run goes on', async () => {
    const r = await start()
    r.sim.inject({ kind: 'stall-after-headers' }, { page: 2 })
    const archive = await walk(r)
    expect(archive.events.size).toBe(90)
    expect(r.sleeps).toEqual([375])
  })

  it('a server that always stalls gives up with TIMEOUT after the attempts', async () => {
    const r = await start()
    r.sim.inject({ kind: 'stall-after-headers' }, { times: Number.POSITIVE_INFINITY })
    const error = await expectAppError(walk(r), 'TIMEOUT', r.secrets())
    expect(error.message).toBe(
      `acme-hub: 127.0.0.1:${r.sim.port} stopped sending the response for 300 ms (gave up after 5 attempts over 5.6 s)`
    )
    expect(r.sleeps).toEqual([375, 750, 1500, 3000])
  })

  it('headers that never come time out (slow answer past timeoutMs)', async () => {
    const r = await start({ deps: { timeoutMs: 250 } })
    r.sim.inject({ kind: 'slow', delayMs: 3_000 }, { times: Number.POSITIVE_INFINITY })
    const error = await expectAppError(walk(r), 'TIMEOUT', r.secrets())
    expect(error.message).toMatch(/did not answer within 250 ms \(gave up after 5 attempts/)
  })

  it('a slow answer inside the time limit is simply waited for', async () => {
    const r = await start()
    r.sim.inject({ kind: 'slow', delayMs: 200 }, { page: 1 })
    expect((await walk(r)).events.size).toBe(90)
    expect(r.sleeps).toEqual([])
  })

  it('a connection reset mid-body is retried; a server that always resets gives up with NETWORK', async () => {
    const r = await start()
    r.sim.inject({ kind: 'reset-mid-body' }, { page: 1 })
    expect((await walk(r)).events.size).toBe(90)
    expect(r.sleeps).toHaveLength(1)

    r.sim.inject({ kind: 'reset-mid-body' }, { times: Number.POSITIVE_INFINITY })
    const error = await expectAppError(walk(r), 'NETWORK', r.secrets())
    expect(error.message).toMatch(new RegExp(`^acme-hub: the connection to 127\\.0\\.0\\.1:${r.sim.port} was reset`))
    expect(error.message).toMatch(/gave up after 5 attempts/)
  })

  it('a server that hangs up without answering is a NETWORK error after the attempts', async () => {
    const r = await start()
    r.sim.inject({ kind: 'hang-up' }, { times: Number.POSITIVE_INFINITY })
    await expectAppError(walk(r), 'NETWORK', r.secrets())
  })

  it('connection refused is NETWORK and names the host', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const r = await start({ url: `http://127.0.0.1:${port}` })
    const error = await expectAppError(walk(r), 'NETWORK', r.secrets())
    expect(error.message).toBe(
      `acme-hub: cannot connect to 127.0.0.1:${port}: connection refused (gave up after 5 attempts over 5.6 s)`
    )
  })

  it('an HTML page where JSON belongs is BAD_RESPONSE naming what came', async () => {
    const r = await start()
    r.sim.inject({ kind: 'html', status: 200 }, { page: 2 })
    const archive = new MemoryArchive()
    const error = await expectAppError(walk(r, archive), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toBe(`acme-hub: bad response from 127.0.0.1:${r.sim.port}: expected JSON, got text/html (HTTP 200)`)
    expect(archive.pages).toBe(1)
  })

  it('HTML 502 pages are retried as server errors, then given up on clearly', async () => {
    const r = await start()
    r.sim.inject({ kind: 'server-error', status: 502, body: 'html' }, { times: Number.POSITIVE_INFINITY })
    const error = await expectAppError(walk(r), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toBe(
      `acme-hub: 127.0.0.1:${r.sim.port} kept failing with HTTP 502; gave up after 5 attempts over 5.6 s`
    )
  })

  it('a rpcStatus 500 quotes the server message in the give-up', async () => {
    const r = await start()
    r.sim.inject({ kind: 'server-error', status: 500, body: 'rpc' }, { times: Number.POSITIVE_INFINITY })
    const error = await expectAppError(walk(r), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toContain('HTTP 500 ("internal error")')
  })

  it('a 503 with Retry-After waits that long (capped by the backoff cap)', async () => {
    const r = await start()
    r.sim.inject({ kind: 'server-error', status: 503, retryAfterSeconds: 4 })
    await walk(r)
    expect(r.sleeps).toEqual([4000])
  })

  it('a response over the size limit is refused, declared or streamed', async () => {
    const r = await start({ deps: { maxBodyBytes: 256 * 1024 } })
    r.sim.inject({ kind: 'huge-body', bytes: 10 * 1024 * 1024, declare: true })
    const declared = await expectAppError(walk(r), 'BAD_RESPONSE', r.secrets())
    expect(declared.message).toMatch(/response too large/)
    r.sim.inject({ kind: 'huge-body', bytes: 10 * 1024 * 1024 })
    const streamed = await expectAppError(walk(r), 'BAD_RESPONSE', r.secrets())
    expect(streamed.message).toMatch(/response too large/)
  })

  it('a 429 asking for more than 15 minutes gives up at once with the time to come back', async () => {
    const r = await start()
    r.sim.inject({ kind: 'rate-limit', header: 'retry-after', seconds: 3600 })
    const error = await expectAppError(walk(r), 'RATE_LIMITED', r.secrets())
    expect(error.message).toMatch(/it asks to wait 60 min, longer than the 15 min limit; try again after 2025-06-01T13:00:0\dZ$/)
    expect(r.sleeps).toEqual([])
  })

  it('a 429 storm gives up with RATE_LIMITED after ten waits', async () => {
    const r = await start()
    r.sim.inject({ kind: 'rate-limit', header: 'x-retry-after', seconds: 2 }, { times: Number.POSITIVE_INFINITY })
    const error = await expectAppError(walk(r), 'RATE_LIMITED', r.secrets())
    expect(error.message).toMatch(/still rate limited by 127\.0\.0\.1:\d+ after 10 waits/)
    expect(r.sleeps).toHaveLength(10)
  })

  it('a 429 without any hint backs off on its own', async () => {
    const r = await start()
    r.sim.inject({ kind: 'rate-limit', header: 'none', seconds: 0 })
    await walk(r)
    // X-RateLimit-Reset (60 s ahead on every Hub answer) is the fallback hint.
    expect(r.sleeps).toEqual([60_000])
  })

  it('rate limits and server errors on the token endpoint are handled the same way', async () => {
    const r = await start()
    r.sim.inject({ kind: 'rate-limit', header: 'retry-after', seconds: 3 }, { route: 'auth' })
    r.sim.inject({ kind: 'server-error', status: 500 }, { route: 'auth' })
    expect((await walk(r)).events.size).toBe(90)
    expect(r.sleeps[0]).toBe(3000)
    expect(r.sleeps).toHaveLength(2)
  })

  it('a redirect to another host is not followed and the other host never sees the token', async () => {
    const r = await start()
    const other = await startDockerHubSim({ events: 1 })
    others.push(other)
    r.sim.inject({ kind: 'redirect', location: `${other.url}/v2/auditlogs/acme?page=1` }, { page: 1 })
    const error = await expectAppError(walk(r), 'BAD_RESPONSE', r.secrets())
    expect(error.message).toContain(`redirected to another host (http://127.0.0.1:${other.port})`)
    expect(other.requests).toEqual([])
  })

  it('a same-origin redirect is followed with the bearer', async () => {
    const r = await start()
    r.sim.inject({ kind: 'redirect', location: '/v2/auditlogs/acme/?page=1&page_size=40&to=2025-06-01T11:59:59Z', status: 307 }, { page: 1 })
    expect((await walk(r)).events.size).toBe(90)
    const redirected = r.sim.requests.find((request) => request.path === '/v2/auditlogs/acme/')
    expect(redirected?.authorization).toMatch(/^Bearer /)
  })

  it('an abort cancels a walk waiting on a slow answer', async () => {
    const r = await start({ deps: { timeoutMs: 10_000 } })
    r.sim.inject({ kind: 'slow', delayMs: 5_000 }, { page: 2 })
    const ctx = r.ctx()
    const started = Date.now()
    const walking = walkInto(r.connector, 'auditlog', new MemoryArchive(), ctx)
    setTimeout(() => ctx.controller.abort(), 200)
    const error = await expectAppError(walking, 'CANCELLED', r.secrets())
    expect(error.message).toBe('acme-hub: cancelled')
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('no error message in this file carried a credential (bearer values checked too)', async () => {
    // Each test above passed r.secrets(), which includes every bearer the simulator saw, to
    // expectAppError; this one checks the secret really reaches the wire so that check means something.
    const r = await start()
    await walk(r)
    const auth = r.sim.requests.find((request) => request.route === 'auth')
    expect(auth?.identifier).toBe('ci-bot')
    expect(r.secrets().length).toBeGreaterThan(1)
  })
})
