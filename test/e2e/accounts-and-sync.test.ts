import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envVarName } from '../../src/main/core/secrets/token-store'
import { INTERRUPTED_RUN_MESSAGE } from '../../src/shared/sync'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { AppPage } from './page-models/app-page'
import { launchChromium } from './support/browser'
import { ensureRendererBuilt, REPO_ROOT } from './support/renderer-build'
import { startServe, type ServeProcess } from './support/serve'

/**
 * Accounts and sync against simulated Docker Hub organisations: the first run from an empty data
 * folder, a sync with its progress, a rejected token, switching accounts, and the demo archive.
 * The tests run in order and build on each other, as a user's first session would.
 */

// Names unique to this file: tokens go to the keychain, which the e2e files share.
const ACME = 'e2e-acme-hub'
const GLOBEX = 'e2e-globex-hub'

let dataDir: string
let acme: DockerHubSim
let globex: DockerHubSim
let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
let app: AppPage

beforeAll(async () => {
  await ensureRendererBuilt()
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-accounts-'))
  acme = await startDockerHubSim({ org: 'acme', identifier: 'acme-admin', secret: 'dckr_pat_ACME', events: 900, seed: 11 })
  globex = await startDockerHubSim({ org: 'globex', identifier: 'globex-admin', secret: 'dckr_pat_GLOBEX', events: 140, seed: 12 })
  serve = await startServe({ dataDir })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  page = await context.newPage()
  app = new AppPage(page)
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await serve?.stop()
  await acme?.close()
  await globex?.close()
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('accounts and sync in the browser', () => {
  it('starts with an empty state that offers to add an account or open the demo', async () => {
    await app.open(serve.url)
    await app.emptyState().waitFor()
    expect(await page.getByTestId('empty-add-account').textContent()).toBe('Add account')
    expect(await page.getByTestId('open-demo').textContent()).toBe('Open demo archive')
    await app.screenshot('empty-state')
  })

  it('adds a Docker Hub account, tests the connection, and syncs it with progress', async () => {
    await page.getByTestId('empty-add-account').click()
    const dialog = app.accountDialog
    await dialog.fill({ name: ACME, org: 'acme', username: acme.identifier, url: acme.url, token: acme.secret })
    const test = await dialog.testConnection()
    expect(await test.getAttribute('class')).toContain('ok')
    // The fifth page answers slowly, so the run is still going while the test looks at it.
    acme.inject({ kind: 'slow', delayMs: 5000 }, { page: 5 })
    await dialog.save()

    // A new account syncs at once; the panel shows the run's pages as they arrive, and the
    // table fills while it runs.
    await app.syncPanel.open()
    const card = app.syncPanel.card(ACME)
    await card.getByTestId('sync-progress-text').filter({ hasText: /Page 4 · 400 new/ }).waitFor()
    expect(await card.getAttribute('data-running')).toBe('true')
    await expect.poll(() => app.grid.rows.count(), { timeout: 4000 }).toBeGreaterThan(0)
    await app.screenshot('sync-in-progress')
    await app.syncPanel.waitIdle(ACME)
    // The card can go idle a moment before the finished run's record replaces the running one.
    await expect.poll(() => card.getByTestId('sync-last').textContent(), { timeout: 30_000 }).toMatch(/just now · 900 new/)
    await expect.poll(() => card.getByTestId('sync-held').textContent(), { timeout: 30_000 }).toContain('900 events')

    // The table shows what the archive now holds, counted as the API counts it.
    await app.grid.waitReady()
    const all = await serve.apiValue('countEvents', { query: { includePull: true } })
    expect(all.count).toBe(acme.events.length)
    const shown = await serve.apiValue('countEvents', { query: {} })
    await expect.poll(() => app.grid.resultCount(), { timeout: 15_000 }).toBe(shown.count)
    expect(await app.grid.rows.count()).toBeGreaterThan(10)

    // The token is write-only: the form never shows it, only where it is kept.
    await app.syncPanel.card(ACME).getByTestId('edit-account').click()
    await dialog.root.waitFor()
    expect(await dialog.tokenInput().inputValue()).toBe('')
    expect(await dialog.tokenStatus().textContent()).toMatch(/^(Stored in keychain|Session only)/)
    expect(await page.content()).not.toContain(acme.secret)
    await page.keyboard.press('Escape')
    await dialog.root.waitFor({ state: 'detached' })
  })

  it('explains a rejected token in plain words, with the fix', async () => {
    await page.getByTestId('add-account').click()
    const dialog = app.accountDialog
    await dialog.fill({ name: GLOBEX, org: 'globex', username: globex.identifier, url: globex.url, token: 'dckr_pat_WRONG' })
    const test = await dialog.testConnection()
    expect(await test.textContent()).toContain('Token rejected — update the token in the account settings.')
    await dialog.save()

    await app.syncPanel.open()
    const card = app.syncPanel.card(GLOBEX)
    const error = card.getByTestId('sync-error')
    await error.waitFor({ timeout: 30_000 })
    expect(await error.textContent()).toContain('Token rejected — Update the token in the account settings.')
    expect(await error.textContent()).not.toContain('dckr_pat_WRONG')
    await expect.poll(() => app.notifications().filter({ hasText: `Sync of ${GLOBEX} failed` }).count()).toBe(1)

    // The fix is one click away: the account settings, where a new token replaces the old one.
    await error.getByTestId('sync-error-fix').click()
    await dialog.root.waitFor()
    await dialog.tokenInput().fill(globex.secret)
    await dialog.save()
    await app.syncPanel.syncNow(GLOBEX)
    await card.getByTestId('sync-error').waitFor({ state: 'detached', timeout: 30_000 })
    await app.syncPanel.waitIdle(GLOBEX)
    // The panel may report idle a moment before the finished run replaces the failed one.
    await expect.poll(() => card.getByTestId('sync-last').textContent(), { timeout: 30_000 }).toMatch(/140 new/)
  })

  it('switches between one account and all of them', async () => {
    await page.keyboard.press('Escape')
    await app.switchAccount(GLOBEX)
    const globexCount = (await serve.apiValue('countEvents', { query: { account: { any: [GLOBEX] } } })).count
    await expect.poll(() => app.grid.resultCount()).toBe(globexCount)
    expect(new Set(await app.grid.columnTexts('account', 40))).toEqual(new Set([GLOBEX]))
    await app.switchAccount(ACME)
    expect(new Set(await app.grid.columnTexts('account', 40))).toEqual(new Set([ACME]))
    await app.switchAccount(null)
    const total = (await serve.apiValue('countEvents', { query: {} })).count
    await expect.poll(() => app.grid.resultCount()).toBe(total)
  })

  it('opens the demo archive, clearly marked, and closes it again', async () => {
    const palette = await app.openPalette()
    await palette.getByTestId('palette-input').fill('demo')
    await page.keyboard.press('Enter')
    await page.getByTestId('demo-badge').waitFor({ timeout: 60_000 })
    await page.getByTestId('demo-banner').waitFor()
    await app.grid.waitReady()
    await expect.poll(() => app.grid.resultCount(), { timeout: 20_000 }).toBeGreaterThan(10_000)
    // The switcher's list is read again after the switch, apart from the grid: wait for it.
    await expect.poll(() => app.accountSwitcher.locator('option').allTextContents()).not.toContain(ACME)

    await page.getByTestId('demo-banner').getByRole('button', { name: 'Close the demo' }).click()
    await page.getByTestId('demo-badge').waitFor({ state: 'detached' })
    await expect.poll(() => app.accountSwitcher.locator('option').allTextContents()).toContain(ACME)
  })

  it('tells a sync the CLI is running from one whose process was killed', async () => {
    // The CLI's run stops on its first page: it holds the account's sync lock, its run is open.
    acme.inject({ kind: 'slow', delayMs: 10 * 60_000 }, { page: 1, times: Infinity })
    const asked = (): number => acme.requests.filter((request) => request.route === 'auditlogs').length
    const before = asked()
    const cli = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'registry-audit.js'), '--data-dir', dataDir, 'sync', ACME], {
      cwd: REPO_ROOT,
      env: { ...process.env, [envVarName(ACME)]: acme.secret },
      stdio: 'ignore'
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => cli.once('exit', (_code, signal) => resolve(signal)))
    const second = await context.newPage()
    try {
      await expect.poll(asked, { timeout: 60_000 }).toBeGreaterThan(before)
      // Nothing crosses processes by itself: a window opened now reads the state.
      const other = new AppPage(second)
      await other.open(serve.url)
      await other.syncPanel.open()
      const last = other.syncPanel.card(ACME).getByTestId('sync-last')
      await expect.poll(() => last.textContent(), { timeout: 30_000 }).toBe(`just now · running in another process (pid ${cli.pid})`)

      // Killed, it leaves its run open; the open panel asks again and calls it interrupted.
      cli.kill('SIGKILL')
      expect(await exited).toBe('SIGKILL')
      await expect.poll(() => last.textContent(), { timeout: 30_000 }).toBe(`just now · ${INTERRUPTED_RUN_MESSAGE}`)
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL')
      acme.clearFaults()
      await second.close()
    }
  })
})
