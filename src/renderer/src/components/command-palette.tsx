import { useMemo, useState, type KeyboardEvent, type ReactNode } from 'react'
import { filterCommands, type PaletteCommand } from '../lib/command-filter'
import { investigationCommandsFor } from '../lib/palette-investigation'
import { TIME_PRESETS } from '../lib/time-range'
import { useAccounts } from '../stores/accounts-store'
import { useDrawer } from '../stores/drawer-store'
import { useSettings } from '../stores/settings-store'
import { useSync } from '../stores/sync-store'
import { useUi } from '../stores/ui-store'
import { useView } from '../stores/view-store'

const MOD = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform) ? '⌘' : 'Ctrl+'

/** Ctrl/Cmd+K: switch account, sync, export, and the other things a key press should reach. */
export function CommandPalette({ onClose }: { onClose: () => void }): ReactNode {
  const accounts = useAccounts((state) => state.accounts)
  const appInfo = useSettings((state) => state.appInfo)
  const includePull = useView((state) => state.includePull)
  const [text, setText] = useState('')
  const [active, setActive] = useState(0)

  const commands = useMemo<PaletteCommand[]>(() => {
    const view = useView.getState()
    const ui = useUi.getState()
    const sync = useSync.getState()
    // Demo accounts have no source to sync from.
    const canSync = appInfo?.demo !== true
    const list: PaletteCommand[] = [
      ...(canSync ? [{ id: 'sync-all', title: 'Sync all accounts', keywords: 'refresh fetch', run: () => void sync.start() }] : []),
      { id: 'export', title: 'Export CSV…', keywords: 'download save report ndjson', run: () => ui.openModal({ kind: 'export' }) },
      { id: 'all-accounts', title: 'Switch to All accounts', keywords: 'account', run: () => view.setAccount(null) }
    ]
    for (const account of accounts) {
      list.push({
        id: `switch-${account.name}`,
        title: `Switch to ${account.name}`,
        keywords: `account ${account.kind}`,
        run: () => view.setAccount(account.name)
      })
    }
    for (const account of canSync ? accounts : []) {
      list.push({ id: `sync-${account.name}`, title: `Sync ${account.name}`, keywords: account.kind, run: () => void sync.start([account.name]) })
    }
    list.push(
      { id: 'focus-query', title: 'Search with the query bar', keywords: 'filter find', hint: '/', run: () => ui.requestQueryFocus() },
      {
        id: 'toggle-pull',
        title: includePull ? 'Exclude pull events' : 'Show pull events',
        keywords: 'pull filter',
        run: () => view.setIncludePull(!includePull)
      },
      ...TIME_PRESETS.map<PaletteCommand>((preset) => ({
        id: `time-${preset.id}`,
        title: `Time: ${preset.label}`,
        keywords: 'range period',
        run: () => view.setTime({ kind: 'preset', preset: preset.id })
      })),
      { id: 'clear', title: 'Clear all filters', keywords: 'reset', run: () => view.reset() },
      { id: 'add-account', title: 'Add account…', keywords: 'new registry', run: () => ui.openModal({ kind: 'account', mode: 'add' }) },
      ...(canSync && accounts.length > 0
        ? [
            {
              id: 'import',
              title: 'Import file…',
              keywords: 'upload json ndjson csv export activity tracker history',
              run: () => ui.openModal({ kind: 'import' })
            }
          ]
        : []),
      { id: 'evidence', title: 'Export evidence…', keywords: 'manifest sha256 folder case incident', run: () => ui.openModal({ kind: 'evidence' }) },
      { id: 'queries', title: 'Saved and recent queries…', keywords: 'save open history favourite', run: () => ui.openModal({ kind: 'queries' }) },
      { id: 'cases', title: 'Cases…', keywords: 'pin note incident', run: () => ui.openModal({ kind: 'cases' }) },
      { id: 'integrity', title: 'Archive integrity…', keywords: 'verify chain tamper hash', run: () => ui.openModal({ kind: 'integrity' }) },
      { id: 'sync-panel', title: 'Show sync status', keywords: 'panel errors', run: () => ui.setSyncPanelOpen(true) },
      { id: 'settings', title: 'Settings…', keywords: 'time zone preferences', run: () => ui.openModal({ kind: 'settings' }) },
      { id: 'columns', title: 'Choose columns…', keywords: 'hide show table', run: () => ui.openModal({ kind: 'columns' }) }
    )
    if (appInfo?.demo === true) {
      list.push({ id: 'close-demo', title: 'Close the demo archive', keywords: 'demo', run: () => void useSettings.getState().closeDemo() })
    } else {
      list.push({ id: 'open-demo', title: 'Open the demo archive', keywords: 'demo sample try', run: () => void useSettings.getState().openDemo() })
    }
    return list
  }, [accounts, appInfo, includePull])

  // What was typed can itself be the subject: a digest, repository:tag or namespace/repository.
  const investigations = investigationCommandsFor(text).map<PaletteCommand>((command) => ({
    id: command.id,
    title: command.title,
    keywords: command.keywords,
    run: () => useDrawer.getState().showPanel(command.view)
  }))
  const matches = [...investigations, ...filterCommands(commands, text).filter((command) => !investigations.some((i) => i.id === command.id))]
  const current = Math.min(active, Math.max(0, matches.length - 1))

  const run = (command: PaletteCommand | undefined): void => {
    if (command === undefined) return
    onClose()
    command.run()
  }

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'ArrowDown') {
      event.preventDefault()
      setActive((current + 1) % Math.max(1, matches.length))
    } else if (event.key === 'ArrowUp') {
      event.preventDefault()
      setActive((current - 1 + matches.length) % Math.max(1, matches.length))
    } else if (event.key === 'Enter') {
      event.preventDefault()
      run(matches[current])
    } else if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      onClose()
    }
  }

  return (
    <div className="modal-backdrop palette-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="palette" role="dialog" aria-modal="true" aria-label="Command palette" data-testid="command-palette">
        <input
          autoFocus
          className="palette-input"
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={matches[current] !== undefined ? `palette-${matches[current].id}` : undefined}
          placeholder={`Type a command (${MOD}K)`}
          value={text}
          data-testid="palette-input"
          onChange={(event) => {
            setText(event.target.value)
            setActive(0)
          }}
          onKeyDown={onKeyDown}
        />
        <ul id="palette-list" role="listbox" className="palette-list">
          {matches.length === 0 && <li className="muted palette-empty">No command matches</li>}
          {matches.map((command, index) => (
            <li
              key={command.id}
              id={`palette-${command.id}`}
              role="option"
              aria-selected={index === current}
              className={index === current ? 'active' : undefined}
              data-testid="palette-item"
              data-command={command.id}
              onMouseDown={(event) => event.preventDefault()}
              onMouseEnter={() => setActive(index)}
              onClick={() => run(command)}
            >
              <span>{command.title}</span>
              {command.hint !== undefined && <kbd>{command.hint}</kbd>}
            </li>
          ))}
        </ul>
      </div>
    </div>
  )
}
