import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  contract,
  METHOD_NAMES,
  type PushEventName,
  type PushEvents,
  type RegistryAuditApi
} from '../../src/shared/contract'
import { CoreWorkerClient } from '../../src/main/core-worker-client'
import { KEYCHAIN_SERVICE, TokenStore } from '../../src/main/core/secrets/token-store'
import { isRendererUrl, registerContractIpc } from '../../src/main/ipc'
import { createContractApi, type RendererIpc } from '../../src/preload/contract-api'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'

/**
 * The desktop app's path for a call, without the Electron runtime (not installed here): the
 * preload's API object → IPC → main's guard (ipc.ts) → the core worker thread (the real one,
 * over a real archive and the simulator) → back. Electron's ipcMain, ipcRenderer and the window
 * are replaced by the smallest stand-ins that route a call the way Electron does: that is the
 * only part not real; the Electron spec (test/e2e) runs the same app where a binary exists.
 */

const RENDERER_URL = 'file:///opt/registry-audit/resources/app/out/renderer/index.html'
const WORKER = new URL('./fixtures/core-worker-tsx.mjs', import.meta.url)

type Handler = (event: IpcMainInvokeEvent, input: unknown) => Promise<unknown>

/** What Electron's main side needs: handlers by channel, and a window whose frame sends. */
class IpcStandIn {
  readonly handlers = new Map<string, Handler>()
  readonly listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>()
  readonly webContents = {
    send: (channel: string, payload: unknown) => {
      for (const listener of this.listeners.get(channel) ?? []) listener({ sender: 'hidden' }, payload)
    }
  }
  readonly window = { isDestroyed: () => false, webContents: this.webContents } as unknown as BrowserWindow
  frame = { url: `${RENDERER_URL}#q=verb%3ADELETE`, parent: null as unknown }
  sender: unknown = this.webContents

  readonly ipcMain = {
    handle: (channel: string, handler: Handler) => {
      if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      this.handlers.set(channel, handler)
    },
    removeHandler: (channel: string) => this.handlers.delete(channel)
  } as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>

  /** The renderer side, as the preload's ipcRenderer would see it. */
  readonly renderer: RendererIpc = {
    invoke: async (channel, input) => {
      const handler = this.handlers.get(channel)
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`)
      // Electron structured-clones both ways.
      const event = { sender: this.sender, senderFrame: this.frame } as unknown as IpcMainInvokeEvent
      return structuredClone(await handler(event, structuredClone(input)))
    },
    on: (channel, listener) => {
      let set = this.listeners.get(channel)
      if (set === undefined) this.listeners.set(channel, (set = new Set()))
      set.add(listener)
    },
    removeListener: (channel, listener) => this.listeners.get(channel)?.delete(listener)
  }
}

let sim: DockerHubSim
let dataDir: string
let exportDir: string
let core: CoreWorkerClient
let ipc: IpcStandIn
let api: RegistryAuditApi
let unregister: () => void
let nextExportPath: string | undefined
const keychainService = `${KEYCHAIN_SERVICE}-test-${process.pid}-${randomUUID().slice(0, 8)}`
const secret = `dckr_pat_${randomUUID()}`

function nextPush<E extends PushEventName>(event: E, accept: (payload: PushEvents[E]) => boolean): Promise<PushEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event}`)), 30_000)
    const stop = api.on(event, (payload) => {
      if (!accept(payload)) return
      clearTimeout(timer)
      stop()
      resolve(payload)
    })
  })
}

beforeAll(async () => {
  sim = await startDockerHubSim({ events: 180, seed: 3, secret })
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-worker-'))
  exportDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-worker-export-'))
  core = new CoreWorkerClient(WORKER, { dataDir, version: '9.9.9', autoSync: false, keychainService })
  await core.ready
  ipc = new IpcStandIn()
  unregister = registerContractIpc({
    ipcMain: ipc.ipcMain,
    window: ipc.window,
    core,
    rendererUrl: RENDERER_URL,
    chooseExportPath: (suggested) => Promise.resolve(nextExportPath === undefined ? undefined : path.join(exportDir, nextExportPath || suggested))
  })
  api = createContractApi(ipc.renderer)
})

afterAll(async () => {
  unregister?.()
  await core?.close()
  try {
    new TokenStore({ service: keychainService }).delete('hub')
  } catch {
    // No keychain here.
  }
  await sim?.close()
  for (const dir of [dataDir, exportDir]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('the preload API', () => {
  it('has exactly the contract methods and on(), and main a handler for every channel', () => {
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES, 'on'].sort())
    expect([...ipc.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => contract[m].channel).sort())
    expect(Object.isFrozen(api)).toBe(true)
  })

  it('refuses to subscribe to anything but the pushed events', () => {
    expect(() => api.on('accounts:list' as PushEventName, () => {})).toThrow(/not an event/)
  })
})

describe('a call through the guard to the worker', () => {
  it('adds an account, syncs it with progress pushed to the window, and queries it', async () => {
    const added = await api.addAccount({
      name: 'hub',
      kind: 'dockerhub',
      url: sim.url,
      options: { org: sim.org, username: sim.identifier },
      token: secret
    })
    expect(added).toMatchObject({ ok: true, value: { name: 'hub', held: { count: 0 } } })
    expect(JSON.stringify(added)).not.toContain(secret)

    const pages: number[] = []
    const stop = api.on('sync:progress', (p) => {
      if (p.type === 'page') pages.push(p.pages)
    })
    const done = nextPush('sync:progress', (p) => p.type === 'done' || p.type === 'error')
    const changed = nextPush('events:changed', (p) => p.accounts.includes('hub'))
    expect(await api.startSync()).toEqual({ ok: true, value: { started: ['hub'], alreadyRunning: [] } })
    expect(await done).toMatchObject({ type: 'done', account: 'hub' })
    await changed
    stop()
    expect(pages.length).toBeGreaterThan(0)

    const page = await api.queryEvents({ query: {}, limit: 10 })
    expect(page.ok && page.value.rows).toHaveLength(10)
    const info = await api.appInfo()
    expect(info).toMatchObject({ ok: true, value: { version: '9.9.9', transport: 'electron', demo: false } })
  })

  it('validates input in main, before the worker sees it', async () => {
    const bad = await api.getEvent({ id: -1 })
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('id') } })
    const smuggled = await ipc.renderer.invoke('events:query', { query: { verb: { any: ['DROP'] } } })
    expect(smuggled).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
  })

  it('refuses calls from another web contents, a subframe or another page', async () => {
    const refused = { ok: false, error: { code: 'PERMISSION' } }
    ipc.sender = { other: true }
    expect(await api.listAccounts()).toMatchObject(refused)
    ipc.sender = ipc.webContents
    ipc.frame = { url: RENDERER_URL, parent: { url: RENDERER_URL } }
    expect(await api.listAccounts()).toMatchObject(refused)
    ipc.frame = { url: 'https://evil.example/index.html', parent: null }
    expect(await api.listAccounts()).toMatchObject(refused)
    ipc.frame = { url: RENDERER_URL, parent: null }
    expect(await api.listAccounts()).toMatchObject({ ok: true })
  })

  it('exports to the file the save dialog chose, and reports a closed dialog as cancelled', async () => {
    nextExportPath = undefined
    expect(await api.runExport({ query: {}, timeZone: 'UTC' })).toEqual({ ok: true, value: { kind: 'cancelled' } })

    nextExportPath = 'chosen.csv'
    const progress = nextPush('export:progress', (p) => p.done)
    const result = await api.runExport({ query: {}, sort: { key: 'actor', dir: 'asc' }, timeZone: 'UTC' })
    if (!result.ok || result.value.kind !== 'file') throw new Error(JSON.stringify(result))
    expect(result.value.path).toBe(path.join(exportDir, 'chosen.csv'))
    const count = await api.countEvents({ query: {} })
    expect(count.ok && result.value.rows).toBe(count.ok && count.value.count)
    expect(readFileSync(result.value.path, 'utf8').trimEnd().split('\r\n')).toHaveLength(result.value.rows + 1)
    expect(await progress).toMatchObject({ rows: result.value.rows, done: true })

    nextExportPath = path.join('no-such-folder', 'x.csv')
    const failed = await api.runExport({ query: {}, timeZone: 'UTC' })
    expect(failed).toMatchObject({ ok: false, error: { code: 'IO' } })
    expect(existsSync(path.join(exportDir, 'no-such-folder'))).toBe(false)
  })
})

describe('isRendererUrl', () => {
  it('accepts our file (any hash) or our dev server origin, nothing else', () => {
    expect(isRendererUrl(`${RENDERER_URL}#t=7d`, RENDERER_URL)).toBe(true)
    expect(isRendererUrl('file:///tmp/evil/index.html', RENDERER_URL)).toBe(false)
    expect(isRendererUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true)
    expect(isRendererUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false)
    expect(isRendererUrl('not a url', RENDERER_URL)).toBe(false)
    expect(isRendererUrl('data:text/html,hi', 'http://localhost:5173')).toBe(false)
  })
})

describe('a worker that has stopped', () => {
  it('answers every call with an error value instead of hanging', async () => {
    const doomed = new CoreWorkerClient(WORKER, { dataDir, version: 'x', autoSync: false, keychainService })
    await doomed.ready
    await doomed.close()
    expect(await doomed.call('accounts:list', undefined)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
  })
})
