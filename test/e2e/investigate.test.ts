import fs from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { EventPage } from '../../src/shared/contract'
import type { AuditEvent } from '../../src/shared/event'
import type { EventQuery, EventSort } from '../../src/shared/query'
import { AppPage } from './page-models/app-page'
import { launchChromium } from './support/browser'
import { parseCsv } from './support/csv'
import { ensureRendererBuilt } from './support/renderer-build'
import { startServe, type ServeProcess } from './support/serve'
import { seedArchive, seedEvent } from './support/seed-archive'

/**
 * The investigation flows over a large archive: 100,000 events for one account and 500 for a
 * second, written straight into the archive (no sync), served by `registry-audit serve`.
 */

const MAIN = 'hub-main'
const SECOND = 'hub-second'
const MAIN_COUNT = 100_000
const SECOND_COUNT = 500
/** Events that are not pulls among the first `count` seeded ones (event i is a pull when i % 5 === 1). */
const nonPull = (count: number): number => count - Math.floor((count + 3) / 5)

// The newest event is a minute ago, so time presets see the archive as recent.
const NEWEST = Math.floor(Date.now() / 60_000) * 60_000 - 60_000

let dataDir: string
let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
let app: AppPage

/** Every row the API returns for a query and sort, page by page. */
async function allRows(query: EventQuery, sort: EventSort): Promise<AuditEvent[]> {
  const rows: AuditEvent[] = []
  let cursor: string | null = null
  do {
    const result: EventPage = await serve.apiValue('queryEvents', { query, sort, limit: 1000, cursor })
    rows.push(...result.rows)
    cursor = result.nextCursor
  } while (cursor !== null)
  return rows
}

beforeAll(async () => {
  await ensureRendererBuilt()
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-investigate-'))
  // Unreachable URLs: these accounts are never synced here.
  seedArchive({ dataDir, account: MAIN, url: 'http://127.0.0.1:9', count: MAIN_COUNT, newest: NEWEST })
  seedArchive({ dataDir, account: SECOND, org: 'globex', url: 'http://127.0.0.1:9', count: SECOND_COUNT, newest: NEWEST - 30_000 })
  serve = await startServe({ dataDir })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true })
})

async function openApp(hash = ''): Promise<void> {
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true })
  page = await context.newPage()
  app = new AppPage(page)
  await app.open(serve.url + (hash === '' ? '' : `&${hash}`))
  await app.grid.waitReady()
}

afterEach(async () => {
  await context?.close()
})

describe('investigating a 100,000-event archive in the browser', () => {
  it('lists the newest events first, leaves pulls out by default, and counts apart from the grid', async () => {
    await openApp()
    expect(await app.excludePull().isChecked()).toBe(true)
    const count = await app.grid.waitForCount()
    const api = await serve.apiValue('countEvents', { query: {} })
    expect(count).toBe(api.count)
    expect(count).toBe(nonPull(MAIN_COUNT) + nonPull(SECOND_COUNT))
    const activities = await app.grid.columnTexts('activity', 30)
    expect(activities.length).toBeGreaterThan(10)
    expect(activities).not.toContain('pull')
    // The newest event is event 0 of the main account (the second account's are 30 s older).
    expect((await app.grid.columnTexts('label', 1))[0]).toBe(seedEvent(0, NEWEST).label)
    await expect.poll(() => app.liveRegion().textContent()).toContain(`${count.toLocaleString('en-US')} events match`)

    await app.grid.waitReload(() => app.excludePull().uncheck())
    expect(await app.grid.waitForCount()).toBe(MAIN_COUNT + SECOND_COUNT)
    expect(await app.grid.columnTexts('activity', 10)).toContain('pull')
    expect(app.hashParams().get('pull')).toBe('1')
  })

  it('filters with the query bar and its completion, and by clicking a value', async () => {
    await openApp()
    await app.queryInput.click()
    await app.queryInput.pressSequentially('acti')
    await expect.poll(() => app.completionValues()).toContain('activity:')
    await app.queryInput.press('Tab')
    await app.queryInput.pressSequentially('dele')
    await expect.poll(async () => (await app.completionValues())[0]).toBe('delete')
    await app.queryInput.press('Tab')
    expect(await app.queryInput.inputValue()).toBe('activity:delete ')
    await app.grid.waitReload(() => app.queryInput.press('Enter'))
    expect(new Set(await app.grid.columnTexts('activity', 30))).toEqual(new Set(['delete']))
    expect(app.hashParams().get('q')).toBe('activity:delete')

    // A click on a repository in the table adds it to the filter.
    const repository = (await app.grid.columnTexts('repository', 1))[0]!
    await app.grid.filterByCell(0, 'repository')
    expect(await app.queryInput.inputValue()).toBe(`activity:delete repo:${repository}`)
    expect(new Set(await app.grid.columnTexts('repository', 30))).toEqual(new Set([repository]))
    const count = await app.grid.waitForCount()
    const api = await serve.apiValue('countEvents', { query: { activity: { any: ['delete'] }, repository: { any: [repository] } } })
    expect(count).toBe(api.count)
    await app.screenshot('table-with-filters')

    // A query that does not parse says why, and the view stays as it was.
    await app.queryInput.fill('verb:NOPE')
    await app.queryInput.press('Enter')
    await expect.poll(() => app.queryError().textContent()).toContain('expected one of CREATE')
    expect(await app.grid.waitForCount()).toBe(count)

    // The view reopened from its URL (the served address plus the view's hash) shows the same filter.
    const hash = new URL(page.url()).hash
    const again = await context.newPage()
    const reopened = new AppPage(again)
    await reopened.open(`${serve.url}&${hash.slice(1)}`)
    await reopened.grid.waitReady()
    expect(await reopened.queryInput.inputValue()).toBe(`activity:delete repo:${repository}`)
    expect(await reopened.grid.waitForCount()).toBe(count)
  })

  it('marks facet counts estimated from a sample with ≈, close to the exact counts', async () => {
    await openApp()
    // Leaving one actor out matches most of the archive: the repository counts must be read
    // from those events, which the UI lets the core estimate.
    await app.search('-actor:alice')
    const section = page.getByTestId('facet-repository')
    await expect.poll(() => section.locator('.facet-count').count()).toBeGreaterThan(0)
    const exact = (await serve.apiValue('facets', { query: { actor: { none: ['alice'] } }, top: 50 })).repository
    const estimated = (await serve.apiValue('facets', { query: { actor: { none: ['alice'] } }, top: 50, approximate: true })).repository
    expect(estimated.length).toBeGreaterThan(0)
    expect(estimated.every((entry) => entry.approximate === true)).toBe(true)
    const rows = section.locator('.facet-row')
    for (let i = 0; i < (await rows.count()); i += 1) {
      const value = await rows.nth(i).locator('input').getAttribute('data-value')
      const count = rows.nth(i).locator('.facet-count')
      const shown = estimated.find((entry) => entry.value === value)!
      expect(await count.textContent()).toBe(`≈${shown.count.toLocaleString('en-US')}`)
      expect(await count.getAttribute('title')).toBe('estimated from a sample of the matching events')
      const real = exact.find((entry) => entry.value === value)!.count
      expect(Math.abs(shown.count - real) / real).toBeLessThan(0.1)
    }
    // A filter whose counts come from the count tables shows exact numbers, unmarked.
    await app.search('actor:alice')
    await expect.poll(async () => (await section.locator('.facet-count').allTextContents()).some((text) => text.startsWith('≈'))).toBe(false)
  })

  it('sorts every column in SQL, not just the loaded rows', async () => {
    await openApp()
    await app.grid.sortBy('actor')
    expect(await app.grid.header('actor').getAttribute('aria-sort')).toBe('ascending')
    const expected = await serve.apiValue('queryEvents', { query: {}, sort: { key: 'actor', dir: 'asc' }, limit: 15 })
    expect(await app.grid.columnTexts('label', 15)).toEqual(expected.rows.map((row) => row.label))
    expect(app.hashParams().get('sort')).toBe('actor:asc')

    await app.grid.sortBy('actor')
    expect(await app.grid.header('actor').getAttribute('aria-sort')).toBe('descending')
    const descending = await serve.apiValue('queryEvents', { query: {}, sort: { key: 'actor', dir: 'desc' }, limit: 15 })
    expect(await app.grid.columnTexts('label', 15)).toEqual(descending.rows.map((row) => row.label))

    await app.grid.sortBy('occurred_at')
    const oldestFirst = await app.grid.header('occurred_at').getAttribute('aria-sort')
    const dir = oldestFirst === 'ascending' ? 'asc' : 'desc'
    const byTime = await serve.apiValue('queryEvents', { query: {}, sort: { key: 'occurred_at', dir }, limit: 5 })
    expect(await app.grid.columnTexts('label', 5)).toEqual(byTime.rows.map((row) => row.label))
  })

  it('scrolls through keyset pages, rendering only the rows on screen', async () => {
    await openApp()
    await app.grid.waitReload(() => app.excludePull().uncheck())
    for (let target = 1000; target <= 3000; target += 1000) {
      await expect
        .poll(
          async () => {
            await app.grid.scrollToBottom()
            return app.grid.loadedRows()
          },
          { timeout: 20_000, interval: 100 }
        )
        .toBeGreaterThanOrEqual(target)
    }
    // Rows arrive in order, each once: the rendered rows are the API's rows at the same index.
    // The last page may have landed after the last scroll: scroll again until its rows are drawn.
    let last = -1
    await expect
      .poll(
        async () => {
          await app.grid.scrollToBottom()
          last = Math.max(...(await app.grid.renderedIndices()))
          return last
        },
        { timeout: 20_000, interval: 100 }
      )
      .toBeGreaterThan(2900)
    const firstPages = await serve.apiValue('queryEvents', { query: { includePull: true }, limit: 1000 })
    const more = await serve.apiValue('queryEvents', { query: { includePull: true }, limit: 1000, cursor: firstPages.nextCursor })
    const third = await serve.apiValue('queryEvents', { query: { includePull: true }, limit: 1000, cursor: more.nextCursor })
    const expected = [...firstPages.rows, ...more.rows, ...third.rows]
    for (const index of [last - 5, last - 1, last]) {
      if (index >= expected.length) continue
      expect(await app.grid.row(index).getAttribute('data-event-id')).toBe(String(expected[index]!.id))
    }
    // Only the visible rows (plus overscan) are in the document, however many are loaded.
    expect((await app.grid.renderedIndices()).length).toBeLessThan(120)
  })

  it('opens the drawer with every field, the raw record and the image history', async () => {
    await openApp()
    const row = app.grid.row(3)
    const label = (await row.locator('[data-column="label"]').textContent()) ?? ''
    await row.locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('label').textContent()).toBe(label)
    expect(await app.drawer.field('source_event_id').textContent()).toMatch(/^hub-(main|second)-\d+$/)
    const raw = JSON.parse((await app.drawer.rawJson().textContent()) ?? '') as { seed: number }
    expect(label.endsWith(`#${raw.seed}`)).toBe(true)
    const related = app.drawer.relatedItems()
    await expect.poll(() => related.count()).toBeGreaterThan(1)
    const ids = (await related.evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-event-id')))))
    const current = Number(await row.getAttribute('data-event-id'))
    expect(ids).toContain(current)
    // Oldest first: compare with the events' own times from the API.
    const times = await Promise.all(ids.map(async (id) => (await serve.apiValue('getEvent', { id })).occurred_at))
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    await app.screenshot('drawer')

    // A related event opens in the drawer; a value in the drawer becomes a filter.
    const other = ids.find((id) => id !== current)!
    await app.drawer.root.locator(`[data-testid="related-item"][data-event-id="${other}"]`).click()
    await expect.poll(() => app.drawer.root.locator('[data-testid="related-item"][aria-current="true"]').getAttribute('data-event-id')).toBe(String(other))
    const actor = (await app.drawer.field('actor').textContent()) ?? ''
    await app.grid.waitReload(() => app.drawer.field('actor').getByTestId('drawer-filter-value').click())
    expect(await app.queryInput.inputValue()).toBe(`actor:${actor}`)
  })

  it('narrows the time range by dragging across the histogram', async () => {
    await openApp()
    const svg = page.getByTestId('histogram-svg')
    await expect.poll(() => page.getByTestId('histogram-bar').count()).toBeGreaterThan(10)
    const box = (await svg.boundingBox())!
    const before = await app.grid.waitForCount()
    await app.grid.waitReload(async () => {
      await page.mouse.move(box.x + box.width * 0.6, box.y + 30)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width * 0.7, box.y + 30, { steps: 5 })
      await page.mouse.move(box.x + box.width * 0.8, box.y + 30, { steps: 5 })
      await page.mouse.up()
    })
    const params = app.hashParams()
    const from = Date.parse(params.get('from') ?? '')
    const to = Date.parse(params.get('to') ?? '')
    expect(from).toBeLessThan(to)
    const after = await app.grid.waitForCount()
    expect(after).toBeLessThan(before)
    const api = await serve.apiValue('countEvents', { query: { since: from, until: to } })
    expect(after).toBe(api.count)
  })

  it('moves with the keyboard: j/k and arrows, Enter, Esc, / and the command palette', async () => {
    await openApp()
    await app.grid.root.focus()
    expect(await app.grid.selectedRow().getAttribute('data-index')).toBe('0')
    await page.keyboard.press('j')
    await page.keyboard.press('j')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('k')
    expect(await app.grid.selectedRow().getAttribute('data-index')).toBe('2')
    await page.keyboard.press('Enter')
    await app.drawer.waitReady()
    const selectedId = await app.grid.selectedRow().getAttribute('data-event-id')
    expect(await app.drawer.field('id').textContent()).toBe(selectedId)
    // With the drawer open, the selection moves the drawer along.
    await page.keyboard.press('ArrowDown')
    const nextId = await app.grid.selectedRow().getAttribute('data-event-id')
    await expect.poll(() => app.drawer.field('id').textContent()).toBe(nextId)
    await page.keyboard.press('Escape')
    await app.drawer.root.waitFor({ state: 'detached' })

    await page.keyboard.press('/')
    expect(await app.isFocused(app.queryInput)).toBe(true)
    await page.keyboard.press('Escape')

    const palette = await app.openPalette()
    await palette.getByTestId('palette-input').fill(`switch ${SECOND}`)
    await app.grid.waitReload(() => page.keyboard.press('Enter'))
    expect(await app.accountSwitcher.inputValue()).toBe(SECOND)
    const palette2 = await app.openPalette()
    await palette2.getByTestId('palette-input').fill('export')
    await page.keyboard.press('Enter')
    await app.exportDialog.root.waitFor()
    await page.keyboard.press('Escape')
    await app.exportDialog.root.waitFor({ state: 'detached' })
  })

  it('switches between one account and all accounts', async () => {
    await openApp()
    await app.switchAccount(SECOND)
    expect(await app.grid.waitForCount()).toBe(nonPull(SECOND_COUNT))
    expect(new Set(await app.grid.columnTexts('account', 30))).toEqual(new Set([SECOND]))
    expect(app.hashParams().get('q')).toBe(`account:${SECOND}`)
    await app.switchAccount(null)
    expect(await app.grid.waitForCount()).toBe(nonPull(MAIN_COUNT) + nonPull(SECOND_COUNT))
    expect(new Set(await app.grid.columnTexts('account', 60))).toEqual(new Set([MAIN, SECOND]))

    // Tag and digest are typed in the sidebar, as they have too many values to list.
    await page.getByTestId('filter-tag').fill('latest')
    await app.grid.waitReload(() => page.getByTestId('filter-tag').press('Enter'))
    expect(await app.queryInput.inputValue()).toBe('tag:latest')
    expect(new Set(await app.grid.columnTexts('tag', 30))).toEqual(new Set(['latest']))
  })

  it('shows dates in the chosen time zone and names the zone in the date column header', async () => {
    await openApp()
    const first = await serve.apiValue('queryEvents', { query: {}, limit: 1 })
    const when = first.rows[0]!.occurred_at
    await page.getByTestId('open-settings').click()
    await page.getByTestId('settings-zone').fill('Asia/Tokyo')
    await page.getByTestId('settings-save').click()
    await page.getByTestId('settings-dialog').waitFor({ state: 'detached' })
    try {
      await expect.poll(() => app.grid.header('occurred_at').textContent()).toContain('(Asia/Tokyo)')
      // Tokyo is UTC+9 all year.
      const tokyo = new Date(when + 9 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')
      expect((await app.grid.columnTexts('occurred_at', 1))[0]).toBe(tokyo)
    } finally {
      await serve.apiValue('setSettings', { timeZone: 'local' })
    }
  })

  it('remembers the columns the user chooses and the widths they drag', async () => {
    await openApp()
    expect(await app.grid.root.getAttribute('role')).toBe('grid')
    const count = await app.grid.waitForCount()
    expect(await app.grid.root.getAttribute('aria-rowcount')).toBe(String(count + 1))
    await page.getByTestId('choose-columns').click()
    await page.getByTestId('column-toggle-tag').uncheck()
    await page.getByTestId('column-toggle-client_ip').check()
    await page.keyboard.press('Escape')
    expect(await app.grid.header('tag').count()).toBe(0)
    await app.grid.header('client_ip').waitFor()

    const label = app.grid.header('label')
    const before = (await label.boundingBox())!.width
    const handle = (await page.getByTestId('resize-label').boundingBox())!
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2)
    await page.mouse.down()
    await page.mouse.move(handle.x + 120, handle.y + handle.height / 2, { steps: 6 })
    await page.mouse.up()
    await expect.poll(async () => Math.round((await label.boundingBox())!.width - before)).toBeGreaterThan(100)
    const widened = (await label.boundingBox())!.width
    // The digest cell shows a short digest and keeps the full one for hover.
    const digest = app.grid.cell(0, 'digest').locator('.cell-text')
    expect((await digest.getAttribute('title'))?.startsWith('sha256:')).toBe(true)
    expect((await digest.textContent())?.length).toBe(12)

    // Widths are saved once a drag settles; a reload keeps both choices.
    await expect
      .poll(async () => JSON.parse(((await page.evaluate("localStorage.getItem('registry-audit:columns')")) as string | null) ?? '{}') as { sizes?: { label?: number } })
      .toMatchObject({ sizes: { label: expect.any(Number) } })
    await page.reload()
    await app.waitReady()
    await app.grid.waitReady()
    expect(await app.grid.header('tag').count()).toBe(0)
    await app.grid.header('client_ip').waitFor()
    expect(Math.round((await app.grid.header('label').boundingBox())!.width)).toBe(Math.round(widened))
  })

  it('says what is wrong when the page is opened without its access token', async () => {
    context = await browser.newContext()
    page = await context.newPage()
    app = new AppPage(page)
    await page.goto(serve.origin)
    await page.getByTestId('app-error').waitFor()
    const notice = app.notifications().filter({ hasText: 'no valid access token' }).first()
    await notice.waitFor()
    expect(await notice.getAttribute('data-code')).toBe('PERMISSION')
  })

  it('exports exactly the current filter and sort as CSV, in the chosen time zone', async () => {
    await openApp()
    await app.search('repo:acme/api -actor:bob')
    await app.grid.sortBy('actor')
    const expectedCount = await app.grid.waitForCount()
    await app.exportDialog.open()
    await expect.poll(() => app.exportDialog.root.getByTestId('export-expected-rows').textContent()).toBe(expectedCount.toLocaleString('en-US'))
    await app.exportDialog.setZone('Europe/Berlin')
    const download = await app.exportDialog.exportCsv()
    const file = path.join(dataDir, 'export.csv')
    await download.saveAs(file)
    await expect.poll(() => app.exportDialog.status().getAttribute('data-phase')).toBe('done')
    expect(await app.exportDialog.status().getAttribute('data-rows')).toBe(String(expectedCount))
    await app.screenshot('export')

    const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'))
    expect(header?.[0]).toBe('id')
    expect(header?.[1]).toBe('occurred_at (Europe/Berlin)')
    const api = await allRows(
      { repository: { any: ['acme/api'] }, actor: { none: ['bob'] } },
      { key: 'actor', dir: 'asc' }
    )
    expect(rows.length).toBe(expectedCount)
    expect(rows.map((row) => Number(row[0]))).toEqual(api.map((event) => event.id))
    // Times carry Berlin's offset (+01:00 or +02:00), not Z.
    expect(rows[0]?.[1]).toMatch(/\+0[12]:00$/)
  })
})
