import type { Locator, Page } from 'playwright-core'

export interface DockerHubAccountForm {
  name: string
  org: string
  username: string
  url: string
  token: string
  autoSync?: boolean
}

export interface AccountForm {
  name: string
  kind: string
  url: string
  token: string
  options: Record<string, string | boolean>
  autoSync?: boolean
}

/** The add/edit account dialog. */
export class AccountDialogPage {
  readonly root: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('account-dialog')
  }

  async fill(form: DockerHubAccountForm): Promise<void> {
    await this.root.getByTestId('account-name').fill(form.name)
    await this.root.getByTestId('account-option-org').fill(form.org)
    await this.root.getByTestId('account-option-username').fill(form.username)
    await this.root.getByTestId('account-url').fill(form.url)
    await this.root.getByTestId('account-token').fill(form.token)
    await this.root.getByTestId('account-autosync').setChecked(form.autoSync ?? false)
  }

  /** Fills the form for any kind: text, list and select options by key, checkboxes with booleans. */
  async fillAccount(form: AccountForm): Promise<void> {
    await this.root.getByTestId('account-kind').selectOption(form.kind)
    await this.root.getByTestId('account-name').fill(form.name)
    await this.root.getByTestId('account-url').fill(form.url)
    for (const [key, value] of Object.entries(form.options)) {
      const input = this.option(key)
      if (typeof value === 'boolean') await input.setChecked(value)
      else if ((await input.evaluate((element) => element.tagName)) === 'SELECT') await input.selectOption(value)
      else await input.fill(value)
    }
    await this.root.getByTestId('account-token').fill(form.token)
    await this.root.getByTestId('account-autosync').setChecked(form.autoSync ?? false)
  }

  option(key: string): Locator {
    return this.root.getByTestId(`account-option-${key}`)
  }

  fieldError(key: string): Locator {
    return this.root.getByTestId(`field-error-${key}`)
  }

  /** The explanation under a field (where IBM delivers a region's events, a GUID's endpoint). */
  describe(key: string): Locator {
    return this.root.getByTestId(`field-describe-${key}`)
  }

  /** The warnings a successful connection test reported. */
  testWarnings(): Locator {
    return this.root.getByTestId('test-warning')
  }

  async testConnection(): Promise<Locator> {
    await this.root.getByTestId('test-connection').click()
    const result = this.root.getByTestId('test-result')
    await result.waitFor()
    return result
  }

  async save(): Promise<void> {
    await this.root.getByTestId('save-account').click()
    await this.root.waitFor({ state: 'detached' })
  }

  tokenStatus(): Locator {
    return this.root.getByTestId('token-status')
  }

  tokenInput(): Locator {
    return this.root.getByTestId('account-token')
  }
}
