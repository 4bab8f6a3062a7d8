import type { Locator, Page } from 'playwright-core'

/** The sync panel and its per-account cards. */
export class SyncPanelPage {
  readonly root: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('sync-panel')
  }

  async open(): Promise<void> {
    if (await this.root.isVisible()) return
    await this.page.getByTestId('sync-button').click()
    await this.root.waitFor()
  }

  card(account: string): Locator {
    return this.root.locator(`[data-testid="sync-card"][data-account="${account}"]`)
  }

  async syncNow(account: string): Promise<void> {
    await this.card(account).getByTestId('sync-account').click()
  }

  /** Waits until the account's run has finished (the card is no longer running and has a last run). */
  async waitIdle(account: string, timeout = 60_000): Promise<void> {
    await this.page
      .locator(`[data-testid="sync-card"][data-account="${account}"][data-running="false"] [data-testid="sync-last"]:not(:text("Never")):not(:text("running"))`)
      .waitFor({ timeout })
  }
}
