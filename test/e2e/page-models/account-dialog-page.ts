import type { Locator, Page } from 'playwright-core'

export interface DockerHubAccountForm {
  name: string
  org: string
  username: string
  url: string
  token: string
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
