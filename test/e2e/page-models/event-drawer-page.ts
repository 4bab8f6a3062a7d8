import type { Locator, Page } from 'playwright-core'

/** The drill-down drawer. */
export class EventDrawerPage {
  readonly root: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('event-drawer')
  }

  async waitReady(): Promise<void> {
    await this.page.locator('[data-testid="event-drawer"][data-status="ready"]').waitFor()
  }

  field(name: string): Locator {
    return this.root.getByTestId(`drawer-field-${name}`).locator('dd')
  }

  rawJson(): Locator {
    return this.root.getByTestId('raw-json')
  }

  relatedItems(): Locator {
    return this.root.getByTestId('related-item')
  }

  async close(): Promise<void> {
    await this.root.getByTestId('drawer-close').click()
    await this.root.waitFor({ state: 'detached' })
  }
}
