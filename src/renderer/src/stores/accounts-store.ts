import { create } from 'zustand'
import type {
  AccountView,
  ConnectionTestReport,
  NewAccountInput,
  TestConnectionInput,
  UpdateAccountInput
} from '../../../shared/contract'
import type { ErrorInfo, Result } from '../../../shared/errors'
import { call } from '../api'

/** The configured accounts as the core reports them (never with a token). */
interface AccountsState {
  accounts: AccountView[]
  /** False until the first list arrives, so the UI can tell "loading" from "no accounts". */
  loaded: boolean
  /** Why the list could not be read (the core is unreachable, the page has no access token). */
  error: ErrorInfo | null
  load: () => Promise<void>
  /** Form errors are shown in the dialog, so these calls report inline. */
  add: (input: NewAccountInput) => Promise<Result<AccountView>>
  update: (input: UpdateAccountInput) => Promise<Result<AccountView>>
  remove: (name: string, purgeEvents: boolean) => Promise<boolean>
  test: (input: TestConnectionInput) => Promise<Result<ConnectionTestReport>>
}

function upsert(accounts: AccountView[], account: AccountView): AccountView[] {
  const others = accounts.filter((candidate) => candidate.name !== account.name)
  return [...others, account].sort((a, b) => a.name.localeCompare(b.name))
}

export const useAccounts = create<AccountsState>()((set, get) => ({
  accounts: [],
  loaded: false,
  error: null,
  load: async () => {
    const result = await call('listAccounts', [])
    if (result.ok) set({ accounts: [...result.value].sort((a, b) => a.name.localeCompare(b.name)), loaded: true, error: null })
    else set({ loaded: true, error: result.error })
  },
  add: async (input) => {
    const result = await call('addAccount', [input], { inline: true })
    if (result.ok) set({ accounts: upsert(get().accounts, result.value) })
    return result
  },
  update: async (input) => {
    const result = await call('updateAccount', [input], { inline: true })
    if (result.ok) set({ accounts: upsert(get().accounts, result.value) })
    return result
  },
  remove: async (name, purgeEvents) => {
    const result = await call('removeAccount', [{ name, purgeEvents }])
    if (result.ok) set({ accounts: get().accounts.filter((account) => account.name !== name) })
    return result.ok
  },
  test: (input) => call('testConnection', [input], { inline: true })
}))
