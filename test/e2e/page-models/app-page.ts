import os from 'node:os'
import path from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { AccountDialogPage } from './account-dialog-page'
import { EventDrawerPage } from './event-drawer-page'
import { EventsGridPage } from './events-grid-page'
import { ExportDialogPage } from './export-dialog-page'
import { ImportDialogPage } from './import-dialog-page'
import { InvestigationPage } from './investigation-page'
import { SyncPanelPage } from './sync-panel-page'

/** The whole window: top bar, filters, and the parts above as their own models. */
export class AppPage {
  readonly grid: EventsGridPage
  readonly drawer: EventDrawerPage
  readonly syncPanel: SyncPanelPage
  readonly accountDialog: AccountDialogPage
  readonly exportDialog: ExportDialogPage
  readonly importDialog: ImportDialogPage
  readonly investigation: InvestigationPage
  readonly queryInput: Locator
  readonly accountSwitcher: Locator

  constructor(readonly page: Page) {
    this.grid = new EventsGridPage(page)
    this.drawer = new EventDrawerPage(page)
    this.syncPanel = new SyncPanelPage(page)
    this.accountDialog = new AccountDialogPage(page)
    this.exportDialog = new ExportDialogPage(page)
    this.importDialog = new ImportDialogPage(page)
    this.investigation = new InvestigationPage(page)
    this.queryInput = page.getByTestId('query-input')
    this.accountSwitcher = page.getByTestId('account-switcher')
  }

  /** Opens the app and waits until the accounts have loaded. */
  async open(url: string): Promise<void> {
    await this.page.goto(url)
    await this.waitReady()
  }

  /** Waits until the app has loaded its accounts (an Electron window opens the page itself). */
  async waitReady(timeout = 30_000): Promise<void> {
    await this.page.locator('[data-testid="app"][data-ready="true"]').waitFor({ timeout })
  }

  emptyState(): Locator {
    return this.page.getByTestId('empty-state')
  }

  /** Types a query into the bar and applies it with Enter. */
  async search(text: string): Promise<void> {
    await this.queryInput.fill(text)
    await this.grid.waitReload(() => this.queryInput.press('Enter'))
  }

  queryError(): Locator {
    return this.page.getByTestId('query-error')
  }

  completionOptions(): Locator {
    return this.page.getByTestId('completion-option')
  }

  /** The values the completion menu offers, top to bottom. */
  async completionValues(): Promise<string[]> {
    return this.completionOptions().evaluateAll((options) => options.map((option) => option.getAttribute('data-value') ?? ''))
  }

  excludePull(): Locator {
    return this.page.getByTestId('exclude-pull')
  }

  async switchAccount(name: string | null): Promise<void> {
    await this.grid.waitReload(async () => {
      await this.accountSwitcher.selectOption(name ?? '')
    })
  }

  notifications(): Locator {
    return this.page.getByTestId('notification')
  }

  liveRegion(): Locator {
    return this.page.getByTestId('live-region')
  }

  /** Opens the palette, types `text` and runs the command whose id is `command`. */
  async runCommand(text: string, command: string): Promise<void> {
    const palette = await this.openPalette()
    await palette.getByTestId('palette-input').fill(text)
    await palette.locator(`[data-testid="palette-item"][data-command="${command}"]`).click()
    await palette.waitFor({ state: 'detached' })
  }

  async openPalette(): Promise<Locator> {
    await this.page.keyboard.press('Control+k')
    const palette = this.page.getByTestId('command-palette')
    await palette.waitFor()
    return palette
  }

  /** The view's state in the URL hash. */
  hashParams(): URLSearchParams {
    return new URLSearchParams(new URL(this.page.url()).hash.slice(1))
  }

  /** Whether the element has the keyboard focus. */
  async isFocused(locator: Locator): Promise<boolean> {
    return locator.evaluate((element) => element === element.ownerDocument.activeElement)
  }

  /**
   * Takes a screenshot of the window. The committed ones in test/e2e/screenshots (linked from the
   * README) are rewritten only with UPDATE_SCREENSHOTS=1, so a test run leaves the checkout as it
   * was; otherwise the picture goes to a temporary folder (still taken: a page that cannot be
   * captured is a failure either way).
   */
  async screenshot(name: string): Promise<void> {
    const folder =
      process.env.UPDATE_SCREENSHOTS === '1' ? new URL('../screenshots/', import.meta.url).pathname : path.join(os.tmpdir(), 'registry-audit-e2e-screenshots')
    await this.page.screenshot({ path: path.join(folder, `${name}.png`) })
  }
}
