import { useId, useState, type FormEvent, type ReactNode } from 'react'
import { ACCOUNT_NAME_PATTERN } from '../../../shared/account'
import { AUTO_SYNC_DEFAULT_MINUTES, type AccountView, type ConnectionTestReport } from '../../../shared/contract'
import type { ErrorInfo } from '../../../shared/errors'
import type { SourceKind } from '../../../shared/event'
import {
  ACCOUNT_FORMS,
  fallbackForm,
  formFor,
  mergeOptions,
  tokenStatusText,
  valuesFromOptions,
  type FormValues,
  type KindForm,
  type OptionField
} from '../lib/account-forms'
import { describeError } from '../lib/error-advice'
import { visibleControls } from '../lib/visible-controls'
import { useAccounts } from '../stores/accounts-store'
import { useSettings } from '../stores/settings-store'
import { useSync } from '../stores/sync-store'
import { useUi } from '../stores/ui-store'
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

/** Add or edit an account of any kind. The token field is write-only: it is never filled from the core. */
export function AccountDialog({ account, onClose }: AccountDialogProps): ReactNode {
  const editing = account !== undefined
  const defaultAutoSync = useSettings((state) => state.settings.defaultAutoSync)
  const demo = useSettings((state) => state.appInfo?.demo === true)
  const { add, update, remove, test } = useAccounts.getState()
  const [name, setName] = useState(account?.name ?? '')
  const [kind, setKind] = useState<SourceKind>(account?.kind ?? 'dockerhub')
  const form: KindForm = formFor(kind) ?? (account !== undefined ? fallbackForm(kind, account.url) : ACCOUNT_FORMS[0]!)
  const [url, setUrl] = useState(account?.url ?? form.defaultUrl)
  const [values, setValues] = useState<FormValues>(valuesFromOptions(form.fields, account?.options ?? {}))
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

  const problems: Record<string, string> = { ...form.validate(values) }
  const resolvedUrl = form.resolveUrl(url, values)
  if ('problem' in resolvedUrl) problems.url = resolvedUrl.problem
  if (!ACCOUNT_NAME_PATTERN.test(name)) {
    problems.name = name === '' ? 'Required' : 'Letters, digits, ".", "_" or "-", starting with a letter or digit'
  }
  const intervalNumber = Number(interval)
  if (!Number.isInteger(intervalNumber) || intervalNumber < 1) problems.interval = 'Whole minutes, at least 1'
  const needsToken = form.needsToken(values)
  if (!editing && needsToken && token.trim() === '') problems.token = 'Required'
  const valid = Object.keys(problems).length === 0
  const accountUrl = 'url' in resolvedUrl ? resolvedUrl.url : url.trim()
  const options = editing ? mergeOptions(account.options, form.fields, values) : form.toOptions(values)

  const chooseKind = (next: SourceKind): void => {
    const nextForm = formFor(next)
    setKind(next)
    setUrl(nextForm?.defaultUrl ?? '')
    setValues(valuesFromOptions(nextForm?.fields ?? [], {}))
    setTestState({ phase: 'idle' })
  }

  const runTest = async (): Promise<void> => {
    setShowErrors(true)
    if (Object.keys(problems).some((key) => key !== 'token' && key !== 'interval')) return
    setTestState({ phase: 'running' })
    const result = await test({
      draft: { name, kind, url: accountUrl, options },
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
    const secret = token.trim() !== '' ? { token: token.trim() } : {}
    const result = editing
      ? await update({ name, url: accountUrl, options, autoSync, ...secret })
      : await add({ name, kind, url: accountUrl, options, autoSync, ...secret })
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
      <span className="field-error" data-testid={`field-error-${key}`} role="alert">
        {problems[key]}
      </span>
    ) : null

  const describe = (key: string): ReactNode => {
    const text = form.describe(key, values, url)
    return text === null ? null : (
      <span className="field-describe" data-testid={`field-describe-${key}`}>
        {text}
      </span>
    )
  }

  return (
    <Modal
      title={editing ? `Edit account ${account.name}` : 'Add account'}
      onClose={onClose}
      testId="account-dialog"
      width={560}
      footer={
        <>
          {editing && !confirmRemove && (
            <button type="button" className="button danger-text" onClick={() => setConfirmRemove(true)} data-testid="remove-account">
              Remove account…
            </button>
          )}
          {editing && !demo && (
            <button
              type="button"
              className="button"
              data-testid="account-import"
              onClick={() => useUi.getState().openModal({ kind: 'import', account: account.name })}
            >
              Import file…
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
          <select value={kind} disabled={editing} data-testid="account-kind" onChange={(event) => chooseKind(event.target.value as SourceKind)}>
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
            placeholder={`${kind}-acme`}
            onChange={(event) => setName(event.target.value)}
          />
          <span className="field-hint">How this account is named in the app and the CLI; it cannot change later.</span>
          {fieldError('name')}
        </label>
        <label className="field">
          <span className="field-label">{form.urlLabel}</span>
          <input
            value={url}
            data-testid="account-url"
            autoComplete="off"
            spellCheck={false}
            placeholder={form.urlPlaceholder}
            aria-invalid={showErrors && problems.url !== undefined}
            onChange={(event) => setUrl(event.target.value)}
          />
          {form.urlHint !== '' && <span className="field-hint">{form.urlHint}</span>}
          {describe('url')}
          {fieldError('url')}
        </label>
        {form.fields
          .filter((field) => field.visible === undefined || field.visible(values))
          .map((field) => (
            <OptionInput
              key={field.key}
              field={field}
              value={values[field.key]}
              invalid={showErrors && problems[field.key] !== undefined}
              onChange={(value) => setValues({ ...values, [field.key]: value })}
            >
              {describe(field.key)}
              {fieldError(field.key)}
            </OptionInput>
          ))}
        <label className="field">
          <span className="field-label">
            {form.tokenLabel}
            {!needsToken && <span className="muted"> (not needed)</span>}
          </span>
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

/** One option field, as its type asks: text (with suggestions), a list, a choice or a checkbox. */
function OptionInput({
  field,
  value,
  invalid,
  onChange,
  children
}: {
  field: OptionField
  value: string | boolean | undefined
  invalid: boolean
  onChange: (value: string | boolean) => void
  children: ReactNode
}): ReactNode {
  const listId = useId()
  const testId = `account-option-${field.key}`
  const text = typeof value === 'string' ? value : ''
  if (field.type === 'checkbox') {
    return (
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={value === true} data-testid={testId} onChange={(event) => onChange(event.target.checked)} />
          {field.label}
        </label>
        <span className="field-hint">{field.hint}</span>
        {children}
      </div>
    )
  }
  return (
    <label className="field">
      <span className="field-label">
        {field.label}
        {field.optional === true && <span className="muted"> (optional)</span>}
      </span>
      {field.type === 'select' ? (
        <select value={text} data-testid={testId} onChange={(event) => onChange(event.target.value)}>
          {(field.choices ?? []).map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      ) : field.type === 'list' ? (
        <textarea
          className="list-input"
          rows={3}
          value={text}
          data-testid={testId}
          spellCheck={false}
          placeholder={field.placeholder}
          aria-invalid={invalid}
          onChange={(event) => onChange(event.target.value)}
        />
      ) : (
        <>
          <input
            value={text}
            data-testid={testId}
            autoComplete="off"
            spellCheck={false}
            placeholder={field.placeholder}
            aria-invalid={invalid}
            list={field.suggestions !== undefined ? listId : undefined}
            onChange={(event) => onChange(event.target.value)}
          />
          {field.suggestions !== undefined && (
            <datalist id={listId}>
              {field.suggestions.map((suggestion) => (
                <option key={suggestion} value={suggestion} />
              ))}
            </datalist>
          )}
        </>
      )}
      <span className="field-hint">{field.hint}</span>
      {children}
    </label>
  )
}

function TestResult({ state }: { state: TestState }): ReactNode {
  switch (state.phase) {
    case 'idle':
    case 'running':
      return null
    case 'ok':
      return (
        <div className={`test-result ok${state.report.warnings.length > 0 ? ' has-warnings' : ''}`} role="status" data-testid="test-result">
          <strong>Connection works.</strong>
          <ul>
            {state.report.details.map((line) => (
              <li key={line}>{visibleControls(line)}</li>
            ))}
          </ul>
          {state.report.warnings.length > 0 && (
            <ul className="warning-list" data-testid="test-warnings">
              {state.report.warnings.map((line) => (
                <li key={line} className="warning" data-testid="test-warning">
                  {visibleControls(line)}
                </li>
              ))}
            </ul>
          )}
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
