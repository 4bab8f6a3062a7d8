import type { Locator, Page } from 'playwright-core'

/** The events grid, its header and the result count above it. */
export class EventsGridPage {
  readonly root: Locator
  readonly rows: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('events-grid')
    this.rows = this.root.getByTestId('event-row')
  }

  /** Waits until the first page of the current view has arrived. */
  async waitReady(): Promise<void> {
    await this.page.locator('[data-testid="events-grid"][data-status="ready"]').waitFor()
  }

  /** Runs `action` and waits for the new view it causes: a first page of a later generation. */
  async waitReload(action: () => Promise<void>): Promise<void> {
    const generation = (await this.root.getAttribute('data-generation')) ?? ''
    await action()
    await this.page
      .locator(`[data-testid="events-grid"][data-status="ready"]:not([data-generation="${generation}"])`)
      .waitFor()
  }

  row(index: number): Locator {
    return this.root.locator(`[data-testid="event-row"][data-index="${index}"]`)
  }

  cell(index: number, column: string): Locator {
    return this.row(index).locator(`[data-column="${column}"]`)
  }

  /** The text of one column for the rendered rows, top to bottom. */
  async columnTexts(column: string, limit = 20): Promise<string[]> {
    const rows = await this.rows.evaluateAll(
      (elements, column) =>
        elements.map((row) => ({
          index: Number(row.getAttribute('data-index')),
          text: row.querySelector(`[data-column="${column}"] .cell-text, [data-column="${column}"] .cell-time, [data-column="${column}"] .cell-empty`)?.textContent ?? ''
        })),
      column
    )
    return rows
      .sort((a, b) => a.index - b.index)
      .slice(0, limit)
      .map((row) => row.text)
  }

  /** The data-index of every rendered row. */
  async renderedIndices(): Promise<number[]> {
    return this.rows.evaluateAll((elements) => elements.map((row) => Number(row.getAttribute('data-index'))))
  }

  async loadedRows(): Promise<number> {
    return Number(await this.root.getAttribute('data-rows-loaded'))
  }

  /** The count shown above the grid (null while it is still counting). */
  async resultCount(): Promise<number | null> {
    const text = await this.page.getByTestId('result-count').getAttribute('data-count')
    return text === null || text === '' ? null : Number(text)
  }

  async waitForCount(): Promise<number> {
    await this.page.locator('[data-testid="result-count"]:not([data-count=""])').waitFor()
    return (await this.resultCount()) ?? -1
  }

  header(column: string): Locator {
    return this.root.getByTestId(`column-header-${column}`)
  }

  async sortBy(column: string): Promise<void> {
    await this.waitReload(() => this.header(column).locator('.header-sort').click())
  }

  /** Clicks the filter button of a value in the table (it shows while the pointer is over the cell). */
  async filterByCell(index: number, column: string): Promise<void> {
    const cell = this.cell(index, column)
    await cell.hover()
    await this.waitReload(() => cell.getByTestId('cell-filter').click())
  }

  async scrollToBottom(): Promise<void> {
    await this.root.evaluate((element) => {
      element.scrollTop = element.scrollHeight
    })
  }

  selectedRow(): Locator {
    return this.root.locator('[data-testid="event-row"][aria-selected="true"]')
  }
}
