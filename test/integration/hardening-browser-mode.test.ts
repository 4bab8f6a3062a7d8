import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contract } from '../../src/shared/contract'
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browser-server'
import { startContractRig, type ContractRig } from './fixtures/contract-rig'
import { httpRequest, type HttpAnswer } from './browser-api'

/**
 * Browser mode's guard against the requests serve.test.ts does not send (issue 6 §7): no Host at
 * all, look-alike Hosts, credentials in the wrong place, the one-time export links and the upload
 * route, spoken to with raw HTTP. Every answer, refusals included, carries no CORS header, keeps
 * the page unframeable and never repeats the access token.
 */

let rig: ContractRig
let server: BrowserServer
let rendererDir: string

type Answer = HttpAnswer

function request(options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return httpRequest(server.port, options)
}

/** A request written byte for byte on a socket: for what Node's client will not send (no Host, HTTP/1.0). */
function rawRequest(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port })
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
    socket.write(text)
  })
}

const authorized = (): Record<string, string> => ({ authorization: `Bearer ${server.token}`, 'content-type': 'application/json' })

function callList(headers: Record<string, string>): Promise<Answer> {
  return request({ method: 'POST', path: `/api/${contract.listAccounts.channel}`, headers, body: '{}' })
}

/** What every answer must show, whatever it says. */
function expectGuardedHeaders(answer: Answer, what: string): void {
  for (const name of Object.keys(answer.headers)) expect(name.startsWith('access-control-'), `${what}: ${name}`).toBe(false)
  expect(answer.headers['x-frame-options'], what).toBe('DENY')
  expect(answer.headers['x-content-type-options'], what).toBe('nosniff')
  expect(answer.body, what).not.toContain(server.token)
  expect(JSON.stringify(answer.headers), what).not.toContain(server.token)
}

beforeAll(async () => {
  rig = await startContractRig({ events: 40, runtime: { transport: 'browser' } })
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-renderer-'))
  mkdirSync(path.join(rendererDir, 'assets'))
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Registry Audit Viewer</title>')
  server = await startBrowserServer({ runtime: rig.runtime, rendererDir })
})

afterAll(async () => {
  await server?.close()
  await rig?.close()
  if (rendererDir !== undefined) rmSync(rendererDir, { recursive: true, force: true })
})

describe('the Host check', () => {
  it('refuses a request without any Host header (HTTP/1.0)', async () => {
    const page = await rawRequest('GET / HTTP/1.0\r\n\r\n')
    expect(page).toMatch(/^HTTP\/1\.[01] 421 /)
    const api = await rawRequest(`POST /api/accounts:list HTTP/1.0\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`)
    expect(api).toMatch(/^HTTP\/1\.[01] 421 /)
    expect(api).not.toContain('"ok":true')
  })

  it('refuses look-alikes of the loopback address and names', async () => {
    const port = server.port
    for (const host of [
      `127.0.0.1.:${port}`,
      `[::1]:${port}`,
      '127.0.0.1',
      `127.1:${port}`,
      `0x7f000001:${port}`,
      `2130706433:${port}`,
      `localhost.:${port}`,
      `127.0.0.1:${port}.evil.example`,
      `127.0.0.1:0${port}`,
      `127.0.0.1:${port}@evil.example`
    ]) {
      const answer = await callList({ ...authorized(), host })
      expect(answer.status, host).toBe(421)
      expect(answer.body, host).not.toContain('"ok"')
      expectGuardedHeaders(answer, host)
    }
    // Case does not matter in a host name.
    expect((await callList({ ...authorized(), host: `LOCALHOST:${port}` })).status).toBe(200)
  })
})

describe('the access token', () => {
  it('is only taken as a Bearer header: not as Basic, a cookie, or in the body', async () => {
    const attempts: Array<[string, Record<string, string>]> = [
      ['Basic', { authorization: `Basic ${server.token}`, 'content-type': 'application/json' }],
      ['Basic user:token', { authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}`, 'content-type': 'application/json' }],
      ['cookie', { cookie: `token=${server.token}`, 'content-type': 'application/json' }],
      ['two tokens', { authorization: `Bearer ${server.token} ${server.token}`, 'content-type': 'application/json' }],
      ['empty bearer', { authorization: 'Bearer ', 'content-type': 'application/json' }]
    ]
    for (const [what, headers] of attempts) {
      const answer = await callList(headers)
      expect(answer.status, what).toBe(401)
      expect(answer.headers['www-authenticate'], what).toBe('Bearer')
      expectGuardedHeaders(answer, what)
    }
    const inBody = await request({ method: 'POST', path: '/api/accounts:list', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: server.token }) })
    expect(inBody.status).toBe(401)
  })

  it('guards the upload route like every other call', async () => {
    const anonymous = await request({ method: 'POST', path: '/api/upload', headers: { 'content-type': 'application/octet-stream' }, body: '[]' })
    expect(anonymous.status).toBe(401)
    const foreign = await request({
      method: 'POST',
      path: '/api/upload',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream', origin: 'https://evil.example' },
      body: '[]'
    })
    expect(foreign.status).toBe(403)
    expectGuardedHeaders(foreign, 'upload from another origin')
  })
})

describe('export links', () => {
  async function ticketUrl(): Promise<string> {
    const answer = await request({
      method: 'POST',
      path: `/api/${contract.runExport.channel}`,
      headers: authorized(),
      body: JSON.stringify({ query: {}, timeZone: 'UTC' })
    })
    const result = JSON.parse(answer.body) as { ok: true; value: { kind: string; url: string } }
    expect(result.value.kind).toBe('download')
    // The link is a ticket, never the access token.
    expect(result.value.url).not.toContain(server.token)
    return result.value.url
  }

  it('work once, from our own origin and host only, and a guessed one leads nowhere', async () => {
    const foreignOrigin = await request({ path: await ticketUrl(), headers: { origin: 'https://evil.example' } })
    expect(foreignOrigin.status).toBe(403)
    expectGuardedHeaders(foreignOrigin, 'export from another origin')
    const foreignHost = await request({ path: await ticketUrl(), headers: { host: `evil.example:${server.port}` } })
    expect(foreignHost.status).toBe(421)

    const url = await ticketUrl()
    const first = await request({ path: url })
    expect(first.status).toBe(200)
    expect(first.headers['content-disposition']).toMatch(/^attachment; filename="/)
    expect(first.body.split('\r\n')[0]).toMatch(/^id,occurred_at/)
    expectGuardedHeaders(first, 'export download')
    const again = await request({ path: url })
    expect(again.status).toBe(404)
    for (const guess of ['/api/export/', '/api/export/x', `/api/export/${server.token}`, `/api/export/${'A'.repeat(43)}`, '/api/export/..%2f..%2fetc%2fpasswd']) {
      const answer = await request({ path: guess })
      expect(answer.status, guess).toBe(404)
      expectGuardedHeaders(answer, guess)
    }
  })
})

describe('every refusal', () => {
  it('keeps the guard headers and says nothing about the token', async () => {
    const answers: Array<[string, Answer]> = [
      ['401', await callList({ 'content-type': 'application/json' })],
      ['403', await callList({ ...authorized(), origin: 'null' })],
      ['404 page', await request({ path: '/nope.html' })],
      ['404 method', await request({ method: 'POST', path: '/api/accounts:nope', headers: authorized(), body: '{}' })],
      ['405', await request({ method: 'DELETE', path: '/' })],
      ['415', await request({ method: 'POST', path: '/api/accounts:list', headers: { ...authorized(), 'content-type': 'text/plain' }, body: '{}' })],
      ['421', await request({ path: '/', headers: { host: 'evil.example' } })]
    ]
    for (const [what, answer] of answers) {
      expect(answer.status, what).toBe(Number(what.slice(0, 3)))
      expectGuardedHeaders(answer, what)
    }
  })
})
