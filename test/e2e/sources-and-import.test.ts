import fs from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMsrSim, type MsrSim } from '../sim/msr'
import { ADMIN_ONLY_CATEGORIES, categoryOf, generateMsrEvents } from '../sim/msr-events'
import { AppPage } from './page-models/app-page'
import { launchChromium } from './support/browser'
import { ensureRendererBuilt } from './support/renderer-build'
import { startServe, type ServeProcess } from './support/serve'

/**
 * The other source kinds in the account dialog (issues 4 and 8), and a file import through the
 * browser: an MSR account is added through the dialog against the MSR simulator with a user who
 * is not an admin, so the connection test and the sync both say pull and mirror events will be
 * missing; then an export file with new rows, a row the sync already stored and two bad lines is
 * imported and the report names each.
 */

// Names unique to this file: tokens go to the keychain, which the e2e files share.
const MSR = 'e2e-msr-dev'
const MISSING = 'pull and mirror events will be missing'

let dir: string
let msr: MsrSim
let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
let app: AppPage

beforeAll(async () => {
  await ensureRendererBuilt()
  dir = fs.mkdtempSync(path.join(tmpdir(), 'e2e-sources-'))
  msr = await startMsrSim({ events: 60, seed: 41 })
  serve = await startServe({ dataDir: path.join(dir, 'data') })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  page = await context.newPage()
  app = new AppPage(page)
  await app.open(serve.url)
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await serve?.stop()
  await msr?.close()
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
})

describe('other source kinds and file import in the browser', () => {
  it('offers every kind, each with its own fields and its schema’s messages', async () => {
    await app.emptyState().waitFor()
    await page.getByTestId('empty-add-account').click()
    const dialog = app.accountDialog
    await dialog.root.waitFor()
    const kinds = await dialog.root.getByTestId('account-kind').locator('option').evaluateAll((options) =>
      options.map((option) => option.getAttribute('value'))
    )
    expect(kinds).toEqual(['dockerhub', 'msr', 'notary', 'ibm', 'harbor', 'quay'])

    // IBM: a registry domain shows where its events were delivered; a GUID becomes the endpoint there.
    await dialog.root.getByTestId('account-kind').selectOption('ibm')
    await dialog.option('region').fill('au.icr.io')
    expect(await dialog.describe('region').textContent()).toContain('Activity Tracker delivered its events to Tokyo (jp-tok)')
    await dialog.root.getByTestId('account-url').fill('0b5f2c3e-1d4a-4c6b-9e8f-7a6b5c4d3e2f')
    expect(await dialog.describe('url').textContent()).toBe('Endpoint: https://0b5f2c3e-1d4a-4c6b-9e8f-7a6b5c4d3e2f.api.jp-tok.logs.cloud.ibm.com')
    await dialog.option('iamUrl').fill('ftp://iam.example.com')
    await dialog.root.getByTestId('test-connection').click()
    expect(await dialog.fieldError('iamUrl').textContent()).toContain('must be an https:// URL')

    // Notary: the username appears with the token mode, and a bad GUN is named by its line.
    await dialog.root.getByTestId('account-kind').selectOption('notary')
    expect(await dialog.option('username').count()).toBe(0)
    await dialog.option('authMode').selectOption('token')
    await dialog.option('username').waitFor()
    await dialog.option('repositories').fill('registry.example.com/team/app\nbad gun/with space')
    await dialog.root.getByTestId('test-connection').click()
    expect(await dialog.fieldError('repositories').textContent()).toBe('Line 2: a GUN has no spaces, "*", "?", "#" or "\\"')
    expect(await dialog.fieldError('username').textContent()).toBe('Required')

    // Quay starts at quay.io; Harbor asks for a user or robot.
    await dialog.root.getByTestId('account-kind').selectOption('quay')
    expect(await dialog.root.getByTestId('account-url').inputValue()).toBe('https://quay.io')
    await dialog.root.getByTestId('account-kind').selectOption('harbor')
    expect(await dialog.option('username').count()).toBe(1)
    expect(await dialog.option('caFile').count()).toBe(1)
    await page.keyboard.press('Escape')
    await dialog.root.waitFor({ state: 'detached' })
  })

  it('adds an MSR account as a user who is not an admin: the test and the sync say what will be missing', async () => {
    await page.getByTestId('empty-add-account').click()
    const dialog = app.accountDialog
    await dialog.fillAccount({
      kind: 'msr',
      name: MSR,
      url: msr.url,
      token: msr.nonAdmin.secret,
      options: { username: msr.nonAdmin.username, withTrust: false }
    })
    const test = await dialog.testConnection()
    expect(await test.getAttribute('class')).toContain('ok')
    expect(await dialog.testWarnings().allTextContents()).toEqual([`${MISSING}: ${msr.nonAdmin.username} is not an admin`])
    await test.scrollIntoViewIfNeeded()
    await app.screenshot('account-msr-warning')
    await dialog.save()

    await app.syncPanel.open()
    await app.syncPanel.waitIdle(MSR)
    const card = app.syncPanel.card(MSR)
    await expect.poll(() => card.getByTestId('sync-last').textContent(), { timeout: 30_000 }).toMatch(/new/)
    await card.getByTestId('sync-warning').filter({ hasText: `${MISSING}: ${msr.nonAdmin.username} is not an admin` }).waitFor({ timeout: 5000 })
    // What the warning says is true: the archive holds exactly the events a non-admin sees.
    const visible = msr.visibleTo(msr.nonAdmin.username)
    expect(visible.length).toBeLessThan(msr.events.length)
    const held = await serve.apiValue('countEvents', { query: { account: { any: [MSR] }, includePull: true } })
    expect(held.count).toBe(visible.length)
    await app.screenshot('sync-panel-warning')
  })

  it('imports an export file and reports imported rows, duplicates and rejects with their lines', async () => {
    // New events (none an admin-only kind, as a non-admin's own export would hold), one the sync
    // already stored, a line that is not JSON and a record that is not an MSR event.
    const fresh = generateMsrEvents(40, 97, { endTime: Date.parse('2025-04-01T00:00:00Z') })
      .filter((event) => !ADMIN_ONLY_CATEGORIES.has(categoryOf(event)))
      .slice(0, 5)
    const already = msr.visibleTo(msr.nonAdmin.username)[0]!
    const lines = [
      JSON.stringify(fresh[0]),
      JSON.stringify(fresh[1]),
      '{"id": "broken", "publishedAt": ',
      JSON.stringify(already),
      JSON.stringify(fresh[2]),
      JSON.stringify({ hello: 'not an MSR event' }),
      JSON.stringify(fresh[3]),
      JSON.stringify(fresh[4])
    ]
    const file = path.join(dir, 'msr-export.ndjson')
    fs.writeFileSync(file, `${lines.join('\n')}\n`)
    const before = (await serve.apiValue('countEvents', { query: { account: { any: [MSR] }, includePull: true } })).count

    await app.syncPanel.open()
    await app.syncPanel.card(MSR).getByTestId('import-open').click()
    const dialog = app.importDialog
    await dialog.root.waitFor()
    expect(await dialog.root.getByTestId('import-account').inputValue()).toBe(MSR)
    const status = await dialog.importFile(file)
    expect(await status.getAttribute('data-phase')).toBe('done')
    expect(await dialog.value('rows').textContent()).toBe('8')
    expect(await dialog.value('imported').textContent()).toBe('5')
    expect(await dialog.value('duplicates').textContent()).toBe('1')
    expect(await dialog.value('rejected').textContent()).toBe('2')
    const rejections = await dialog.rejections()
    expect(rejections.map((rejection) => rejection.line)).toEqual([3, 6])
    expect(rejections.every((rejection) => rejection.reason.trim() !== '')).toBe(true)
    expect(await dialog.root.getByTestId('import-summary').textContent()).toBe('Imported 5 events · 1 already held · 2 rejected')
    expect(await dialog.root.getByTestId('import-file').textContent()).toBe('msr-export.ndjson')
    await app.screenshot('import-report')

    const after = (await serve.apiValue('countEvents', { query: { account: { any: [MSR] }, includePull: true } })).count
    expect(after - before).toBe(5)
    // The table picks the new rows up (events:changed), and importing the same file again adds nothing.
    await expect.poll(() => app.grid.resultCount(), { timeout: 15_000 }).toBe(
      (await serve.apiValue('countEvents', { query: {} })).count
    )
    await dialog.importFile(file)
    expect(await dialog.value('imported').textContent()).toBe('0')
    expect(await dialog.value('duplicates').textContent()).toBe('6')
    expect((await serve.apiValue('countEvents', { query: { account: { any: [MSR] }, includePull: true } })).count).toBe(after)
    // The uploaded copies are gone from the server's temporary folder.
    const leftovers = fs.readdirSync(tmpdir()).filter((name) => name.startsWith('registry-audit-upload-'))
    for (const name of leftovers) expect(fs.readdirSync(path.join(tmpdir(), name))).not.toContain('msr-export.ndjson')
    await page.keyboard.press('Escape')
  })
})
