import type { Locator, Page } from 'playwright-core'

/** The drawer's investigation views (lineage, tag history, deletion explainer) and the investigation dialogs. */
export class InvestigationPage {
  readonly drawer: Locator

  constructor(readonly page: Page) {
    this.drawer = page.getByTestId('event-drawer')
  }

  /** Waits until the drawer shows the given view, loaded. */
  async waitView(view: 'lineage' | 'tags' | 'deletion'): Promise<Locator> {
    const root = this.drawer.locator(`[data-testid="${view}-view"][data-status="ready"]`)
    await root.waitFor({ timeout: 20_000 })
    return root
  }

  /** The `data-*` attribute of every element matching `testId` inside `root`, in order. */
  async attributes(root: Locator, testId: string, attribute: string): Promise<string[]> {
    return root.getByTestId(testId).evaluateAll((elements, name) => elements.map((element) => element.getAttribute(name) ?? ''), attribute)
  }

  async texts(root: Locator, testId: string): Promise<string[]> {
    return root.getByTestId(testId).allTextContents()
  }

  integrityBadge(): Locator {
    return this.page.getByTestId('integrity-badge')
  }

  dialog(name: 'queries' | 'cases' | 'pin' | 'evidence' | 'integrity'): Locator {
    return this.page.getByTestId(`${name}-dialog`)
  }
}
