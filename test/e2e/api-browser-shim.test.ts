import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildSync } from 'esbuild'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RegistryAuditApi } from '../../src/shared/contract'
import { startBrowserServer, type BrowserServer } from '../../src/main/server/browser-server'
import { startContractRig, type ContractRig } from '../integration/fixtures/contract-rig'
import { launchChromium } from './support/browser'
import { REPO_ROOT } from './support/renderer-build'

/**
 * The browser-mode shim (src/renderer/src/api-browser-shim.ts) in Chromium, against the real
 * server and core: the shim alone, bundled into a bare page served under the server's CSP, so a
 * failure here points at the transport rather than at the UI.
 */

/** What the page's global scope holds, as the functions evaluated in it see it. */
interface Page_ {
  api: RegistryAuditApi
  progress: Array<{ type: string }>
  location: { hash: string }
  sessionStorage: { getItem(key: string): string | null }
}

let rig: ContractRig
let server: BrowserServer
let rendererDir: string
let browser: Browser
let context: BrowserContext
let page: Page

beforeAll(async () => {
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'registry-audit-shim-page-'))
  const bundle = buildSync({
    stdin: {
      contents: "import { createBrowserApi } from './src/renderer/src/api-browser-shim'\n;(globalThis as unknown as Page_).api = createBrowserApi()\n",
      resolveDir: REPO_ROOT,
      loader: 'ts'
    },
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'silent'
  })
  writeFileSync(path.join(rendererDir, 'app.js'), bundle.outputFiles[0]!.text)
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>shim</title><script type="module" src="/app.js"></script>')
  rig = await startContractRig({ events: 300, runtime: { transport: 'browser' } })
  server = await startBrowserServer({ runtime: rig.runtime, rendererDir })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await rig?.close()
  if (rendererDir !== undefined) rmSync(rendererDir, { recursive: true, force: true })
})

afterEach(async () => {
  await context?.close()
})

async function open(url: string): Promise<void> {
  context = await browser.newContext({ acceptDownloads: true })
  page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  await page.goto(url)
  await page.waitForFunction(() => (globalThis as unknown as Page_).api !== undefined)
  expect(problems.filter((text) => /Content Security Policy/i.test(text))).toEqual([])
}

describe('the browser shim', () => {
  it('moves the token out of the address, keeps the view state in the hash, and calls the API', async () => {
    await open(`${server.url}&q=verb%3ADELETE&t=7d`)
    expect(await page.evaluate(() => (globalThis as unknown as Page_).location.hash)).toBe('#q=verb%3ADELETE&t=7d')
    expect(await page.evaluate(() => (globalThis as unknown as Page_).sessionStorage.getItem('registry-audit-token'))).toBe(server.token)
    const info = await page.evaluate(() => (globalThis as unknown as Page_).api.appInfo())
    expect(info).toMatchObject({ ok: true, value: { transport: 'browser', demo: false } })
    // A reload keeps the session's token, though the address no longer has it.
    await page.reload()
    await page.waitForFunction(() => (globalThis as unknown as Page_).api !== undefined)
    expect(await page.evaluate(() => (globalThis as unknown as Page_).api.listAccounts())).toEqual({ ok: true, value: [] })
  })

  it('answers without a token with a PERMISSION error that says which address to open', async () => {
    await open(`http://127.0.0.1:${server.port}/`)
    const result = await page.evaluate(() => (globalThis as unknown as Page_).api.listAccounts())
    expect(result).toMatchObject({ ok: false, error: { code: 'PERMISSION', message: expect.stringContaining('#token=') } })
  })

  it('delivers pushed sync progress over server-sent events during a sync', async () => {
    await open(server.url)
    await page.evaluate(() => {
      const w = globalThis as unknown as Page_
      w.progress = []
      w.api.on('sync:progress', (p) => w.progress.push(p))
      w.api.on('events:changed', (p) => w.progress.push({ type: 'changed', ...p }))
    })
    const added = await page.evaluate((input) => (globalThis as unknown as Page_).api.addAccount(input), rig.accountInput('hub'))
    expect(added).toMatchObject({ ok: true, value: { name: 'hub' } })
    // The stream must be open before the sync starts, or its first events go nowhere.
    await expect.poll(() => server.eventStreams(), { timeout: 10_000 }).toBe(1)
    const started = await page.evaluate(() => (globalThis as unknown as Page_).api.startSync({ names: ['hub'] }))
    expect(started).toEqual({ ok: true, value: { started: ['hub'], alreadyRunning: [] } })
    await page.waitForFunction(() => (globalThis as unknown as Page_).progress.some((p) => p.type === 'done'), undefined, { timeout: 30_000 })
    await page.waitForFunction(() => (globalThis as unknown as Page_).progress.some((p) => p.type === 'changed'), undefined, { timeout: 30_000 })
    const types = (await page.evaluate(() => (globalThis as unknown as Page_).progress.map((p) => p.type)))
    expect(types).toContain('page')
  })

  it('downloads an export through the one-time URL', async () => {
    await open(server.url)
    const [download, result] = await Promise.all([
      page.waitForEvent('download'),
      page.evaluate(() => (globalThis as unknown as Page_).api.runExport({ query: {}, timeZone: 'UTC' }))
    ])
    expect(result).toMatchObject({ ok: true, value: { kind: 'download' } })
    if (!result.ok || result.value.kind !== 'download') throw new Error(JSON.stringify(result))
    expect(download.suggestedFilename()).toBe(result.value.filename)
    const file = await download.path()
    const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n')
    const count = await page.evaluate(() => (globalThis as unknown as Page_).api.countEvents({ query: {} }))
    expect(count.ok && lines.length).toBe(count.ok && count.value.count + 1)
  })
})
