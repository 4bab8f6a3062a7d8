import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../src/main/core/errors'
import { httpRequest } from '../../src/main/core/net/http-client'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { MemoryArchive, expectAppError, walkInto } from './connector-behaviour'
import { startDockerHubRig, type DockerHubRig } from './dockerhub-rig'
import { makeTestCertificates, type TestCertificates } from './tls-certificates'

/**
 * The HTTP client against real TLS servers (certificates made with openssl): verification is never
 * relaxed, each certificate failure is TLS with a message naming the fix, and a CA given per request
 * (the account's CA file) is trusted besides the system roots. Plus redirects on plain HTTP.
 */

let certs: TestCertificates
let folder: string
beforeAll(() => {
  certs = makeTestCertificates()
  folder = mkdtempSync(join(tmpdir(), 'rav-http-'))
})
afterAll(() => rmSync(folder, { recursive: true, force: true }))

const sims: DockerHubSim[] = []
let rig: DockerHubRig | undefined
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
  await rig?.close()
  rig = undefined
})

async function tlsSim(pair: { key: string; cert: string }, urlHost = 'localhost'): Promise<DockerHubSim> {
  const sim = await startDockerHubSim({ events: 5, tls: pair, urlHost })
  sims.push(sim)
  return sim
}

async function tlsError(url: string, ca?: string): Promise<AppError> {
  return expectAppError(httpRequest({ method: 'GET', url: `${url}/v2/auditlogs/acme`, ca, account: 'hub' }), 'TLS', [])
}

describe('http client TLS', () => {
  it('an unknown CA is TLS and says to set the account CA file; with that CA it works', async () => {
    const sim = await tlsSim(certs.leaf)
    const error = await tlsError(sim.url)
    expect(error.message).toBe(
      `hub: the TLS certificate of localhost:${sim.port} is not signed by a trusted certificate authority ` +
        "(UNABLE_TO_VERIFY_LEAF_SIGNATURE); set the account's CA file to the certificate of the CA that signed it"
    )
    const ok = await httpRequest({ method: 'GET', url: `${sim.url}/v2/auditlogs/acme`, ca: certs.caCert })
    expect(ok.status).toBe(401)
  })

  it('a self-signed certificate is TLS with the CA-file fix', async () => {
    const sim = await tlsSim(certs.selfSigned)
    const error = await tlsError(sim.url)
    expect(error.message).toMatch(/\(DEPTH_ZERO_SELF_SIGNED_CERT\); set the account's CA file/)
  })

  it('a certificate for another host name is TLS naming the host', async () => {
    const sim = await tlsSim(certs.otherHost)
    const error = await tlsError(sim.url, certs.caCert)
    expect(error.message).toMatch(/is not valid for the host name localhost \(ERR_TLS_CERT_ALTNAME_INVALID\)/)
  })

  it('an expired certificate is TLS and says to renew it', async () => {
    const sim = await tlsSim(certs.expired)
    const error = await tlsError(sim.url, certs.caCert)
    expect(error.message).toMatch(/has expired or is not yet valid \(CERT_HAS_EXPIRED\); renew/)
  })

  it('https to a plain-HTTP port is a TLS handshake failure naming scheme and port', async () => {
    const sim = await startDockerHubSim({ events: 1 })
    sims.push(sim)
    const error = await tlsError(`https://127.0.0.1:${sim.port}`)
    expect(error.message).toMatch(/the TLS handshake with 127\.0\.0\.1:\d+ failed .*check the account URL's scheme and port/)
  })

  it('the Docker Hub connector syncs over TLS with the CA from the account CA file', async () => {
    const sim = await tlsSim(certs.leaf)
    const caFile = join(folder, 'ca.pem')
    writeFileSync(caFile, certs.caCert)
    rig = await startDockerHubRig({ sim: { events: 0 }, url: sim.url, accountOptions: { caFile } })
    const archive = new MemoryArchive()
    await walkInto(rig.connector, 'auditlog', archive, testCtx(sim))
    expect(archive.events.size).toBe(5)
  })

  it('without the CA file the connector fails with TLS, not retried, secret-free', async () => {
    const sim = await tlsSim(certs.leaf)
    rig = await startDockerHubRig({ sim: { events: 0 }, url: sim.url })
    const error = await expectAppError(walkInto(rig.connector, 'auditlog', new MemoryArchive(), testCtx(sim)), 'TLS', [sim.secret])
    expect(error.message).toMatch(/^acme-hub: .*set the account's CA file/)
    expect(rig.sleeps).toEqual([])
  })

  it('an unreadable or non-PEM CA file is INVALID_INPUT naming the file', async () => {
    const sim = await tlsSim(certs.leaf)
    const missing = join(folder, 'missing.pem')
    rig = await startDockerHubRig({ sim: { events: 0 }, url: sim.url, accountOptions: { caFile: missing } })
    const error = await expectAppError(walkInto(rig.connector, 'auditlog', new MemoryArchive(), testCtx(sim)), 'INVALID_INPUT', [])
    expect(error.message).toBe(`acme-hub: the CA file ${missing} cannot be read (ENOENT)`)
    const notPem = join(folder, 'not.pem')
    writeFileSync(notPem, 'hello')
    await rig.close()
    rig = await startDockerHubRig({ sim: { events: 0 }, url: sim.url, accountOptions: { caFile: notPem } })
    await expectAppError(walkInto(rig.connector, 'auditlog', new MemoryArchive(), testCtx(sim)), 'INVALID_INPUT', [])
  })
})

function testCtx(sim: DockerHubSim) {
  const controller = new AbortController()
  return { account: 'acme-hub', getToken: async () => sim.secret, signal: controller.signal, notify: () => {} }
}

describe('http client redirects and bodies', () => {
  let server: http.Server
  let base: string
  const seen: Array<{ method: string; url: string; authorization?: string; body: string }> = []
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body })
        if (req.url === '/loop') {
          res.writeHead(302, { location: '/loop' }).end()
        } else if (req.url === '/post-then-see-other') {
          res.writeHead(303, { location: '/result' }).end()
        } else if (req.url === '/keep-method') {
          res.writeHead(308, { location: '/result' }).end()
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body }))
        }
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('a redirect loop stops with BAD_RESPONSE after the cap', async () => {
    seen.length = 0
    const error = await expectAppError(httpRequest({ method: 'GET', url: `${base}/loop`, account: 'a' }), 'BAD_RESPONSE', [])
    expect(error.message).toBe(`a: 127.0.0.1:${(server.address() as AddressInfo).port} redirected more than 5 times`)
    expect(seen).toHaveLength(6)
  })

  it('303 after a POST becomes a GET without body; 308 keeps method, body and headers', async () => {
    seen.length = 0
    const seeOther = await httpRequest({ method: 'POST', url: `${base}/post-then-see-other`, body: '{"a":1}', headers: { authorization: 'Bearer t0k' } })
    expect(JSON.parse(seeOther.body.toString())).toEqual({ method: 'GET', body: '' })
    const kept = await httpRequest({ method: 'POST', url: `${base}/keep-method`, body: '{"a":1}', headers: { authorization: 'Bearer t0k' } })
    expect(JSON.parse(kept.body.toString())).toEqual({ method: 'POST', body: '{"a":1}' })
    expect(seen.at(-1)?.authorization).toBe('Bearer t0k')
    expect(kept.url.pathname).toBe('/result')
  })

  it('maxRedirects 0 returns the redirect itself', async () => {
    const response = await httpRequest({ method: 'GET', url: `${base}/loop`, maxRedirects: 0 })
    expect(response.status).toBe(302)
    expect(response.headers['location']).toBe('/loop')
  })

  it('an already aborted signal is CANCELLED before any request', async () => {
    seen.length = 0
    const controller = new AbortController()
    controller.abort()
    await expectAppError(httpRequest({ method: 'GET', url: `${base}/x`, signal: controller.signal }), 'CANCELLED', [])
    expect(seen).toHaveLength(0)
  })
})
