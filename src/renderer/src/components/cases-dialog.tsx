import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { formatTableTime } from '../lib/date-display'
import { describeError } from '../lib/error-advice'
import { formatCount } from '../lib/format'
import { visibleControls } from '../lib/visible-controls'
import { useCases } from '../stores/cases-store'
import { useDrawer } from '../stores/drawer-store'
import { useEvents } from '../stores/events-store'
import { displayZone, useSettings } from '../stores/settings-store'
import { Modal } from './modal'

/** A case's or saved query's name, as the core accepts it. */
export const CASE_NAME_PATTERN = /^[A-Za-z0-9._\- ]{1,64}$/
const CASE_NAME_RULE = 'A name is 1–64 letters, digits, spaces, ".", "_" or "-"'

/** Cases: create one, see its pinned events and notes, take pins off, delete it. */
export function CasesDialog({ name: initial, onClose }: { name?: string; onClose: () => void }): ReactNode {
  const cases = useCases((state) => state.cases)
  const detail = useCases((state) => state.detail)
  const zone = useSettings((state) => displayZone(state.settings))
  const [selected, setSelected] = useState<string | null>(initial ?? null)
  const [newName, setNewName] = useState('')
  const [description, setDescription] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [confirmDelete, setConfirmDelete] = useState(false)

  useEffect(() => {
    void useCases.getState().load()
  }, [])
  useEffect(() => {
    setConfirmDelete(false)
    if (selected !== null) void useCases.getState().open(selected)
  }, [selected])

  const create = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    const name = newName.trim()
    if (!CASE_NAME_PATTERN.test(name)) {
      setProblem(CASE_NAME_RULE)
      return
    }
    const result = await useCases.getState().create(name, description.trim())
    if (!result.ok) {
      setProblem(result.error.code === 'CONFLICT' ? `A case is already named “${name}”.` : `${describeError(result.error)} (${result.error.message})`)
      return
    }
    setProblem(null)
    setNewName('')
    setDescription('')
    setSelected(result.value.name)
  }

  const openEvent = (id: number): void => {
    const events = useEvents.getState()
    const index = events.rows.findIndex((row) => row.id === id)
    if (index >= 0) events.select(index)
    onClose()
    void useDrawer.getState().open(id)
  }

  const shown = detail !== null && detail.name === selected ? detail : null

  return (
    <Modal title="Cases" onClose={onClose} testId="cases-dialog" width={820}>
      <div className="cases-layout">
        <div className="cases-side">
          <form className="form case-form" onSubmit={(event) => void create(event)}>
            <label className="field">
              <span className="field-label">New case</span>
              <input
                value={newName}
                placeholder="e.g. INC-2041 latest overwritten"
                data-testid="case-name"
                onChange={(event) => {
                  setNewName(event.target.value)
                  setProblem(null)
                }}
              />
            </label>
            <textarea
              rows={2}
              value={description}
              placeholder="What the case is about (optional)"
              aria-label="Description of the new case"
              data-testid="case-description"
              onChange={(event) => setDescription(event.target.value)}
            />
            <button type="submit" className="button small primary" data-testid="case-create">
              Create case
            </button>
            {problem !== null && (
              <p className="field-error" role="alert" data-testid="case-problem">
                {problem}
              </p>
            )}
          </form>
          <ul className="case-list" data-testid="case-list">
            {cases.length === 0 && <li className="muted small">No cases yet.</li>}
            {cases.map((candidate) => (
              <li key={candidate.name}>
                <button
                  type="button"
                  className={`case-item${candidate.name === selected ? ' selected' : ''}`}
                  aria-current={candidate.name === selected ? 'true' : undefined}
                  data-testid="case-item"
                  data-name={candidate.name}
                  onClick={() => setSelected(candidate.name)}
                >
                  <span className="case-item-name">{candidate.name}</span>
                  <span className="muted small">{formatCount(candidate.pins)} pinned</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div className="case-detail" data-testid="case-detail" data-name={shown?.name ?? ''}>
          {shown === null ? (
            <p className="muted">{selected === null ? 'Choose or create a case.' : 'Loading…'}</p>
          ) : (
            <>
              <div className="section-head">
                <h2>{shown.name}</h2>
                {!confirmDelete ? (
                  <button type="button" className="button small danger-text" data-testid="case-delete" onClick={() => setConfirmDelete(true)}>
                    Delete case…
                  </button>
                ) : (
                  <span className="inline-confirm">
                    <span className="small">Delete the case and its notes? The events stay.</span>
                    <button type="button" className="button small" onClick={() => setConfirmDelete(false)}>
                      Keep
                    </button>
                    <button
                      type="button"
                      className="button small danger"
                      data-testid="case-delete-confirm"
                      onClick={() => {
                        void useCases.getState().remove(shown.name)
                        setSelected(null)
                      }}
                    >
                      Delete
                    </button>
                  </span>
                )}
              </div>
              {shown.description !== '' && <p className="case-description">{shown.description}</p>}
              <p className="muted small">
                Created {formatTableTime(shown.created_at, zone)} · {formatCount(shown.pins_list.length)} pinned{' '}
                {shown.pins_list.length === 1 ? 'event' : 'events'}. Pin events from the event details (“Pin to case…”).
              </p>
              <ol className="pin-list" data-testid="case-pins">
                {shown.pins_list.map((pin) => (
                  <li key={pin.eventId} className="pin" data-testid="case-pin" data-event-id={pin.eventId} data-held={pin.held}>
                    <div className="pin-head">
                      <span className="timeline-time">{formatTableTime(pin.event.occurred_at, zone)}</span>
                      <button type="button" className="link-button pin-label" data-testid="case-pin-open" disabled={!pin.held} onClick={() => openEvent(pin.eventId)}>
                        {visibleControls(pin.event.label)}
                      </button>
                      <span className="spacer" />
                      <button
                        type="button"
                        className="button small danger-text"
                        aria-label={`Unpin ${pin.event.label}`}
                        data-testid="case-unpin"
                        onClick={() => void useCases.getState().unpin(shown.name, pin.eventId)}
                      >
                        Unpin
                      </button>
                    </div>
                    <p className="muted small">
                      {pin.event.account} · {visibleControls(pin.event.actor ?? 'unknown actor')}
                      {pin.held ? '' : ' · no longer in the archive (the copy taken when it was pinned is kept)'}
                    </p>
                    {pin.note !== '' && (
                      <p className="pin-note" data-testid="case-pin-note">
                        {visibleControls(pin.note)}
                      </p>
                    )}
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      </div>
    </Modal>
  )
}
