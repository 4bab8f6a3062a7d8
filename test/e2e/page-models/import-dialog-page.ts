import type { Locator, Page } from 'playwright-core'

/** The "Import a file" dialog and its report. */
export class ImportDialogPage {
  readonly root: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('import-dialog')
  }

  /** Chooses the file in the browser's file chooser and waits for the report (or a failure). */
  async importFile(file: string): Promise<Locator> {
    const [chooser] = await Promise.all([this.page.waitForEvent('filechooser'), this.root.getByTestId('import-choose').click()])
    await chooser.setFiles(file)
    const status = this.root.locator('[data-testid="import-status"]:is([data-phase="done"], [data-phase="failed"])')
    await status.waitFor({ timeout: 30_000 })
    return status
  }

  value(name: 'imported' | 'duplicates' | 'rejected' | 'rows'): Locator {
    return this.root.getByTestId(`import-${name}`)
  }

  /** Line number and reason of every listed rejection. */
  async rejections(): Promise<Array<{ line: number; reason: string }>> {
    return this.root.getByTestId('import-rejection').evaluateAll((rows) =>
      rows.map((row) => ({ line: Number(row.getAttribute('data-line')), reason: row.querySelectorAll('td')[1]?.textContent ?? '' }))
    )
  }
}
