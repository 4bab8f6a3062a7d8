import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archivePath } from '../../src/main/core/paths'
import type { AuditEvent } from '../../src/shared/event'
import type { EventQuery } from '../../src/shared/query'
import { D1, D2, D3, hubRecords, msrRecords, T } from '../integration/fixtures/investigation-archive'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { startMsrSim, type MsrSim } from '../sim/msr'
import { AppPage } from './page-models/app-page'
import { launchChromium } from './support/browser'
import { ensureRendererBuilt } from './support/renderer-build'
import { startServe, type ServeProcess } from './support/serve'

/**
 * The investigation features (issue 7) in the browser, against a mixed archive synced through the
 * real Docker Hub and MSR connectors from their simulators, each serving the scripted incident of
 * test/integration/fixtures/investigation-archive.ts: digest lineage, tag history at a moment and
 * between two, the deletion explainer, the integrity badge (intact, then broken where a record was
 * altered), evidence export, saved and recent queries, a case with a pinned note, coverage, and
 * local retention with its confirmation. The tests run in order and build on each other.
 */

// Names unique to this file: tokens go to the keychain, which the e2e files share.
const HUB = 'e2e-inv-hub'
const MSR = 'e2e-inv-msr'

let dir: string
let dataDir: string
let hubSim: DockerHubSim
let msrSim: MsrSim
let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
let app: AppPage

async function events(query: EventQuery): Promise<AuditEvent[]> {
  const page = await serve.apiValue('queryEvents', { query: { includePull: true, ...query }, sort: { key: 'occurred_at', dir: 'asc' }, limit: 500 })
  return page.rows
}

/** Syncs the accounts and waits for their runs to end well (readiness, not a sleep; beforeAll has no expect.poll). */
async function waitForSync(names: string[]): Promise<void> {
  await serve.apiValue('startSync', { names })
  const deadline = Date.now() + 60_000
  for (;;) {
    const states = await serve.apiValue('syncStatus')
    const done = names.map((name) => states.find((candidate) => candidate.account === name)).filter((state) => state !== undefined && !state.running && state.lastRun !== null)
    if (done.length === names.length) {
      const failed = done.filter((state) => state?.lastRun?.status !== 'ok')
      if (failed.length > 0) throw new Error(`sync failed: ${JSON.stringify(failed.map((state) => state?.lastRun))}`)
      return
    }
    if (Date.now() > deadline) throw new Error(`the syncs of ${names.join(', ')} did not end within 60 s`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

beforeAll(async () => {
  await ensureRendererBuilt()
  dir = fs.mkdtempSync(path.join(tmpdir(), 'e2e-investigation-'))
  dataDir = path.join(dir, 'data')
  hubSim = await startDockerHubSim({ records: hubRecords() })
  msrSim = await startMsrSim({ records: msrRecords() })
  msrSim.trust.add(msrSim.gun('payments/api'), 'update', T + 30_000)
  serve = await startServe({ dataDir })
  const off = { enabled: false, intervalMinutes: 60 }
  await serve.apiValue('addAccount', {
    name: HUB,
    kind: 'dockerhub',
    url: hubSim.url,
    options: { org: hubSim.org, username: hubSim.identifier },
    token: hubSim.secret,
    autoSync: off
  })
  await serve.apiValue('addAccount', {
    name: MSR,
    kind: 'msr',
    url: msrSim.url,
    options: { username: msrSim.admin.username, withTrust: true },
    token: msrSim.admin.secret,
    autoSync: off
  })
  await waitForSync([HUB, MSR])
  // The fields below are typed and read in UTC, whatever zone this machine is in.
  await serve.apiValue('setSettings', { timeZone: 'UTC' })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  page = await context.newPage()
  app = new AppPage(page)
  await app.open(serve.url)
  await app.grid.waitReady()
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await serve?.stop()
  await hubSim?.close()
  await msrSim?.close()
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
})

describe('investigating a mixed archive in the browser', () => {
  it('shows the archive intact in the header', async () => {
    const badge = app.investigation.integrityBadge()
    await page.locator('[data-testid="integrity-badge"][data-state="intact"]').waitFor({ timeout: 20_000 })
    expect(await badge.textContent()).toContain('Intact')
  })

  it('draws a digest’s lineage in the drawer: pushes, the retag, the overwrite and the tag delete', async () => {
    await app.search(`digest:${D1}`)
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    await app.drawer.root.getByTestId('action-lineage').click()
    const view = await app.investigation.waitView('lineage')
    expect(await app.investigation.attributes(view, 'lineage-entry', 'data-role')).toEqual(['push', 'retag', 'overwritten', 'untag'])
    // bob's delete names no digest: it is here through the tag history, and the view says how.
    const untag = view.locator('[data-testid="lineage-entry"][data-role="untag"]')
    expect(await untag.getAttribute('data-link')).toBe('tag')
    expect(await untag.textContent()).toContain('acme/app:1.0 pointed at this digest')
    expect(await app.investigation.attributes(view, 'lineage-tag-span', 'data-ended-by')).toEqual(['untag', 'overwritten'])
    expect(await view.getByTestId('lineage-tagged').textContent()).toBe('No tag points at it')
    await app.screenshot('lineage')

    // An entry opens its event; the lineage of a digest typed into the palette follows it across repositories.
    const overwrite = view.locator('[data-testid="lineage-entry"][data-role="overwritten"]')
    const overwriteId = await overwrite.getAttribute('data-event-id')
    await overwrite.click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(overwriteId)
    expect(await app.drawer.field('digest').textContent()).toContain(D2)
    await app.runCommand(D3, `lineage-${D3}`)
    const other = await app.investigation.waitView('lineage')
    await expect.poll(() => app.investigation.attributes(other, 'lineage-entry', 'data-role')).toEqual(['push', 'push', 'untag', 'repository-delete'])
    expect(await other.getByTestId('lineage-repository').allTextContents()).toEqual(['acme/app', 'acme/tmp'])
  })

  it('answers “was :latest overwritten?” and shows the tags at a moment and what changed between two', async () => {
    await app.runCommand('acme/app:latest', 'tags-acme/app:latest')
    const view = await app.investigation.waitView('tags')
    expect(await view.getByTestId('overwrite-answer').getAttribute('data-answer')).toBe('yes')
    expect(await view.getByTestId('overwrite-answer').textContent()).toContain('overwritten once')
    const overwrite = view.getByTestId('overwrite-event')
    expect(await overwrite.count()).toBe(1)
    expect(await overwrite.textContent()).toContain(`latest moved from ${D1.slice(7, 19)} to ${D2.slice(7, 19)} by ci-bot`)

    await view.getByTestId('tags-at').fill('2025-05-20T10:45')
    await view.getByTestId('tags-compare').fill('2025-05-20T15:00')
    await view.getByTestId('tags-show').click()
    const state = view.getByTestId('tags-state')
    await state.waitFor()
    const hubRows = state.locator(`table[data-account="${HUB}"] [data-testid="tags-state-row"]`)
    expect(await hubRows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-tag')))).toEqual(['1.0', '2.0', 'latest'])
    const diff = view.getByTestId('tags-diff')
    expect(await diff.locator(`[data-account="${HUB}"] [data-testid="diff-removed"]`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-tag')))).toEqual([
      '1.0',
      '2.0'
    ])
    expect(await diff.locator(`[data-account="${HUB}"] [data-testid="diff-moved"]`).textContent()).toContain(
      `latest: ${D1.slice(7, 19)} → ${D2.slice(7, 19)}`
    )
    expect(await diff.locator(`[data-account="${MSR}"] [data-testid="diff-added"]`).getAttribute('data-tag')).toBe('latest')
    await diff.scrollIntoViewIfNeeded()
    await app.screenshot('tag-history')
  })

  it('explains a bulk delete with ranked causes, each with its evidence, and the actor’s hour around it', async () => {
    await page.keyboard.press('Escape')
    await app.search('repo:acme/old tag:v3 activity:delete')
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    await app.drawer.root.getByTestId('action-explain-deletion').click()
    const view = await app.investigation.waitView('deletion')
    const causes = view.getByTestId('cause')
    expect(await app.investigation.attributes(view, 'cause', 'data-kind')).toEqual(['user-delete', 'bulk-delete'])
    expect(await app.investigation.attributes(view, 'cause', 'data-rank')).toEqual(['1', '2'])
    // No cause is shown without evidence, and the bulk delete cites all six deletes.
    for (let i = 0; i < (await causes.count()); i += 1) expect(await causes.nth(i).getByTestId('evidence').count()).toBeGreaterThan(0)
    expect(await view.locator('[data-testid="cause"][data-kind="bulk-delete"] [data-testid="evidence"]').count()).toBe(6)
    const around = await view.getByTestId('actor-event').allTextContents()
    expect(around).toHaveLength(6)
    expect(around.every((text) => text.includes('dave'))).toBe(true)
    await app.screenshot('deletion-explainer')
  })

  it('pins the drawer’s event to a new case with a note, and shows the case', async () => {
    const bobDelete = (await events({ repository: { any: ['acme/app'] }, tag: { any: ['1.0'] }, activity: { any: ['delete'] } }))[0]!
    await app.search('repo:acme/app tag:1.0 activity:delete')
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(String(bobDelete.id))
    await app.drawer.root.getByTestId('action-pin').click()
    const pin = app.investigation.dialog('pin')
    await pin.waitFor()
    await pin.getByTestId('pin-new-case').fill('INC-1 latest overwritten')
    await pin.getByTestId('pin-note').fill('bob removed 1.0 an hour after ci-bot overwrote latest')
    await pin.getByTestId('pin-save').click()
    await pin.waitFor({ state: 'detached' })

    await page.getByTestId('open-cases').click()
    const cases = app.investigation.dialog('cases')
    await cases.locator('[data-testid="case-item"][data-name="INC-1 latest overwritten"]').click()
    const pinned = cases.locator(`[data-testid="case-pin"][data-event-id="${bobDelete.id}"]`)
    await pinned.waitFor()
    expect(await pinned.getByTestId('case-pin-note').textContent()).toBe('bob removed 1.0 an hour after ci-bot overwrote latest')
    await app.screenshot('case')
    await page.keyboard.press('Escape')
    await cases.waitFor({ state: 'detached' })
  })

  it('saves the current view as a query, reopens it, lists it among the recent ones and deletes it', async () => {
    await page.keyboard.press('Escape')
    await app.search('repo:acme/app activity:delete')
    const deletes = (await serve.apiValue('countEvents', { query: { repository: { any: ['acme/app'] }, activity: { any: ['delete'] } } })).count
    await expect.poll(() => app.grid.resultCount()).toBe(deletes)
    await page.getByTestId('open-queries').click()
    // The bar shows the query as the parser prints it; that text is what is saved.
    const text = await app.queryInput.inputValue()
    expect(text.split(' ').sort()).toEqual(['activity:delete', 'repo:acme/app'])
    const dialog = app.investigation.dialog('queries')
    await dialog.waitFor()
    expect(await dialog.getByTestId('queries-current').textContent()).toBe(text)
    await dialog.getByTestId('query-name').fill('acme app deletes')
    await dialog.getByTestId('query-save').click()
    await dialog.locator('[data-testid="saved-query"][data-name="acme app deletes"]').waitFor()
    // The view was remembered as a recent query too (kept in the archive).
    await expect.poll(async () => (await serve.apiValue('listRecentQueries')).map((query) => query.query), { timeout: 10_000 }).toContain(text)
    await app.screenshot('saved-queries')
    await page.keyboard.press('Escape')

    await app.grid.waitReload(() => page.getByTestId('reset-filters').click())
    expect(await app.queryInput.inputValue()).toBe('')
    await page.getByTestId('open-queries').click()
    await dialog.waitFor()
    await app.grid.waitReload(() => dialog.locator('[data-testid="saved-query"][data-name="acme app deletes"] [data-testid="saved-query-open"]').click())
    expect(await app.queryInput.inputValue()).toBe(text)
    expect(await app.grid.waitForCount()).toBe(deletes)

    await page.getByTestId('open-queries').click()
    await dialog.waitFor()
    expect(await dialog.getByTestId('recent-query').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(text)])
    )
    await dialog.locator('[data-testid="saved-query"][data-name="acme app deletes"] [data-testid="saved-query-delete"]').click()
    await dialog.getByTestId('saved-empty').waitFor()
    expect(await serve.apiValue('listSavedQueries')).toEqual([])
    await page.keyboard.press('Escape')
  })

  it('exports the view as evidence into a folder with a SHA-256 manifest of every file', async () => {
    await page.getByTestId('evidence-open').click()
    const dialog = app.investigation.dialog('evidence')
    await dialog.waitFor()
    await dialog.getByTestId('evidence-case').selectOption('INC-1 latest overwritten')
    await dialog.getByTestId('evidence-start').click()
    const status = dialog.locator('[data-testid="evidence-status"][data-phase="done"]')
    await status.waitFor({ timeout: 30_000 })
    const folder = (await dialog.getByTestId('evidence-dir').textContent()) ?? ''
    expect(path.dirname(folder)).toBe(path.join(dataDir, 'evidence'))
    const deletes = (await serve.apiValue('countEvents', { query: { repository: { any: ['acme/app'] }, activity: { any: ['delete'] } } })).count
    expect(await status.getAttribute('data-rows')).toBe(String(deletes))
    const files = await dialog.getByTestId('evidence-files').locator('li').allTextContents()
    expect(files).toContain('case.json')
    expect(files.at(-1)).toBe('manifest.sha256')
    // Every file the manifest names has the hash it gives.
    const manifest = fs.readFileSync(path.join(folder, 'manifest.sha256'), 'utf8').trim().split('\n')
    expect(manifest.length).toBe(files.length - 1)
    for (const line of manifest) {
      const [hash, name] = line.split(/\s+\*?/)
      expect(createHash('sha256').update(fs.readFileSync(path.join(folder, name!))).digest('hex')).toBe(hash)
    }
    await app.screenshot('evidence')
    await page.keyboard.press('Escape')
  })

  it('shows each account’s coverage in the sync panel as the core reports it', async () => {
    await app.syncPanel.open()
    const report = await serve.apiValue('coverage')
    for (const name of [HUB, MSR]) {
      const expected = report.accounts.find((entry) => entry.account === name)!
      const coverage = app.syncPanel.card(name).getByTestId('coverage')
      await coverage.waitFor()
      expect(await coverage.getByTestId('coverage-gaps').getAttribute('data-count')).toBe(String(expected.gaps.length))
      expect(await coverage.getByTestId('coverage-warning').allTextContents()).toEqual(expected.warnings)
    }
    expect(await app.syncPanel.card(HUB).getByTestId('coverage-retention').textContent()).toMatch(/^30 days — /)
    expect(await app.syncPanel.card(MSR).getByTestId('coverage-retention').textContent()).toMatch(/^Not known — /)
  })

  it('prunes an account’s old events only after showing the count and a confirmation, keeping pinned ones', async () => {
    const card = app.syncPanel.card(HUB)
    const held = (await serve.apiValue('countEvents', { query: { account: { any: [HUB] }, includePull: true } })).count
    await card.getByTestId('prune-open').click()
    await card.getByTestId('prune-days').fill('365')
    await card.getByTestId('prune-count').click()
    const preview = card.getByTestId('prune-preview')
    await preview.waitFor()
    // Every hub event is from May 2025, more than a year ago; the pinned one is kept.
    expect(await preview.getAttribute('data-count')).toBe(String(held - 1))
    expect(await preview.textContent()).toContain('1 pinned to cases are kept')
    // Nothing is deleted before the confirmation.
    expect((await serve.apiValue('countEvents', { query: { account: { any: [HUB] }, includePull: true } })).count).toBe(held)
    await card.getByTestId('prune-confirm').scrollIntoViewIfNeeded()
    await app.screenshot('retention-confirm')
    await card.getByTestId('prune-confirm-delete').click()
    const result = card.getByTestId('prune-result')
    await result.waitFor()
    expect(await result.getAttribute('data-deleted')).toBe(String(held - 1))
    expect((await serve.apiValue('countEvents', { query: { account: { any: [HUB] }, includePull: true } })).count).toBe(1)
    await expect.poll(() => card.getByTestId('coverage-pruned').textContent(), { timeout: 10_000 }).toContain(`${held - 1} events`)
    await expect.poll(() => card.getByTestId('sync-held').textContent(), { timeout: 10_000 }).toMatch(/^1 event\b/)
    // The chain stays verifiable across the pruned range.
    await page.locator('[data-testid="integrity-badge"][data-state="intact"]').waitFor({ timeout: 20_000 })
  })

  it('reports a chain break in the header, and where it is', async () => {
    const scan = (await events({ account: { any: [MSR] }, activity: { any: ['scan'] } }))[0]!
    const db = new Database(archivePath(dataDir))
    try {
      db.prepare("UPDATE events SET raw = json_set(raw, '$.actor', 'mallory') WHERE id = ?").run(scan.id)
    } finally {
      db.close()
    }
    await app.investigation.integrityBadge().click()
    const dialog = app.investigation.dialog('integrity')
    await dialog.getByTestId('integrity-verify').click()
    await page.locator('[data-testid="integrity-badge"][data-state="broken"]').waitFor({ timeout: 20_000 })
    expect(await dialog.getByTestId('integrity-summary').getAttribute('data-intact')).toBe('false')
    const broken = dialog.locator(`[data-testid="integrity-account"][data-account="${MSR}"]`)
    expect(await broken.getAttribute('data-intact')).toBe('false')
    expect(await dialog.locator(`[data-testid="integrity-account"][data-account="${HUB}"]`).getAttribute('data-intact')).toBe('true')
    const where = broken.getByTestId('integrity-break').first()
    expect(await where.getAttribute('data-reason')).toBe('hash-mismatch')
    expect(await where.getAttribute('data-event-id')).toBe(String(scan.id))
    await app.screenshot('integrity-broken')
    await where.getByTestId('integrity-break-open').click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(String(scan.id))
  })
})
