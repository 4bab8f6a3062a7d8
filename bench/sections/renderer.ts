import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { archivePath } from '../../src/main/core/paths'
import { launchChromium } from '../../test/e2e/support/browser'
import { ensureRendererBuilt } from '../../test/e2e/support/renderer-build'
import { startServe } from '../../test/e2e/support/serve'
import { round, summarise, type Timing } from '../tools/stats'

/**
 * The renderer over a large archive (issue 5 §2), in browser mode: `registry-audit serve` on a
 * copy of the archive, the built renderer in Debian's Chromium through Playwright.
 *
 * - First painted row: from navigation start to the animation frame after the first event row
 *   exists (the frame that paints it).
 * - Scrolling: the grid is scrolled by a steady number of rows per animation frame until 10,000
 *   rows have passed, loading further pages as it goes, as a user dragging the scrollbar would.
 *   Each frame records its duration and whether any row slot in view was blank (no row element,
 *   or the "loading more" row); the longest run of blank frames is the figure that matters.
 * - Filter change: a query typed into the query bar and applied with Enter, timed in the page
 *   from the key press to the frame after the grid shows the new view's rows.
 */

export interface RendererResult {
  skipped?: string
  firstRowMs?: number
  scrolledRows?: number
  scrollMs?: number
  frames?: Timing
  sampledFrames?: number
  blankFrames?: number
  longestBlankMs?: number
  filterUpdate?: Timing
  filters?: Array<{ query: string; ms: number }>
}

// The functions passed to page.evaluate run in Chromium. The node program has no DOM library,
// so the little of the DOM they use is declared here, for this module only.
interface PageElement {
  scrollTop: number
  readonly clientHeight: number
  readonly offsetHeight: number
  readonly dataset: Record<string, string | undefined>
  querySelector(selector: string): PageElement | null
  getBoundingClientRect(): { height: number }
  addEventListener(type: string, listener: () => void, options?: { once?: boolean; capture?: boolean }): void
}
declare const document: { querySelector(selector: string): PageElement | null }
declare const window: unknown
declare const requestAnimationFrame: (callback: (now: number) => void) => number
type HTMLElement = PageElement

const SCROLL_ROWS = 10_000
const ROWS_PER_FRAME = 25
const FILTERS = ['verb:DELETE', 'activity:pull', 'repo:payments/*', '-actor:ci-bot', 'latest', 'outcome:failure']

export async function runRenderer(file: string, dir: string, options: { log: (line: string) => void }): Promise<RendererResult> {
  if (!existsSync('/usr/bin/chromium') && process.env['REGISTRY_AUDIT_E2E_CHROMIUM'] === undefined) {
    return { skipped: 'Chromium not found at /usr/bin/chromium' }
  }
  await ensureRendererBuilt()
  const dataDir = path.join(dir, 'renderer-data')
  mkdirSync(dataDir, { recursive: true })
  copyFileSync(file, archivePath(dataDir))
  const serve = await startServe({ dataDir })
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    // tsx (esbuild, keepNames) wraps named functions in __name(); the functions sent to the page
    // carry those calls, so the page gets a __name that returns the function unchanged.
    await page.addInitScript({ content: 'globalThis.__name = (fn) => fn' })
    // Records when the first event row is on screen: the frame after it appears.
    await page.addInitScript(() => {
      const w = window as unknown as { __firstRow?: number }
      const check = (): void => {
        if (document.querySelector('[data-testid="event-row"]') !== null) {
          requestAnimationFrame(() => {
            w.__firstRow = performance.now()
          })
          return
        }
        requestAnimationFrame(check)
      }
      requestAnimationFrame(check)
    })
    await page.goto(serve.url)
    await page.waitForFunction(() => (window as unknown as { __firstRow?: number }).__firstRow !== undefined, undefined, { timeout: 60_000 })
    const firstRowMs = await page.evaluate(() => (window as unknown as { __firstRow: number }).__firstRow)
    options.log(`    first row painted ${Math.round(firstRowMs)} ms after navigation`)
    await page.locator('[data-testid="events-grid"][data-status="ready"]').waitFor()

    const scroll = await page.evaluate(
      async ({ rows, perFrame }) => {
        const grid = document.querySelector('[data-testid="events-grid"]') as HTMLElement
        const header = grid.querySelector('.grid-header') as HTMLElement
        const rowHeight = (grid.querySelector('[data-testid="event-row"]') as HTMLElement).getBoundingClientRect().height
        const frames: number[] = []
        const blank: boolean[] = []
        let target = 0
        let last = performance.now()
        const started = last
        const deadline = started + 120_000
        await new Promise<void>((resolve) => {
          const frame = (now: number): void => {
            frames.push(now - last)
            last = now
            // Which row slots are in view, and is each one a loaded event row?
            const top = Math.max(0, grid.scrollTop)
            const first = Math.floor(top / rowHeight)
            const visible = Math.ceil((grid.clientHeight - header.offsetHeight) / rowHeight)
            let empty = false
            for (let index = first; index < first + visible && !empty; index++) {
              const row = grid.querySelector(`[data-testid="event-row"][data-index="${index}"]`)
              if (row === null) empty = true
            }
            blank.push(empty)
            if (grid.scrollTop / rowHeight >= rows || now > deadline) return resolve()
            target += perFrame * rowHeight
            grid.scrollTop = target
            requestAnimationFrame(frame)
          }
          requestAnimationFrame(frame)
        })
        return { frames: frames.slice(1), blank: blank.slice(1), ms: performance.now() - started, reached: Math.floor(grid.scrollTop / rowHeight) }
      },
      { rows: SCROLL_ROWS, perFrame: ROWS_PER_FRAME }
    )
    let longest = 0
    let run = 0
    scroll.blank.forEach((isBlank, index) => {
      run = isBlank ? run + scroll.frames[index]! : 0
      longest = Math.max(longest, run)
    })
    options.log(`    scrolled ${scroll.reached} rows in ${Math.round(scroll.ms)} ms; ${scroll.blank.filter(Boolean).length} blank frames`)

    const filters: Array<{ query: string; ms: number }> = []
    const input = page.getByTestId('query-input')
    for (const query of FILTERS) {
      await input.fill(query)
      await page.evaluate(() => {
        const w = window as unknown as { __filter?: Promise<number> }
        const grid = document.querySelector('[data-testid="events-grid"]') as HTMLElement
        const generation = grid.dataset['generation']
        const field = document.querySelector('[data-testid="query-input"]') as HTMLElement
        w.__filter = new Promise((resolve) => {
          field.addEventListener(
            'keydown',
            () => {
              const start = performance.now()
              const check = (): void => {
                const ready = grid.dataset['status'] === 'ready' && grid.dataset['generation'] !== generation
                if (ready) requestAnimationFrame(() => resolve(performance.now() - start))
                else requestAnimationFrame(check)
              }
              requestAnimationFrame(check)
            },
            { once: true, capture: true }
          )
        })
      })
      await input.press('Enter')
      const ms = await page.evaluate(() => (window as unknown as { __filter: Promise<number> }).__filter)
      filters.push({ query, ms: round(ms) })
    }
    options.log(`    filter changes: ${filters.map((f) => `${f.query} ${Math.round(f.ms)} ms`).join(', ')}`)
    return {
      firstRowMs: round(firstRowMs),
      scrolledRows: scroll.reached,
      scrollMs: round(scroll.ms),
      frames: summarise(scroll.frames),
      sampledFrames: scroll.frames.length,
      blankFrames: scroll.blank.filter(Boolean).length,
      longestBlankMs: round(longest),
      filterUpdate: summarise(filters.map((f) => f.ms)),
      filters
    }
  } finally {
    await browser.close()
    await serve.stop()
  }
}
