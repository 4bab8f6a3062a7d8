import type { Download, Locator, Page } from 'playwright-core'

/** The export dialog. */
export class ExportDialogPage {
  readonly root: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('export-dialog')
  }

  async open(): Promise<void> {
    await this.page.getByTestId('export-open').click()
    await this.root.waitFor()
  }

  async setZone(zone: string): Promise<void> {
    await this.root.getByTestId('export-zone').fill(zone)
  }

  /** Starts the export and returns the browser's download (browser mode). */
  async exportCsv(): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.root.getByTestId('export-start').click()])
    return download
  }

  status(): Locator {
    return this.root.getByTestId('export-status')
  }
}
