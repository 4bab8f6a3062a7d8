import type { ReactNode } from 'react'
import { selectedAccount } from '../lib/view-query'
import { useAccounts } from '../stores/accounts-store'
import { useUi } from '../stores/ui-store'
import { useView } from '../stores/view-store'

const ALL = ''

/** One account, or "All accounts"; the choice is the view's account filter. */
export function AccountSwitcher(): ReactNode {
  const accounts = useAccounts((state) => state.accounts)
  const query = useView((state) => state.query)
  const setAccount = useView((state) => state.setAccount)
  const openModal = useUi((state) => state.openModal)
  const current = selectedAccount(query)
  // A filter naming several accounts (typed in the query bar) shows as its own entry.
  const mixed = current === null && query.account !== undefined

  return (
    <div className="account-switcher">
      <label className="visually-hidden" htmlFor="account-switcher">
        Account
      </label>
      <select
        id="account-switcher"
        data-testid="account-switcher"
        value={mixed ? '__mixed' : (current ?? ALL)}
        onChange={(event) => setAccount(event.target.value === ALL ? null : event.target.value)}
      >
        <option value={ALL}>All accounts</option>
        {mixed && (
          <option value="__mixed" disabled>
            Several accounts (query)
          </option>
        )}
        {accounts.map((account) => (
          <option key={account.name} value={account.name}>
            {account.name}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="icon-button"
        data-testid="add-account"
        aria-label="Add account"
        title="Add account"
        onClick={() => openModal({ kind: 'account', mode: 'add' })}
      >
        +
      </button>
    </div>
  )
}
