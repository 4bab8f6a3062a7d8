import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  contract,
  METHOD_NAMES,
  type AccountView,
  type ContractResult,
  type MethodName,
  type PushEventName
} from '../../src/shared/contract'
import type { Result } from '../../src/shared/errors'
import { createContractHandlers, dispatchCall, type ContractHandlers } from '../../src/main/core/api-handlers'
import { CoreRuntime } from '../../src/main/core/core-runtime'
import { startContractRig, waitForPush, type ContractRig } from './fixtures/contract-rig'

/**
 * The API contract over the real core (archive in a temp folder, the keychain, the Docker Hub
 * simulator), through the same dispatch both transports use.
 */

let rig: ContractRig
let handlers: ContractHandlers
const UPLOAD_TICKET = 'walk-upload-ticket-0123456789'
let exportDir: string
const pushed: Array<{ event: PushEventName; payload: unknown }> = []

async function call<M extends MethodName>(method: M, input?: unknown): Promise<Result<ContractResult<M>>> {
  return (await dispatchCall(handlers, contract[method].channel, input)) as Result<ContractResult<M>>
}

async function value<M extends MethodName>(method: M, input?: unknown): Promise<ContractResult<M>> {
  const result = await call(method, input)
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`)
  return result.value
}

async function syncAndWait(name: string): Promise<void> {
  const done = waitForPush(rig.runtime.events, 'sync:progress', (p) => p.account === name && (p.type === 'done' || p.type === 'error'))
  const started = await value('startSync', { names: [name] })
  expect(started.started).toEqual([name])
  const last = await done
  if (last.type === 'error') throw new Error(`sync failed: ${last.error.code} ${last.error.message}`)
}

beforeAll(async () => {
  rig = await startContractRig({ events: 250 })
  exportDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-export-'))
  let exports = 0
  handlers = createContractHandlers(rig.runtime, {
    // What Electron's main does after its save dialog: a file the user chose.
    runExport: async (request) => {
      const file = path.join(exportDir, `export-${++exports}.${request.format}`)
      const { rows } = await rig.runtime.exportEvents(request, file)
      return { kind: 'file', path: file, rows }
    },
    // What browser mode does with an uploaded file: one ticket, one file (an empty JSON array here).
    redeemUpload: (ticket) => {
      if (ticket !== UPLOAD_TICKET) return undefined
      const file = path.join(exportDir, 'upload.json')
      writeFileSync(file, '[]')
      return { path: file, release: () => rmSync(file, { force: true }) }
    }
  })
  rig.runtime.events.on((event, payload) => pushed.push({ event, payload }))
})

afterAll(async () => {
  await rig?.close()
  if (exportDir !== undefined) rmSync(exportDir, { recursive: true, force: true })
})

describe('the contract', () => {
  it('names every method domain:verb, once', () => {
    const channels = METHOD_NAMES.map((method) => contract[method].channel)
    expect(new Set(channels).size).toBe(channels.length)
    for (const channel of channels) expect(channel).toMatch(/^[a-z]+:[a-z]+$/)
  })

  it('refuses input its schema does not accept, for every method, as INVALID_INPUT', async () => {
    for (const method of METHOD_NAMES) {
      const result = await dispatchCall(handlers, contract[method].channel, 42)
      expect(result, method).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    }
    const extra = await call('queryEvents', { query: {}, sql: 'DROP TABLE events' })
    expect(extra).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const badSort = await call('queryEvents', { query: {}, sort: { key: 'raw', dir: 'asc' } })
    expect(badSort).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('sort.key') } })
  })

  it('answers an unknown channel with NOT_FOUND', async () => {
    expect(await dispatchCall(handlers, 'events:drop', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })
})

describe('accounts, tokens and sync', () => {
  it('adds an account with its token and reports where the token went, never the token', async () => {
    const view = await value('addAccount', rig.accountInput('hub'))
    expect(view).toMatchObject({
      name: 'hub',
      kind: 'dockerhub',
      url: rig.sim.url,
      autoSync: { enabled: true, intervalMinutes: 5 },
      lastSync: null,
      held: { count: 0, oldest: null, newest: null }
    })
    expect(['keychain', 'session']).toContain(view.token)
    expect(Object.keys(view).sort()).toEqual(
      ['autoSync', 'created_at', 'held', 'id', 'kind', 'lastSync', 'name', 'options', 'token', 'updated_at', 'url'].sort()
    )
    expect(await value('tokenStatus', { name: 'hub' })).toEqual({ account: 'hub', storage: view.token })
    const duplicate = await call('addAccount', rig.accountInput('hub'))
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'CONFLICT' } })
  })

  it('tests a saved account and a draft, before saving', async () => {
    const saved = await value('testConnection', { name: 'hub' })
    expect(saved.details.length).toBeGreaterThan(0)
    const { token: _token, ...draft } = rig.accountInput('draft')
    const good = await value('testConnection', { draft, token: rig.secret })
    expect(good.details.length).toBeGreaterThan(0)
    const wrong = await call('testConnection', { draft, token: 'dckr_pat_wrong' })
    expect(wrong).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } })
    const none = await call('testConnection', { draft })
    expect(none).toMatchObject({ ok: false, error: { code: 'NO_TOKEN' } })
  })

  it('starts a sync that returns at once and reports progress, then new events', async () => {
    const changed = waitForPush(rig.runtime.events, 'events:changed', (p) => p.accounts.includes('hub'))
    await syncAndWait('hub')
    await changed
    const kinds = pushed.filter((p) => p.event === 'sync:progress').map((p) => (p.payload as { type: string }).type)
    expect(kinds).toContain('start')
    expect(kinds).toContain('page')
    expect(kinds.at(-1)).toBe('done')

    const [state] = await value('syncStatus')
    expect(state).toMatchObject({ account: 'hub', running: false, lastRun: { status: 'ok', error: null } })
    expect(state?.lastRun?.inserted).toBeGreaterThan(0)
    const [account] = await value('listAccounts')
    expect(account?.held.count).toBe(state?.lastRun?.inserted)
    expect(account?.held.oldest).toBeLessThanOrEqual(account?.held.newest ?? 0)
  })

  it('refuses to start a second run of an account that is syncing', async () => {
    rig.sim.inject({ kind: 'slow', delayMs: 300 }, { times: Infinity })
    try {
      const done = waitForPush(rig.runtime.events, 'sync:progress', (p) => p.type === 'done' || p.type === 'error')
      expect((await value('startSync')).started).toEqual(['hub'])
      expect(await value('startSync', { names: ['hub'] })).toEqual({ started: [], alreadyRunning: ['hub'] })
      const [state] = await value('syncStatus')
      expect(state?.running).toBe(true)
      expect(await value('cancelSync', { names: ['hub'] })).toEqual({ cancelled: ['hub'] })
      const last = await done
      expect(last).toMatchObject({ type: 'error', error: { code: 'CANCELLED' } })
    } finally {
      rig.sim.clearFaults()
    }
  })

  it('keeps a failed sync as state, with the error in plain words, and no exception', async () => {
    await value('addAccount', { ...rig.accountInput('other'), token: 'dckr_pat_rejected' })
    const done = waitForPush(rig.runtime.events, 'sync:progress', (p) => p.account === 'other' && (p.type === 'done' || p.type === 'error'))
    const started = await call('startSync', { names: ['other'] })
    expect(started.ok).toBe(true)
    expect(await done).toMatchObject({ type: 'error', error: { code: 'AUTH_FAILED' } })
    const states = await value('syncStatus')
    const other = states.find((s) => s.account === 'other')
    expect(other?.lastRun).toMatchObject({ status: 'failed', error: { code: 'AUTH_FAILED' } })
    expect(other?.progress).toMatchObject({ type: 'error' })
  })

  it('refuses to sync an account that does not exist, before starting anything', async () => {
    expect(await call('startSync', { names: ['hub', 'nobody'] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })

  it('changes the schedule and the token of an account', async () => {
    const view = await value('updateAccount', { name: 'other', autoSync: { enabled: false, intervalMinutes: 30 }, token: rig.secret })
    expect(view.autoSync).toEqual({ enabled: false, intervalMinutes: 30 })
    const states = await value('syncStatus')
    expect(states.find((s) => s.account === 'other')).toMatchObject({ autoSync: { enabled: false }, nextRunAt: null })
    expect((await value('setToken', { name: 'other', token: rig.secret })).account).toBe('other')
  })
})

describe('events', () => {
  it('pages with a keyset cursor, counts and facets apart from the page', async () => {
    const first = await value('queryEvents', { query: {}, limit: 100 })
    expect(first.rows).toHaveLength(100)
    expect(first.nextCursor).not.toBeNull()
    const second = await value('queryEvents', { query: {}, limit: 100, cursor: first.nextCursor })
    expect(second.rows[0]!.occurred_at).toBeLessThanOrEqual(first.rows.at(-1)!.occurred_at)
    const count = await value('countEvents', { query: {} })
    const held = (await value('listAccounts')).reduce((sum, a) => sum + a.held.count, 0)
    expect(count).toEqual({ count: held, exact: true })
    const facets = await value('facets', { query: {}, fields: ['activity'] })
    expect(facets.activity.reduce((sum, f) => sum + f.count, 0)).toBe(held)
  })

  it('gets one event with its raw record, and NOT_FOUND for none', async () => {
    const { rows } = await value('queryEvents', { query: {}, limit: 1 })
    const event = await value('getEvent', { id: rows[0]!.id })
    expect(event).toEqual(rows[0])
    expect(JSON.parse(event.raw)).toMatchObject({ account: rig.sim.org })
    expect(await call('getEvent', { id: 99_999_999 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })

  it('finds related events by digest and repository:tag, in time order, the event included', async () => {
    const { rows } = await value('queryEvents', { query: { activity: { any: ['push'] } }, limit: 200 })
    const event = rows.find((row) => row.digest !== null && row.tag !== null)!
    const related = await value('relatedEvents', { id: event.id })
    expect(related).toMatchObject({ id: event.id, digest: event.digest, repository: event.repository, tag: event.tag })
    const ids = related.events.map((e) => e.id)
    expect(ids).toContain(event.id)
    const times = related.events.map((e) => [e.occurred_at, e.id] as const)
    expect([...times].sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual(times)
    for (const other of related.events) {
      expect(other.relations.length).toBeGreaterThan(0)
      if (other.relations.includes('digest')) expect(other.digest).toBe(event.digest)
      if (other.relations.includes('tag')) expect([other.repository, other.tag]).toEqual([event.repository, event.tag])
    }
    const byDigest = await value('countEvents', { query: { digest: { any: [event.digest!] } } })
    expect(related.events.filter((e) => e.relations.includes('digest'))).toHaveLength(byDigest.count)

    const small = await value('relatedEvents', { id: event.id, limit: 1 })
    expect(small.events.map((e) => e.id)).toEqual([event.id])
    expect(small.truncated).toBe(related.events.length > 1)
  })

  it('counts the histogram over exactly the filter, stacked by activity', async () => {
    const all = await value('histogram', { query: {} })
    const count = await value('countEvents', { query: {} })
    expect(all.buckets.reduce((sum, b) => sum + b.total, 0)).toBe(count.count)
    for (const bucket of all.buckets) {
      expect(Object.values(bucket.byActivity).reduce((sum, n) => sum + (n ?? 0), 0)).toBe(bucket.total)
      expect((bucket.start - all.from!) % all.bucketMs).toBe(0)
    }
    expect(all.buckets.length).toBeLessThanOrEqual(120)

    const pushes = await value('histogram', { query: { activity: { any: ['push'] } }, buckets: 10 })
    expect(pushes.buckets.length).toBeLessThanOrEqual(10)
    const pushCount = await value('countEvents', { query: { activity: { any: ['push'] } } })
    expect(pushes.buckets.reduce((sum, b) => sum + (b.byActivity.push ?? 0), 0)).toBe(pushCount.count)

    const empty = await value('histogram', { query: { actor: { any: ['nobody-at-all'] } } })
    expect(empty).toEqual({ from: null, to: null, bucketMs: 0, buckets: [] })
    const range = await value('histogram', { query: { since: 0, until: 3_600_000 } })
    expect(range.buckets.every((b) => b.total === 0)).toBe(true)
    // An hour in at most 120 buckets: the finest readable step that fits is 30 seconds.
    expect(range).toMatchObject({ from: 0, to: 3_600_000, bucketMs: 30_000 })
    expect(range.buckets.length).toBe(120)
  })

  it('exports exactly the filter and sort it is given, with the row count', async () => {
    const query = { activity: { any: ['push', 'delete'] } }
    const result = await value('runExport', { query, sort: { key: 'actor', dir: 'asc' }, timeZone: 'Europe/Berlin' })
    if (result.kind !== 'file') throw new Error('expected a file')
    const lines = readFileSync(result.path, 'utf8').trimEnd().split('\r\n')
    expect(lines[0]).toContain('occurred_at (Europe/Berlin)')
    const count = await value('countEvents', { query })
    expect(result.rows).toBe(count.count)
    expect(lines).toHaveLength(count.count + 1)
    const progress = pushed.filter((p) => p.event === 'export:progress').at(-1)?.payload
    expect(progress).toMatchObject({ rows: count.count, done: true })
  })
})

describe('settings', () => {
  it('keeps the time zone and the default schedule in the archive', async () => {
    expect(await value('getSettings')).toEqual({ timeZone: 'local', defaultAutoSync: { enabled: true, intervalMinutes: 5 } })
    expect(await call('setSettings', { timeZone: 'Mars/Olympus' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const set = await value('setSettings', { timeZone: 'America/New_York' })
    expect(set.timeZone).toBe('America/New_York')
    // A second process over the same folder (the desktop app after browser mode) sees it.
    const other = new CoreRuntime({ dataDir: rig.dataDir, tokenStore: rig.tokens, version: 'x', transport: 'browser', autoSync: false })
    try {
      const otherHandlers = createContractHandlers(other, { runExport: () => Promise.reject(new Error('unused')) })
      expect(await dispatchCall(otherHandlers, 'settings:get', undefined)).toMatchObject({
        ok: true,
        value: { timeZone: 'America/New_York' }
      })
    } finally {
      await other.close()
    }
  })
})

describe('no result ever contains a token', () => {
  it('walks every method after setting a known token', async () => {
    expect((await value('setToken', { name: 'hub', token: rig.secret })).storage).toMatch(/keychain|session/)
    const { rows } = await value('queryEvents', { query: {}, limit: 5 })
    const id = rows[0]!.id
    const image = (await value('queryEvents', { query: { activity: { any: ['push'] } }, limit: 5 })).rows[0]!
    const inputs: { [M in MethodName]: unknown } = {
      listAccounts: undefined,
      addAccount: { ...rig.accountInput('hub2') },
      updateAccount: { name: 'hub2', token: rig.secret, url: rig.sim.url },
      removeAccount: { name: 'hub2' },
      testConnection: { name: 'hub' },
      setToken: { name: 'hub', token: rig.secret },
      tokenStatus: { name: 'hub' },
      startSync: { names: ['hub'] },
      cancelSync: {},
      syncStatus: undefined,
      queryEvents: { query: {}, limit: 50 },
      countEvents: { query: {} },
      facets: { query: {} },
      getEvent: { id },
      relatedEvents: { id },
      histogram: { query: {} },
      runExport: { query: {}, timeZone: 'UTC' },
      getSettings: undefined,
      setSettings: { timeZone: 'UTC' },
      appInfo: undefined,
      openDemo: undefined,
      closeDemo: undefined,
      digestLineage: { digest: image.digest },
      tagHistory: { repository: image.repository },
      tagState: { repository: image.repository },
      tagDiff: { repository: image.repository, from: 0 },
      explainDeletion: { repository: image.repository, tag: image.tag },
      verifyArchive: undefined,
      checkArchive: undefined,
      exportEvidence: { query: {}, timeZone: 'UTC' },
      coverage: undefined,
      previewPrune: { account: 'hub', olderThanDays: 36_500 },
      pruneEvents: { account: 'hub', before: 0 },
      listSavedQueries: undefined,
      saveQuery: { name: 'walk', query: 'verb:DELETE' },
      deleteSavedQuery: { name: 'walk' },
      listRecentQueries: undefined,
      recordRecentQuery: { query: 'actor:alice' },
      listCases: undefined,
      createCase: { name: 'walk' },
      getCase: { name: 'walk' },
      pinEvent: { name: 'walk', eventId: id, note: 'walked' },
      unpinEvent: { name: 'walk', eventId: id },
      deleteCase: { name: 'walk' },
      importFile: { account: 'hub', upload: UPLOAD_TICKET }
    }
    const order: MethodName[] = [...METHOD_NAMES.filter((m) => m !== 'removeAccount' && m !== 'openDemo' && m !== 'closeDemo'), 'removeAccount']
    const walked = new Set<MethodName>()
    for (const method of order) {
      const result = await call(method, inputs[method])
      expect(result.ok, `${method}: ${JSON.stringify(result)}`).toBe(true)
      expect(JSON.stringify(result), method).not.toContain(rig.secret)
      if (method === 'runExport' && result.ok) {
        const file = (result.value as ContractResult<'runExport'>)
        if (file.kind === 'file') expect(readFileSync(file.path, 'utf8')).not.toContain(rig.secret)
      }
      walked.add(method)
    }
    // The demo switch is walked in its own test; the rest must all have been called here.
    expect([...walked].sort()).toEqual(METHOD_NAMES.filter((m) => m !== 'openDemo' && m !== 'closeDemo').sort())
    // The walk's sync was cancelled; its last events are in once it has ended.
    await rig.runtime.syncs.stop('hub')
    expect(JSON.stringify(pushed)).not.toContain(rig.secret)
    // Nor the archive file itself.
    expect(readFileSync(rig.runtime.service.archiveFile).includes(rig.secret)).toBe(false)
  })
})

describe('the demo archive', () => {
  it('opens in its own folder, refuses changes and syncs, and closes back to the real archive', async () => {
    const realAccounts = (await value('listAccounts')).map((a: AccountView) => a.name)
    const info = await value('openDemo')
    expect(info).toMatchObject({ demo: true, transport: 'electron' })
    expect(info.archive).toBe(path.join(rig.dataDir, 'demo', 'archive.sqlite'))
    const demoAccounts = await value('listAccounts')
    expect(demoAccounts.map((a) => a.kind).sort()).toEqual(['dockerhub', 'harbor', 'ibm', 'msr', 'notary', 'quay'])
    const count = await value('countEvents', { query: {}, limit: 1_000_000 })
    const all = await value('countEvents', { query: { includePull: true } })
    expect(all.count).toBe(50_000)
    expect(count.count).toBeLessThan(all.count)
    expect(await call('addAccount', rig.accountInput('demo-extra'))).toMatchObject({ ok: false, error: { code: 'PERMISSION' } })
    expect(await call('startSync')).toMatchObject({ ok: false, error: { code: 'PERMISSION' } })

    const back = await value('closeDemo')
    expect(back.demo).toBe(false)
    expect((await value('listAccounts')).map((a) => a.name)).toEqual(realAccounts)
  }, 120_000)
})

describe('auto-sync', () => {
  it('syncs each account on its schedule without being asked, and leaves one that is off alone', async () => {
    // The scheduler's clock runs ten minutes ahead, so a new account's first run (due five
    // minutes after it was added) is due at once.
    const ahead = await startContractRig({ events: 120, runtime: { autoSync: true, now: () => Date.now() + 10 * 60_000 } })
    try {
      const auto = createContractHandlers(ahead.runtime, { runExport: () => Promise.reject(new Error('unused')) })
      const done = waitForPush(ahead.runtime.events, 'sync:progress', (p) => p.account === 'hub' && p.type === 'done')
      const quiet = await dispatchCall(auto, 'accounts:add', {
        ...ahead.accountInput('quiet'),
        autoSync: { enabled: false, intervalMinutes: 5 }
      })
      expect(quiet.ok).toBe(true)
      expect((await dispatchCall(auto, 'accounts:add', ahead.accountInput('hub'))).ok).toBe(true)
      await done
      const status = await dispatchCall(auto, 'sync:status', undefined)
      if (!status.ok) throw new Error(status.error.message)
      const states = status.value as ContractResult<'syncStatus'>
      const hub = states.find((s) => s.account === 'hub')!
      expect(hub).toMatchObject({ running: false, lastRun: { status: 'ok' } })
      // Next run: one interval after this one ended, on the scheduler's clock.
      expect(hub.nextRunAt! - (Date.now() + 10 * 60_000)).toBeGreaterThan(4 * 60_000)
      expect(states.find((s) => s.account === 'quiet')).toMatchObject({ running: false, lastRun: null, nextRunAt: null })
    } finally {
      await ahead.close()
    }
  })
})
