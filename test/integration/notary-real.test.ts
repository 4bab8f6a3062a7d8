import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Account } from '../../src/shared/account'
import type { AuditEvent } from '../../src/shared/event'
import { Archive } from '../../src/main/core/db/archive'
import type { StoredAccount } from '../../src/main/core/db/archive-types'
import { createConnector } from '../../src/main/core/sources/index'
import { syncAccount } from '../../src/main/core/sync/sync-account'
import { startNotaryTokenService, type NotaryTokenService } from '../sim/notary-token-service'
import { expectAppError, MemoryArchive, testContext, walkInto } from './connector-behaviour'
import { jsonLines, spawnTsx } from './fixtures/tsx-process'
import { startNotaryStack, type NotaryStack } from './notary-stack'

/**
 * The notary connector against real notary-servers (../shared/tools/notary-stack), through the
 * real sync engine into a real SQLite archive: the archive holds exactly the changefeed, and a
 * second sync brings exactly what was published in between. Then the server's --token-auth mode
 * with the loopback token service, bearer tokens and the CA file.
 */

const TIMEOUTS = { timeout: 120_000 }

let folder: string
let archive: Archive | undefined
afterEach(async () => {
  archive?.close()
  archive = undefined
  if (folder) await rm(folder, { recursive: true, force: true })
})

async function openArchive(): Promise<Archive> {
  folder = await mkdtemp(join(os.tmpdir(), 'notary-archive-'))
  archive = Archive.open(join(folder, 'archive.sqlite'))
  return archive
}

function archived(store: Archive, account: string): AuditEvent[] {
  return [...store.iterateEvents({ account: { any: [account] } }, { key: 'occurred_at', dir: 'asc' })]
}

/** The archive's events must be the feed's records, one for one, raw JSON unchanged. */
function expectArchiveIsFeed(events: AuditEvent[], feed: Array<Record<string, unknown>>): void {
  expect(events.map((event) => event.source_event_id).sort()).toEqual(feed.map((record) => String(record['ID'])).sort())
  const byId = new Map(events.map((event) => [event.source_event_id, event]))
  for (const record of feed) {
    const event = byId.get(String(record['ID']))!
    expect(JSON.parse(event.raw)).toEqual(record)
    expect(event.digest).toBeNull()
    expect(event.actor).toBeNull()
    if (record['Category'] === 'deletion') {
      expect(event).toMatchObject({ verb: 'DELETE', activity: 'trust-delete', target: null })
    } else {
      expect(event).toMatchObject({ verb: 'UPDATE', activity: 'sign', target: `timestamp sha256:${String(record['SHA256'])}` })
    }
  }
}

async function sync(store: Archive, account: StoredAccount, getToken: () => Promise<string> = () => Promise.reject(new Error('no token needed'))) {
  return syncAccount({ archive: store, account, connector: createConnector(account), getToken })
}

describe('notary: sync from a real notary-server', () => {
  let stack: NotaryStack
  beforeAll(async () => {
    stack = await startNotaryStack()
  }, 60_000)
  afterAll(async () => stack?.stop())

  it('archives exactly the changefeed, then exactly what was published since', TIMEOUTS, async () => {
    await stack.populate(
      'registry.example/team/app:3',
      'registry.example/team/db:1',
      'registry.example/ops/tool',
      '-registry.example/team/db'
    )
    const store = await openArchive()
    const account = store.addAccount({ name: 'local-notary', kind: 'notary', url: stack.url, options: { caFile: stack.caFile } })
    const first = await sync(store, account)
    const feed = await stack.feed()
    expect(feed.map((record) => record['Category'])).toContain('deletion')
    expect(new Set(feed.map((record) => record['GUN'])).size).toBe(3)
    expect(first).toMatchObject({ status: 'ok', inserted: feed.length, duplicates: 0 })
    expectArchiveIsFeed(archived(store, 'local-notary'), feed)
    expect(store.getCursor(account.id, 'changefeed')).toEqual({ v: 1, feed: 'global', lastId: String(feed.at(-1)!['ID']) })

    await stack.populate('registry.example/team/app:2', 'registry.example/team/web:1', '-registry.example/ops/tool')
    const second = await sync(store, account)
    const grown = await stack.feed()
    // init + 1 for web, 2 for app, 1 deletion.
    expect(grown.length - feed.length).toBe(5)
    expect(second).toMatchObject({ status: 'ok', inserted: 5, duplicates: 0 })
    expectArchiveIsFeed(archived(store, 'local-notary'), grown)

    const third = await sync(store, account)
    expect(third).toMatchObject({ status: 'ok', inserted: 0, duplicates: 0 })
  })

  it('reads per-repository feeds with one cursor per GUN', TIMEOUTS, async () => {
    await stack.populate('registry.example/per/alpha:2', 'registry.example/per/beta:1', 'registry.example/per/gamma:1')
    const store = await openArchive()
    const repositories = ['registry.example/per/alpha', 'registry.example/per/gamma']
    const account = store.addAccount({ name: 'per-gun', kind: 'notary', url: stack.url, options: { caFile: stack.caFile, repositories } })
    await sync(store, account)
    const feedOf = async (gun: string) => stack.feed(`/v2/${gun}/_trust/changefeed`)
    const wanted = [...(await feedOf(repositories[0]!)), ...(await feedOf(repositories[1]!))]
    expect(wanted).toHaveLength(5)
    expectArchiveIsFeed(archived(store, 'per-gun'), wanted)
    const cursor = store.getCursor(account.id, 'changefeed') as { feed: string; lastIds: Record<string, string> }
    expect(cursor.feed).toBe('repositories')
    expect(Object.keys(cursor.lastIds).sort()).toEqual([...repositories].sort())

    await stack.populate('registry.example/per/alpha:1', 'registry.example/per/beta:3')
    const again = await sync(store, account)
    expect(again).toMatchObject({ inserted: 1, duplicates: 0 })
    expectArchiveIsFeed(archived(store, 'per-gun'), [...(await feedOf(repositories[0]!)), ...(await feedOf(repositories[1]!))])
  })

  it('needs the CA file for the private TLS certificate, and says what is wrong with a bad one', TIMEOUTS, async () => {
    const base: Account = { id: 1, name: 'tls', kind: 'notary', url: stack.url, options: {}, created_at: 0, updated_at: 0 }
    const ctx = testContext('unused')
    const noCa = await expectAppError(createConnector(base).testConnection(ctx), 'TLS', [])
    expect(noCa.message).toMatch(/CA file/)
    await expectAppError(
      createConnector({ ...base, options: { caFile: join(stack.dir, 'missing.crt') } }).testConnection(ctx),
      'INVALID_INPUT',
      []
    )
    const ok = await createConnector({ ...base, options: { caFile: stack.caFile } }).testConnection(ctx)
    expect(ok.details.join('\n')).toMatch(/global changefeed: readable; newest change/)
  })

  it('answers a bad change_id with a typed error, not a crash', TIMEOUTS, async () => {
    const account: Account = { id: 1, name: 'odd', kind: 'notary', url: stack.url, options: { caFile: stack.caFile }, created_at: 0, updated_at: 0 }
    const memory = new MemoryArchive()
    memory.cursor = { v: 1, feed: 'global', lastId: 'not-a-number' }
    const error = await expectAppError(walkInto(createConnector(account), 'changefeed', memory, testContext('x')), 'BAD_RESPONSE', [])
    expect(error.message).toMatch(/HTTP 400.*INVALID_PARAMETERS/)
    expect(memory.pages).toBe(0)
  })
})

describe('notary: a real notary-server with --token-auth', () => {
  let gate: NotaryStack
  let tokens: NotaryTokenService
  const password = 'token-service-password-77c1'
  beforeAll(async () => {
    gate = await startNotaryStack({ tokenAuth: true })
    tokens = await startNotaryTokenService({ dir: gate.dir, users: { ops: password } })
  }, 60_000)
  afterAll(async () => {
    await tokens?.close()
    await gate?.stop()
  })

  const account = (options: Record<string, unknown>): Account => ({
    id: 1,
    name: 'guarded',
    kind: 'notary',
    url: gate.url,
    options: { caFile: gate.caFile, ...options },
    created_at: 0,
    updated_at: 0
  })

  it('without credentials: AUTH_FAILED naming the token service', TIMEOUTS, async () => {
    const error = await expectAppError(createConnector(account({})).testConnection(testContext('')), 'AUTH_FAILED', [])
    expect(error.message).toContain(`its token service is ${gate.url}/auth/token`)
    expect(error.status).toBe(401)
  })

  it('the registry token flow through the loopback token service passes', TIMEOUTS, async () => {
    const before = tokens.issued
    const connector = createConnector(account({ authMode: 'token', username: 'ops', tokenRealm: tokens.url }))
    const ctx = testContext(password)
    const report = await connector.testConnection(ctx)
    expect(report.warnings).toEqual(['global changefeed: readable but empty'])
    expect(tokens.issued).toBe(before + 1)
    expect(tokens.requests.at(-1)).toMatchObject({ username: 'ops', service: 'notary-server', scopes: ['registry:catalog:*'], status: 200 })
    const memory = new MemoryArchive()
    expect(await walkInto(connector, 'changefeed', memory, ctx)).toMatchObject({ pages: 0, inserted: 0 })
    // Per-repository feeds ask for repository scopes.
    const perGun = createConnector(account({ authMode: 'token', username: 'ops', tokenRealm: tokens.url, repositories: ['registry.example/a/b'] }))
    await perGun.testConnection(ctx)
    expect(tokens.requests.at(-1)).toMatchObject({ scopes: ['repository:registry.example/a/b:pull'], status: 200 })
  })

  it('a wrong password is AUTH_FAILED from the token service, without the secret in the message', TIMEOUTS, async () => {
    const wrong = 'not-the-password-3141'
    const error = await expectAppError(
      createConnector(account({ authMode: 'token', username: 'ops', tokenRealm: tokens.url })).testConnection(testContext(wrong)),
      'AUTH_FAILED',
      [wrong, password]
    )
    expect(error.message).toMatch(/token service .* refused the credentials of ops \(HTTP 401/)
  })

  it("the server's own realm (no token service there) fails clearly", TIMEOUTS, async () => {
    const error = await expectAppError(
      createConnector(account({ authMode: 'token', username: 'ops' })).testConnection(testContext(password)),
      'AUTH_FAILED',
      [password]
    )
    expect(error.message).toMatch(/whether that URL is a token service/)
  })

  it('the token service also runs standalone (as its own process)', TIMEOUTS, async () => {
    const child = spawnTsx('test/sim/notary-token-service.ts', ['--dir', gate.dir, '--user', 'cron:cron-secret-9d2e', '--port', '0'])
    const lines = jsonLines(child)
    try {
      const { url } = (await lines.waitFor((line) => typeof (line as { url?: unknown }).url === 'string')) as { url: string }
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/auth\/token$/)
      const connector = createConnector(account({ authMode: 'token', username: 'cron', tokenRealm: url }))
      expect((await connector.testConnection(testContext('cron-secret-9d2e'))).warnings).toEqual(['global changefeed: readable but empty'])
    } finally {
      child.kill('SIGTERM')
    }
    expect((await lines.exited).code).toBe(0)
  })

  it('a bearer given directly is used as it is; a token without the scope is refused by the server', TIMEOUTS, async () => {
    const good = tokens.mint([{ type: 'registry', name: 'catalog', actions: ['*'] }])
    const ok = await createConnector(account({ authMode: 'bearer' })).testConnection(testContext(good))
    expect(ok.warnings).toEqual(['global changefeed: readable but empty'])
    const narrow = tokens.mint([{ type: 'repository', name: 'registry.example/a/b', actions: ['pull'] }])
    const ctx = testContext(narrow)
    const error = await expectAppError(createConnector(account({ authMode: 'bearer' })).testConnection(ctx), 'AUTH_FAILED', [narrow])
    expect(error.message).toMatch(/insufficient_scope/)
    // The stored token is read once more before giving up (it may have been replaced meanwhile).
    expect(ctx.notices).toContainEqual({ type: 'reauthenticated' })
  })
})
