import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import type { EventSort } from '../../../shared/query'
import { formatTableTime } from '../lib/date-display'
import { describeError } from '../lib/error-advice'
import { viewAsQueryText } from '../lib/view-as-query'
import { useNotifications } from '../stores/notifications-store'
import { useQueries } from '../stores/queries-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { useView } from '../stores/view-store'
import { Modal } from './modal'

/** The core's rule for a saved query's name: 1–64 letters, digits, ".", "_", "-" and spaces. */
const NAME_PATTERN = /^[A-Za-z0-9._\- ]{1,64}$/

/** Saved queries (save the current view, open, delete) and the recent ones, kept in the archive. */
export function QueriesDialog({ onClose }: { onClose: () => void }): ReactNode {
  const saved = useQueries((state) => state.saved)
  const recent = useQueries((state) => state.recent)
  const text = useView((state) => state.text)
  const time = useView((state) => state.time)
  const includePull = useView((state) => state.includePull)
  const sort = useView((state) => state.sort)
  const zone = useSettings((state) => displayZone(state.settings))
  const [name, setName] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [conflict, setConflict] = useState(false)
  const current = viewAsQueryText({ text, time, includePull })

  useEffect(() => {
    void useQueries.getState().load()
  }, [])

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    const trimmed = name.trim()
    if (!NAME_PATTERN.test(trimmed)) {
      setProblem('A name is 1–64 letters, digits, spaces, ".", "_" or "-"')
      return
    }
    const result = await useQueries.getState().save(trimmed, current, sort, conflict)
    if (result.ok) {
      setName('')
      setProblem(null)
      setConflict(false)
      useNotifications.getState().notify({ tone: 'success', text: `Saved the query “${result.value.name}”` })
    } else if (result.error.code === 'CONFLICT') {
      setConflict(true)
      setProblem(`A saved query is already named “${trimmed}”. Save again to replace it.`)
    } else setProblem(`${describeError(result.error)} (${result.error.message})`)
  }

  const open = (query: string, querySort: EventSort | null): void => {
    const result = useView.getState().openQuery(query, querySort)
    if (result.ok) onClose()
    else setProblem(`This query no longer reads: ${result.message}`)
  }

  return (
    <Modal title="Queries" onClose={onClose} testId="queries-dialog" width={640}>
      <form className="save-query" onSubmit={(event) => void save(event)}>
        <span className="field-label">Save the current view</span>
        <p className="mono current-query" data-testid="queries-current">
          {current === '' ? 'every event' : current}
        </p>
        <div className="inline-form">
          <input
            value={name}
            placeholder="Name, e.g. Deletes this week"
            aria-label="Name of the saved query"
            data-testid="query-name"
            data-autofocus
            onChange={(event) => {
              setName(event.target.value)
              setConflict(false)
              setProblem(null)
            }}
          />
          <button type="submit" className="button primary" data-testid="query-save">
            {conflict ? 'Replace' : 'Save'}
          </button>
        </div>
        {problem !== null && (
          <p className="field-error" role="alert" data-testid="query-problem">
            {problem}
          </p>
        )}
      </form>
      <h3 className="list-heading">Saved</h3>
      {saved.length === 0 ? (
        <p className="muted small" data-testid="saved-empty">
          No saved queries yet.
        </p>
      ) : (
        <ul className="query-list" data-testid="saved-queries">
          {saved.map((query) => (
            <li key={query.name} className="query-item" data-testid="saved-query" data-name={query.name}>
              <button type="button" className="query-open" data-testid="saved-query-open" onClick={() => open(query.query, query.sort)}>
                <strong>{query.name}</strong>
                <span className="mono muted">{query.query === '' ? 'every event' : query.query}</span>
              </button>
              <button
                type="button"
                className="button small danger-text"
                aria-label={`Delete the saved query ${query.name}`}
                data-testid="saved-query-delete"
                onClick={() => void useQueries.getState().remove(query.name)}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3 className="list-heading">Recent</h3>
      {recent.length === 0 ? (
        <p className="muted small">Queries you run show here.</p>
      ) : (
        <ul className="query-list" data-testid="recent-queries">
          {recent.map((query) => (
            <li key={query.query} className="query-item" data-testid="recent-query">
              <button type="button" className="query-open" data-testid="recent-query-open" onClick={() => open(query.query, query.sort)}>
                <span className="mono">{query.query}</span>
                <span className="muted small">
                  {formatTableTime(query.used_at, zone)} · {query.uses === 1 ? 'once' : `${query.uses} times`}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  )
}
