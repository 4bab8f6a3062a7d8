import { useState, type FormEvent, type ReactNode } from 'react'
import { ACCOUNT_NAME_PATTERN } from '../../../shared/account'
import { AUTO_SYNC_DEFAULT_MINUTES, type AccountView, type ConnectionTestReport } from '../../../shared/contract'
import type { ErrorInfo } from '../../../shared/errors'
import type { SourceKind } from '../../../shared/event'
import { ACCOUNT_FORMS, fallbackForm, formFor, tokenStatusText } from '../lib/account-forms'
import { describeError } from '../lib/error-advice'
import { useAccounts } from '../stores/accounts-store'
import { useSettings } from '../stores/settings-store'
import { useSync } from '../stores/sync-store'
import { Modal } from './modal'

interface AccountDialogProps {
  /** The account to edit; absent to add one. */
  account?: AccountView
  onClose: () => void
}

type TestState =
  | { phase: 'idle' }
  | { phase: 'running' }
  | { phase: 'ok'; report: ConnectionTestReport }
  | { phase: 'failed'; error: ErrorInfo }

function stringOptions(options: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, value] of Object.entries(options)) if (typeof value === 'string') result[key] = value
  return result
}

/** Add or edit an account. The token field is write-only: it is never filled from the core. */
export function AccountDialog({ account, onClose }: AccountDialogProps): ReactNode {
  const editing = account !== undefined
  const defaultAutoSync = useSettings((state) => state.settings.defaultAutoSync)
  const { add, update, remove, test } = useAccounts.getState()
  const [name, setName] = useState(account?.name ?? '')
  const [kind, setKind] = useState<SourceKind>(account?.kind ?? 'dockerhub')
  const form = formFor(kind) ?? (account !== undefined ? fallbackForm(kind, account.url) : ACCOUNT_FORMS[0]!)
  const [url, setUrl] = useState(account?.url ?? form.defaultUrl)
  const [options, setOptions] = useState<Record<string, string>>(stringOptions(account?.options ?? {}))
  const [token, setToken] = useState('')
  const [autoSyncEnabled, setAutoSyncEnabled] = useState(account?.autoSync.enabled ?? defaultAutoSync.enabled)
  const [interval, setIntervalMinutes] = useState(
    String(account?.autoSync.intervalMinutes ?? defaultAutoSync.intervalMinutes ?? AUTO_SYNC_DEFAULT_MINUTES)
  )
  const [tokenStorage, setTokenStorage] = useState(account?.token ?? null)
  const [testState, setTestState] = useState<TestState>({ phase: 'idle' })
  const [saveError, setSaveError] = useState<ErrorInfo | null>(null)
  const [saving, setSaving] = useState(false)
  const [showErrors, setShowErrors] = useState(false)
  const [confirmRemove, setConfirmRemove] = useState(false)
  const [purgeEvents, setPurgeEvents] = useState(false)

  const problems: Record<string, string> = { ...form.validate(options) }
  if (!ACCOUNT_NAME_PATTERN.test(name)) {
    problems.name = name === '' ? 'Required' : 'Letters, digits, ".", "_" or "-", starting with a letter or digit'
  }
  if (!/^https?:\/\/\S+$/i.test(url)) problems.url = 'A URL starting with https://'
  const intervalNumber = Number(interval)
  if (!Number.isInteger(intervalNumber) || intervalNumber < 1) problems.interval = 'Whole minutes, at least 1'
  if (!editing && token.trim() === '') problems.token = 'Required'
  const valid = Object.keys(problems).length === 0

  const draftOptions = (): Record<string, string> =>
    Object.fromEntries(form.fields.map((field) => [field.key, (options[field.key] ?? '').trim()]))

  const runTest = async (): Promise<void> => {
    setShowErrors(true)
    if (Object.keys(problems).some((key) => key !== 'token' && key !== 'interval')) return
    setTestState({ phase: 'running' })
    const result = await test({
      draft: { name, kind, url: url.trim(), options: draftOptions() },
      ...(token.trim() !== '' ? { token: token.trim() } : {})
    })
    setTestState(result.ok ? { phase: 'ok', report: result.value } : { phase: 'failed', error: result.error })
  }

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    setShowErrors(true)
    if (!valid || saving) return
    setSaving(true)
    setSaveError(null)
    const autoSync = { enabled: autoSyncEnabled, intervalMinutes: intervalNumber }
    const result = editing
      ? await update({
          name,
          url: url.trim(),
          options: { ...account.options, ...draftOptions() },
          autoSync,
          ...(token.trim() !== '' ? { token: token.trim() } : {})
        })
      : await add({ name, kind, url: url.trim(), options: draftOptions(), token: token.trim(), autoSync })
    setSaving(false)
    if (!result.ok) {
      setSaveError(result.error)
      return
    }
    setToken('')
    setTokenStorage(result.value.token)
    void useSync.getState().load()
    if (!editing) {
      // A new account syncs at once: that is what the user added it for.
      void useSync.getState().start([result.value.name])
    }
    onClose()
  }

  const removeAccount = async (): Promise<void> => {
    if (account === undefined) return
    if (await remove(account.name, purgeEvents)) onClose()
  }

  const fieldError = (key: string): ReactNode =>
    showErrors && problems[key] !== undefined ? (
      <span className="field-error" data-testid={`field-error-${key}`}>
        {problems[key]}
      </span>
    ) : null

  return (
    <Modal
      title={editing ? `Edit account ${account.name}` : 'Add account'}
      onClose={onClose}
      testId="account-dialog"
      footer={
        <>
          {editing && !confirmRemove && (
            <button type="button" className="button danger-text" onClick={() => setConfirmRemove(true)} data-testid="remove-account">
              Remove account…
            </button>
          )}
          <span className="spacer" />
          <button type="button" className="button" onClick={() => void runTest()} disabled={testState.phase === 'running'} data-testid="test-connection">
            {testState.phase === 'running' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="account-form" className="button primary" disabled={saving} data-testid="save-account">
            {saving ? 'Saving…' : editing ? 'Save' : 'Add account'}
          </button>
        </>
      }
    >
      <form id="account-form" className="form" onSubmit={(event) => void save(event)} noValidate>
        <label className="field">
          <span className="field-label">Kind</span>
          <select
            value={kind}
            disabled={editing}
            data-testid="account-kind"
            onChange={(event) => {
              const next = event.target.value as SourceKind
              setKind(next)
              setUrl(formFor(next)?.defaultUrl ?? '')
            }}
          >
            {(formFor(kind) === undefined ? [...ACCOUNT_FORMS, form] : ACCOUNT_FORMS).map((candidate) => (
              <option key={candidate.kind} value={candidate.kind}>
                {candidate.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Account name</span>
          <input
            value={name}
            disabled={editing}
            data-testid="account-name"
            data-autofocus={editing ? undefined : true}
            autoComplete="off"
            spellCheck={false}
            placeholder="hub-acme"
            onChange={(event) => setName(event.target.value)}
          />
          <span className="field-hint">How this account is named in the app and the CLI; it cannot change later.</span>
          {fieldError('name')}
        </label>
        {form.fields.map((field) => (
          <label className="field" key={field.key}>
            <span className="field-label">{field.label}</span>
            <input
              value={options[field.key] ?? ''}
              data-testid={`account-option-${field.key}`}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => setOptions({ ...options, [field.key]: event.target.value })}
            />
            <span className="field-hint">{field.hint}</span>
            {fieldError(field.key)}
          </label>
        ))}
        <label className="field">
          <span className="field-label">URL</span>
          <input
            value={url}
            data-testid="account-url"
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setUrl(event.target.value)}
          />
          {fieldError('url')}
        </label>
        <label className="field">
          <span className="field-label">{form.tokenLabel}</span>
          <input
            type="password"
            value={token}
            data-testid="account-token"
            data-autofocus={editing ? true : undefined}
            autoComplete="new-password"
            spellCheck={false}
            placeholder={editing ? 'Leave empty to keep the stored token' : ''}
            onChange={(event) => setToken(event.target.value)}
          />
          <span className="field-hint">{form.tokenHint}</span>
          {tokenStorage !== null && (
            <span className={`token-status token-${tokenStorage}`} data-testid="token-status">
              {tokenStatusText(tokenStorage)}
            </span>
          )}
          {fieldError('token')}
        </label>
        <div className="field field-inline">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={autoSyncEnabled}
              data-testid="account-autosync"
              onChange={(event) => setAutoSyncEnabled(event.target.checked)}
            />
            Sync automatically every
          </label>
          <input
            className="narrow"
            type="number"
            min={1}
            value={interval}
            disabled={!autoSyncEnabled}
            aria-label="Minutes between syncs"
            onChange={(event) => setIntervalMinutes(event.target.value)}
          />
          <span>minutes while the app runs</span>
          {fieldError('interval')}
        </div>
        <TestResult state={testState} />
        {saveError !== null && (
          <p className="form-error" role="alert" data-testid="account-save-error">
            {describeError(saveError)}
            <span className="error-detail">{saveError.message}</span>
          </p>
        )}
        {confirmRemove && account !== undefined && (
          <div className="confirm-box" role="alert">
            <p>
              Remove <strong>{account.name}</strong> and its token? Its {account.held.count.toLocaleString('en-US')} archived
              events stay unless you also delete them.
            </p>
            <label className="checkbox">
              <input type="checkbox" checked={purgeEvents} onChange={(event) => setPurgeEvents(event.target.checked)} />
              Also delete its archived events (cannot be undone)
            </label>
            <div className="confirm-actions">
              <button type="button" className="button" onClick={() => setConfirmRemove(false)}>
                Keep account
              </button>
              <button type="button" className="button danger" onClick={() => void removeAccount()} data-testid="confirm-remove-account">
                Remove
              </button>
            </div>
          </div>
        )}
      </form>
    </Modal>
  )
}

function TestResult({ state }: { state: TestState }): ReactNode {
  switch (state.phase) {
    case 'idle':
    case 'running':
      return null
    case 'ok':
      return (
        <div className="test-result ok" role="status" data-testid="test-result">
          <strong>Connection works.</strong>
          <ul>
            {state.report.details.map((line) => (
              <li key={line}>{line}</li>
            ))}
            {state.report.warnings.map((line) => (
              <li key={line} className="warning">
                {line}
              </li>
            ))}
          </ul>
        </div>
      )
    case 'failed':
      return (
        <div className="test-result failed" role="alert" data-testid="test-result">
          <strong>{describeError(state.error)}</strong>
          <span className="error-detail">{state.error.message}</span>
        </div>
      )
  }
}
