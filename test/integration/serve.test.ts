import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contract, type ContractResult, type MethodName } from '../../src/shared/contract'
import type { Result } from '../../src/shared/errors'
import type { SyncProgress } from '../../src/shared/sync'
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browser-server'
import { RENDERER_CSP } from '../../src/main/server/static-renderer'
import { startContractRig, type ContractRig } from './fixtures/contract-rig'
import { httpRequest, type HttpAnswer } from './browser-api'

/**
 * Browser mode's server, in-process over the real core (temp archive, keychain, Docker Hub
 * simulator) and a stand-in renderer folder, spoken to with raw HTTP requests so that every
 * header is what a browser (or an attacker's page) would send.
 */

let rig: ContractRig
let server: BrowserServer
let rendererDir: string

type Answer = HttpAnswer

function request(options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return httpRequest(server.port, options)
}

function post(channel: string, input: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return request({
    method: 'POST',
    path: `/api/${channel}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers },
    body: JSON.stringify(input ?? {})
  })
}

async function value<M extends MethodName>(method: M, input?: unknown): Promise<ContractResult<M>> {
  const answer = await post(contract[method].channel, input)
  const result = JSON.parse(answer.body) as Result<ContractResult<M>>
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`)
  return result.value
}

function expectNoCors(headers: http.IncomingHttpHeaders): void {
  for (const name of Object.keys(headers)) expect(name.toLowerCase().startsWith('access-control-'), name).toBe(false)
}

/** Opens the event stream and collects its events until `stop()`. */
function openEventStream(query: string): Promise<{ status: number; events: Array<{ event: string; data: unknown }>; stop(): void }> {
  return new Promise((resolve, reject) => {
    const events: Array<{ event: string; data: unknown }> = []
    const req = http.get(
      { host: '127.0.0.1', port: server.port, path: `/api/events${query}`, headers: { host: `127.0.0.1:${server.port}` } },
      (res) => {
        let buffer = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          buffer += chunk
          let end: number
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const event = /^event: (.*)$/m.exec(block)?.[1]
            const data = /^data: (.*)$/m.exec(block)?.[1]
            if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) })
          }
        })
        res.on('error', () => {})
        resolve({ status: res.statusCode ?? 0, events, stop: () => req.destroy() })
      }
    )
    req.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error)
    })
  })
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

beforeAll(async () => {
  rig = await startContractRig({ events: 300, runtime: { transport: 'browser' } })
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-renderer-'))
  mkdirSync(path.join(rendererDir, 'assets'))
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Registry Audit Viewer</title><script src="/assets/app.js"></script>')
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app")')
  server = await startBrowserServer({ runtime: rig.runtime, rendererDir })
})

afterAll(async () => {
  await server?.close()
  await rig?.close()
  if (rendererDir !== undefined) rmSync(rendererDir, { recursive: true, force: true })
})

describe('listening', () => {
  it('listens on 127.0.0.1 only, and prints a URL with a 32-byte token in the hash', async () => {
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`)
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32)
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((entry) => entry !== undefined && !entry.internal)
      .map((entry) => entry!.address)
    for (const address of [...others, '::1']) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host: address, port: server.port })
        socket.once('connect', () => {
          socket.destroy()
          resolve(false)
        })
        socket.once('error', () => resolve(true))
      })
      expect(refused, address).toBe(true)
    }
  })
})

describe('the page', () => {
  it('serves the built renderer with its CSP header, without a token', async () => {
    const page = await request({ path: '/' })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-security-policy']).toBe(RENDERER_CSP)
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.body).toContain('Registry Audit Viewer')
    const script = await request({ path: '/assets/app.js' })
    expect(script).toMatchObject({ status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8' } })
    expectNoCors(page.headers)
  })

  it('never serves a file outside the renderer folder', async () => {
    for (const target of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/assets', '/%00']) {
      const answer = await request({ path: target })
      expect(answer.status, target).toBe(404)
      expect(answer.body).not.toContain('root:')
    }
  })
})

describe('the API guard', () => {
  it('answers 401 to a call without the token or with a wrong one', async () => {
    const missing = await post('accounts:list', {}, { authorization: '' })
    expect(missing.status).toBe(401)
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, error: { code: 'PERMISSION' } })
    const wrong = await post('accounts:list', {}, { authorization: `Bearer ${server.token.slice(0, -2)}xx` })
    expect(wrong.status).toBe(401)
    expect(wrong.body).not.toContain(server.token)
    const inQuery = await request({ method: 'POST', path: `/api/accounts:list?token=${server.token}`, headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(inQuery.status).toBe(401)
    const right = await post('accounts:list', {})
    expect(right.status).toBe(200)
    expect(JSON.parse(right.body)).toEqual({ ok: true, value: [] })
  })

  it('refuses a Host other than our loopback address and port (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, `localhost.evil.example:${server.port}`]) {
      const page = await request({ path: '/', headers: { host } })
      expect(page.status, host).toBe(421)
      const api = await post('accounts:list', {}, { host })
      expect(api.status, host).toBe(421)
    }
    expect((await request({ path: '/', headers: { host: `localhost:${server.port}` } })).status).toBe(200)
  })

  it('sends no CORS headers, to a preflight or to a call from another origin', async () => {
    const preflight = await request({
      method: 'OPTIONS',
      path: '/api/accounts:list',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' }
    })
    expect(preflight.status).toBeGreaterThanOrEqual(400)
    expectNoCors(preflight.headers)
    const foreign = await post('accounts:list', {}, { origin: 'https://evil.example' })
    expect(foreign.status).toBe(403)
    expectNoCors(foreign.headers)
    const ours = await post('accounts:list', {}, { origin: `http://127.0.0.1:${server.port}` })
    expect(ours.status).toBe(200)
    expectNoCors(ours.headers)
  })

  it('takes only JSON, of a sane size, for a method that exists, by POST', async () => {
    expect((await post('accounts:list', {}, { 'content-type': 'text/plain' })).status).toBe(415)
    const broken = await request({
      method: 'POST',
      path: '/api/accounts:list',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: '{"oops'
    })
    expect(broken.status).toBe(400)
    expect((await post('accounts:drop', {})).status).toBe(404)
    const get = await request({ path: '/api/accounts:list', headers: { authorization: `Bearer ${server.token}` } })
    expect(get.status).toBe(405)
    const huge = await post('events:query', { query: { text: ['x'.repeat(2 * 1024 * 1024)] } })
    expect(huge.status).toBe(413)
    const invalid = await post('events:get', { id: 'one' })
    expect(invalid.status).toBe(200)
    expect(JSON.parse(invalid.body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
  })
})

describe('pushed events', () => {
  it('refuses the event stream without the token', async () => {
    const stream = await openEventStream('')
    expect(stream.status).toBe(401)
    stream.stop()
    const wrong = await openEventStream('?token=nope')
    expect(wrong.status).toBe(401)
    wrong.stop()
  })

  it('streams sync:progress and events:changed while a sync runs against the simulator', async () => {
    const stream = await openEventStream(`?token=${encodeURIComponent(server.token)}`)
    try {
      expect(stream.status).toBe(200)
      await value('addAccount', rig.accountInput('hub'))
      expect(await value('startSync', { names: ['hub'] })).toEqual({ started: ['hub'], alreadyRunning: [] })
      await until(
        () => stream.events.some((e) => e.event === 'sync:progress' && (e.data as SyncProgress).type === 'done'),
        'the sync to finish'
      )
      const progress = stream.events.filter((e) => e.event === 'sync:progress').map((e) => e.data as SyncProgress)
      expect(progress[0]).toMatchObject({ type: 'start', account: 'hub' })
      expect(progress.filter((p) => p.type === 'page').length).toBeGreaterThanOrEqual(3)
      await until(() => stream.events.some((e) => e.event === 'events:changed'), 'events:changed')
      expect(JSON.stringify(stream.events)).not.toContain(rig.secret)
    } finally {
      stream.stop()
    }
  })
})

describe('export download', () => {
  it('hands out a one-time URL that streams exactly the filter as CSV', async () => {
    const query = { activity: { none: ['member'] } }
    const exported = await value('runExport', { query, sort: { key: 'repository', dir: 'asc' }, timeZone: 'UTC' })
    if (exported.kind !== 'download') throw new Error(`expected a download, got ${exported.kind}`)
    expect(exported.url).toMatch(/^\/api\/export\/[A-Za-z0-9_-]{43}$/)
    expect(exported.url).not.toContain(server.token)
    const download = await request({ path: exported.url })
    expect(download.status).toBe(200)
    expect(download.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(download.headers['content-disposition']).toBe(`attachment; filename="${exported.filename}"`)
    expectNoCors(download.headers)
    const lines = download.body.trimEnd().split('\r\n')
    const count = await value('countEvents', { query })
    expect(lines).toHaveLength(count.count + 1)
    expect(lines[0]).toContain('occurred_at (UTC)')
    // The rows are the API's rows, in the API's order.
    const page = await value('queryEvents', { query, sort: { key: 'repository', dir: 'asc' }, limit: 20 })
    expect(lines.slice(1, 21).map((line) => Number(line.split(',')[0]))).toEqual(page.rows.map((row) => row.id))

    expect((await request({ path: exported.url })).status).toBe(404)
    expect((await request({ path: '/api/export/not-a-ticket' })).status).toBe(404)
  })
})
