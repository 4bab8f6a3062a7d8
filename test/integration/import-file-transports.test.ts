import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contract, type ContractResult, type RegistryAuditApi, type UploadTicket } from '../../src/shared/contract'
import type { Result } from '../../src/shared/errors'
import { CoreWorkerClient } from '../../src/main/core-worker-client'
import { KEYCHAIN_SERVICE, TokenStore } from '../../src/main/core/secrets/token-store'
import { registerContractIpc } from '../../src/main/ipc'
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browser-server'
import { ImportUploads, safeUploadName } from '../../src/main/server/import-uploads'
import { createContractApi, type RendererIpc } from '../../src/preload/contract-api'
import { startContractRig, type ContractRig } from './fixtures/contract-rig'

/**
 * import:file over both transports, against the real core: browser mode uploads the file
 * (`POST /api/upload`, streamed to a private temporary file) and redeems the ticket once; the
 * desktop app's main process asks with an open dialog (a stand-in here: Electron is not
 * installed) and hands only the chosen path to the real worker thread.
 */

let rig: ContractRig
let server: BrowserServer
let dir: string
let exportFile: string

function upload(body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}/api/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream', 'x-file-name': 'hub-export.ndjson', ...headers },
    body
  })
}

async function call<M extends 'importFile' | 'addAccount' | 'countEvents'>(method: M, input: unknown): Promise<Result<ContractResult<M>>> {
  const response = await fetch(`http://127.0.0.1:${server.port}/api/${contract[method].channel}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input)
  })
  return (await response.json()) as Result<ContractResult<M>>
}

function uploadDirs(): string[] {
  return readdirSync(os.tmpdir()).filter((name) => name.startsWith('registry-audit-upload-'))
}

beforeAll(async () => {
  rig = await startContractRig({ events: 40, runtime: { transport: 'browser' } })
  dir = mkdtempSync(path.join(os.tmpdir(), 'import-transports-'))
  const rendererDir = path.join(dir, 'renderer')
  mkdirSync(rendererDir)
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>stand-in</title>')
  server = await startBrowserServer({ runtime: rig.runtime, rendererDir })
  // Docker Hub's audit log records, as its API (and an export of it) gives them: one a line.
  exportFile = path.join(dir, 'hub-export.ndjson')
  writeFileSync(exportFile, `${rig.sim.events.slice(0, 6).map((record) => JSON.stringify(record)).join('\n')}\nnot json\n`)
  const added = await call('addAccount', { ...rig.accountInput('hub'), autoSync: { enabled: false, intervalMinutes: 60 } })
  expect(added.ok).toBe(true)
})

afterAll(async () => {
  await server?.close()
  await rig?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('import:file in browser mode', () => {
  it('refuses uploads without the token, of another content type, or empty', async () => {
    const anonymous = await fetch(`http://127.0.0.1:${server.port}/api/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'x'
    })
    expect(anonymous.status).toBe(401)
    expect((await upload('{}', { 'content-type': 'application/json' })).status).toBe(415)
    const empty = (await (await upload('')).json()) as Result<UploadTicket>
    expect(empty).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
  })

  it('imports an uploaded file once, reports every row, and deletes the temporary copy', async () => {
    const before = new Set(uploadDirs())
    const answer = (await (await upload(await import('node:fs/promises').then((fs) => fs.readFile(exportFile)))).json()) as Result<UploadTicket>
    if (!answer.ok) throw new Error(answer.error.message)
    expect(answer.value.bytes).toBeGreaterThan(0)
    const waiting = uploadDirs().filter((name) => !before.has(name))
    expect(waiting).toHaveLength(1)
    expect(readdirSync(path.join(os.tmpdir(), waiting[0]!))).toEqual(['hub-export.ndjson'])

    const result = await call('importFile', { account: 'hub', upload: answer.value.upload })
    if (!result.ok) throw new Error(result.error.message)
    expect(result.value.kind).toBe('imported')
    if (result.value.kind !== 'imported') return
    expect(result.value.report).toMatchObject({ account: 'hub', format: 'ndjson', rows: 7, imported: 6, duplicates: 0, rejected: 1 })
    expect(result.value.report.rejections.map((rejection) => rejection.line)).toEqual([7])
    expect(path.basename(result.value.report.file)).toBe('hub-export.ndjson')
    expect(existsSync(path.join(os.tmpdir(), waiting[0]!))).toBe(false)
    const count = await call('countEvents', { query: { includePull: true } })
    expect(count.ok && count.value.count).toBe(6)

    // The ticket was used up; a call without one is refused, and so is one for an unknown account.
    expect(await call('importFile', { account: 'hub', upload: answer.value.upload })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(await call('importFile', { account: 'hub' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const again = (await (await upload('{"x":1}\n')).json()) as Result<UploadTicket>
    if (!again.ok) throw new Error(again.error.message)
    expect(await call('importFile', { account: 'nobody', upload: again.value.upload })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(uploadDirs().filter((name) => !before.has(name))).toEqual([])
  })
})

describe('the upload store', () => {
  it('makes a safe file name of whatever the page sends', () => {
    expect(safeUploadName(encodeURIComponent('audit log (May).ndjson'))).toBe('audit log _May_.ndjson')
    expect(safeUploadName('../../etc/passwd')).toBe('passwd')
    expect(safeUploadName('..')).toBe('upload')
    expect(safeUploadName(undefined)).toBe('upload')
    expect(safeUploadName('%E0%A4%A')).toBe('_E0_A4_A')
  })

  it('refuses a file over its limit without keeping any of it, and deletes what waits when closed', async () => {
    const small = new ImportUploads(16)
    const { Readable } = await import('node:stream')
    const request = (text: string) =>
      Object.assign(Readable.from([Buffer.from(text)]), { headers: { 'x-file-name': 'f.json' } }) as unknown as import('node:http').IncomingMessage
    const before = new Set(uploadDirs())
    await expect(small.receive(request('x'.repeat(17)))).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    expect(uploadDirs().filter((name) => !before.has(name))).toEqual([])
    const ticket = await small.receive(request('{"a":1}'))
    expect(small.size).toBe(1)
    small.close()
    expect(small.size).toBe(0)
    expect(small.redeem(ticket.upload)).toBeUndefined()
    expect(uploadDirs().filter((name) => !before.has(name))).toEqual([])
  })
})

// -------------------------------------------------------------------------------------------
// The desktop app: main's open dialog, then the worker

const RENDERER_URL = 'file:///opt/registry-audit/resources/app/out/renderer/index.html'
const WORKER = new URL('./fixtures/core-worker-tsx.mjs', import.meta.url)

describe('import:file in the desktop app', () => {
  let core: CoreWorkerClient
  let api: RegistryAuditApi
  let unregister: () => void
  let dataDir: string
  let chosen: string | undefined
  const keychainService = `${KEYCHAIN_SERVICE}-test-${process.pid}-${randomUUID().slice(0, 8)}`

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'import-transports-worker-'))
    core = new CoreWorkerClient(WORKER, { dataDir, version: '9.9.9', autoSync: false, keychainService })
    await core.ready
    const handlers = new Map<string, (event: IpcMainInvokeEvent, input: unknown) => Promise<unknown>>()
    const webContents = { send: () => {} }
    const window = { isDestroyed: () => false, webContents } as unknown as BrowserWindow
    const ipcMain = {
      handle: (channel: string, handler: (event: IpcMainInvokeEvent, input: unknown) => Promise<unknown>) => handlers.set(channel, handler),
      removeHandler: (channel: string) => handlers.delete(channel)
    } as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>
    unregister = registerContractIpc({
      ipcMain,
      window,
      core,
      rendererUrl: RENDERER_URL,
      chooseExportPath: () => Promise.resolve(undefined),
      chooseImportPath: () => Promise.resolve(chosen)
    })
    const renderer: RendererIpc = {
      invoke: async (channel, input) => {
        const event = { sender: webContents, senderFrame: { url: RENDERER_URL, parent: null } } as unknown as IpcMainInvokeEvent
        return structuredClone(await handlers.get(channel)!(event, structuredClone(input)))
      },
      on: () => {},
      removeListener: () => {}
    }
    api = createContractApi(renderer)
    const added = await api.addAccount({ ...rig.accountInput('hub'), autoSync: { enabled: false, intervalMinutes: 60 } })
    expect(added.ok).toBe(true)
  })

  afterAll(async () => {
    unregister?.()
    await core?.close()
    try {
      new TokenStore({ service: keychainService }).delete('hub')
    } catch {
      // No keychain here.
    }
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  it('imports the file the open dialog chose, and reports a closed dialog as cancelled', async () => {
    chosen = undefined
    expect(await api.importFile({ account: 'hub' })).toEqual({ ok: true, value: { kind: 'cancelled' } })
    chosen = exportFile
    const result = await api.importFile({ account: 'hub', format: 'ndjson' })
    expect(result).toMatchObject({ ok: true, value: { kind: 'imported', report: { imported: 6, rejected: 1, file: exportFile } } })
    const again = await api.importFile({ account: 'hub' })
    expect(again).toMatchObject({ ok: true, value: { kind: 'imported', report: { imported: 0, duplicates: 6 } } })
    chosen = path.join(dir, 'no-such-file.json')
    expect(await api.importFile({ account: 'hub' })).toMatchObject({ ok: false })
  })
})
