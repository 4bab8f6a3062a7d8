import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Archive } from '../../src/main/core/db/archive'
import { AppError } from '../../src/main/core/errors'
import { archivePath } from '../../src/main/core/paths'
import { envVarName, KEYCHAIN_SERVICE, TokenStore } from '../../src/main/core/secrets/token-store'
import { AuditService } from '../../src/main/core/service'
import type { SyncProgress } from '../../src/shared/sync'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'

/**
 * AuditService in-process, against a real archive in a temporary folder, the simulator, and the
 * real keychain when there is one (a service name of its own, so nothing else is touched).
 */

const SERVICE = `${KEYCHAIN_SERVICE}-service-test-${process.pid}-${randomUUID().slice(0, 8)}`
let sim: DockerHubSim
let dir: string
let env: NodeJS.ProcessEnv
let tokens: TokenStore
let service: AuditService
const names: string[] = []

beforeAll(async () => {
  sim = await startDockerHubSim({ events: 1234, seed: 5 })
})

afterAll(async () => {
  await sim?.close()
})

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-test-'))
  env = {}
  tokens = new TokenStore({ service: SERVICE, env })
  service = new AuditService({ dataDir: path.join(dir, 'data'), tokenStore: tokens })
})

afterEach(() => {
  service.close()
  for (const name of names.splice(0)) tokens.delete(name)
  fs.rmSync(dir, { recursive: true, force: true })
})

function hub(name: string, extra: Partial<Parameters<AuditService['addAccount']>[0]> = {}) {
  names.push(name)
  return service.addAccount({
    name,
    kind: 'dockerhub',
    url: sim.url,
    options: { org: sim.org, username: sim.identifier },
    token: sim.secret,
    ...extra
  })
}

function expectAppError(fn: () => unknown, code: string, account?: string): AppError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(AppError)
  expect((caught as AppError).code).toBe(code)
  if (account !== undefined) expect((caught as AppError).account).toBe(account)
  return caught as AppError
}

describe('AuditService accounts', () => {
  it('adds an account, stores its token where it says, and never returns it', () => {
    const result = hub('hub')
    expect(result.account).toMatchObject({ name: 'hub', kind: 'dockerhub', url: sim.url, lastSync: null })
    const expected = tokens.keychainAvailable() ? 'keychain' : 'session'
    expect(result.tokenStorage).toMatchObject({ storage: expected, envVar: 'REGISTRY_AUDIT_TOKEN_HUB' })
    expect(result.account.token).toBe(expected)
    for (const value of [result, service.listAccounts(), service.getAccount('hub'), service.tokenStatus('hub')]) {
      expect(JSON.stringify(value)).not.toContain(sim.secret)
    }
    // Opened lazily, in the data folder given.
    expect(fs.existsSync(archivePath(path.join(dir, 'data')))).toBe(true)
  })

  it('defaults the URL by kind and reports a token from the environment', () => {
    env[envVarName('env-only')] = 'from-env'
    names.push('env-only')
    const { account, tokenStorage } = service.addAccount({
      name: 'env-only',
      kind: 'dockerhub',
      options: { org: 'acme', username: 'alice' }
    })
    expect(account.url).toBe('https://hub.docker.com')
    expect(tokenStorage.storage).toBe('environment')
  })

  it('refuses bad accounts with typed errors and stores nothing', () => {
    hub('taken')
    const base = { kind: 'dockerhub' as const, options: { org: 'acme', username: 'alice' } }
    expectAppError(() => service.addAccount({ name: 'taken', ...base }), 'CONFLICT', 'taken')
    expectAppError(() => service.addAccount({ name: '-bad name', ...base }), 'INVALID_INPUT')
    expectAppError(() => service.addAccount({ name: 'q', kind: 'quay', options: {} }), 'INVALID_INPUT', 'q')
    expectAppError(() => service.addAccount({ name: 'x', kind: 'nope' as never, options: {} }), 'INVALID_INPUT', 'x')
    expectAppError(() => service.addAccount({ name: 'o', kind: 'dockerhub', options: { org: 'acme' } }), 'INVALID_INPUT', 'o')
    for (const url of ['http://hub.example.com', 'ftp://127.0.0.1', 'https://user:pw@hub.example.com', 'not a url', 'https://h.example/?a=1']) {
      expectAppError(() => service.addAccount({ name: 'u', url, ...base }), 'INVALID_INPUT', 'u')
    }
    // The token is checked after the account row is written: a refused token takes the row back out.
    expectAppError(() => service.addAccount({ name: 'empty-token', token: '   ', ...base }), 'INVALID_INPUT', 'empty-token')
    expect(service.listAccounts().map((a) => a.name)).toEqual(['taken'])
  })

  it('accepts http only on loopback and keeps one spelling of a URL', () => {
    expect(hub('a', { url: 'http://localhost:8080/' }).account.url).toBe('http://localhost:8080')
    expect(hub('b', { url: 'http://[::1]:9/' }).account.url).toBe('http://[::1]:9')
    expect(hub('c', { url: 'https://registry.example.com/base/' }).account.url).toBe('https://registry.example.com/base')
  })

  it('updates settings and token, and removes an account with its token', () => {
    hub('hub')
    const updated = service.updateAccount('hub', { options: { org: 'other', username: 'bob' }, token: 'dckr_pat_new' })
    expect(updated.options).toEqual({ org: 'other', username: 'bob' })
    expect(tokens.get('hub')?.token).toBe('dckr_pat_new')
    expectAppError(() => service.updateAccount('hub', { options: { org: '' } }), 'INVALID_INPUT', 'hub')

    const removed = service.removeAccount('hub')
    expect(removed).toEqual({ eventsDeleted: 0, tokenRemoved: true })
    expect(tokens.status('hub')).toBe('missing')
    expectAppError(() => service.removeAccount('hub'), 'NOT_FOUND', 'hub')
    expectAppError(() => service.setToken('hub', 'x'), 'NOT_FOUND', 'hub')
  })
})

describe('AuditService sync and events', () => {
  it('syncs with progress, then pages, counts, facets and streams what it stored', async () => {
    hub('hub')
    const progress: SyncProgress[] = []
    const [result] = await service.sync([], { onProgress: (event) => progress.push(event) })
    expect(result).toMatchObject({ account: 'hub', ok: true, summary: { inserted: 1234, duplicates: 0 } })
    expect(progress[0]).toMatchObject({ type: 'start', account: 'hub' })
    expect(progress.at(-1)).toMatchObject({ type: 'done', account: 'hub' })
    expect(service.getAccount('hub').lastSync).toMatchObject({ status: 'ok', inserted: 1234, error: null })

    const page = service.queryEvents({ query: {}, limit: 10 })
    expect(page.rows).toHaveLength(10)
    expect(page.nextCursor).not.toBeNull()
    expect(service.countEvents({})).toEqual({ count: 1234, exact: true })
    expect(service.facets({}, { fields: ['account'] }).account).toEqual([{ value: 'hub', count: 1234 }])
    expect(service.getEvent(page.rows[0]!.id)).toEqual(page.rows[0])
    expectAppError(() => service.getEvent(987654), 'NOT_FOUND')

    // Keyset pages under the hood: past one page of 1000, in order, nothing twice.
    const seen: number[] = []
    for await (const event of service.iterateEvents({}, { key: 'repository', dir: 'asc' }, { limit: 1100 })) seen.push(event.id)
    expect(seen).toHaveLength(1100)
    expect(new Set(seen).size).toBe(1100)
    let count = 0
    for await (const event of service.iterateEvents({ verb: { any: ['DELETE'] } })) {
      expect(event.verb).toBe('DELETE')
      count += 1
    }
    expect(count).toBe(service.countEvents({ verb: { any: ['DELETE'] } }).count)

    const out = path.join(dir, 'all.ndjson')
    expect(await service.exportEvents({}, undefined, out, { format: 'ndjson', timeZone: 'UTC' })).toEqual({ rows: 1234 })
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1234)
  })

  it('refuses unknown names before syncing anything, and reports a missing token per account', async () => {
    hub('hub')
    await expect(service.sync(['hub', 'ghost'])).rejects.toMatchObject({ code: 'NOT_FOUND', account: 'ghost' })
    expect(service.getAccount('hub').lastSync).toBeNull()

    names.push('tokenless')
    service.addAccount({ name: 'tokenless', kind: 'dockerhub', url: sim.url, options: { org: sim.org, username: 'x' } })
    const results = await service.sync(['tokenless'])
    expect(results).toEqual([
      expect.objectContaining({ account: 'tokenless', ok: false, error: expect.objectContaining({ code: 'NO_TOKEN' }) })
    ])
  })

  it('tests a connection, and names the account when it fails', async () => {
    hub('hub')
    const report = await service.testConnection('hub')
    expect(Array.isArray(report.details)).toBe(true)
    service.setToken('hub', 'dckr_pat_wrong')
    const failure = await service.testConnection('hub').catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'AUTH_FAILED', account: 'hub' })
    expect(String((failure as Error).message)).not.toContain('dckr_pat_wrong')
  })

  it('keeps events when an account is removed unless asked to purge them', async () => {
    hub('keep')
    hub('purge')
    await service.sync(['keep', 'purge'])
    expect(service.removeAccount('keep').eventsDeleted).toBe(0)
    expect(service.removeAccount('purge', { purgeEvents: true }).eventsDeleted).toBe(1234)
    service.close()
    const archive = Archive.open(archivePath(path.join(dir, 'data')))
    try {
      expect(archive.countEvents({}).count).toBe(1234)
    } finally {
      archive.close()
    }
  })

  it('never loses a removed account\'s kept events when adding its name again fails', async () => {
    hub('again')
    await service.sync(['again'])
    service.removeAccount('again')
    const held = (): number => {
      service.close()
      const archive = Archive.open(archivePath(path.join(dir, 'data')))
      try {
        return archive.countEvents({ includePull: true }).count
      } finally {
        archive.close()
        service = new AuditService({ dataDir: path.join(dir, 'data'), tokenStore: tokens })
      }
    }
    expect(held()).toBe(1234)
    // Tokens the store refuses: refused before the archive changes.
    for (const token of ['   ', 'dckr_pat_x\u0007y']) {
      expectAppError(() => hub('again', { token }), 'INVALID_INPUT', 'again')
      expect(held()).toBe(1234)
      expect(service.listAccounts().map((a) => a.name)).not.toContain('again')
    }
    // A good token brings the account back with the events it kept.
    hub('again')
    expect(service.countEvents({ account: { any: ['again'] }, includePull: true }).count).toBe(1234)
  })
})
