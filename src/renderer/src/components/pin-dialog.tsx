import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { describeError } from '../lib/error-advice'
import { visibleControls } from '../lib/visible-controls'
import { useCases } from '../stores/cases-store'
import { useDrawer } from '../stores/drawer-store'
import { useNotifications } from '../stores/notifications-store'
import { useUi } from '../stores/ui-store'
import { CASE_NAME_PATTERN } from './cases-dialog'
import { Modal } from './modal'

const NEW_CASE = '\u0000new'

/** Pins an event to a case (an existing one, or one made here) with a note. */
export function PinDialog({ eventId, onClose }: { eventId: number; onClose: () => void }): ReactNode {
  const cases = useCases((state) => state.cases)
  const event = useDrawer((state) => (state.event?.id === eventId ? state.event : null))
  const [choice, setChoice] = useState<string>('')
  const [newName, setNewName] = useState('')
  const [note, setNote] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    void useCases.getState().load()
  }, [])
  // Until the user picks one: the first case, or a new one when there is none.
  const selected = choice !== '' ? choice : (cases[0]?.name ?? NEW_CASE)

  const pin = async (submit: FormEvent): Promise<void> => {
    submit.preventDefault()
    const store = useCases.getState()
    let name = selected
    setBusy(true)
    if (selected === NEW_CASE) {
      name = newName.trim()
      if (!CASE_NAME_PATTERN.test(name)) {
        setBusy(false)
        setProblem('A case name is 1–64 letters, digits, spaces, ".", "_" or "-"')
        return
      }
      const created = await store.create(name, '')
      if (!created.ok) {
        setBusy(false)
        setProblem(created.error.code === 'CONFLICT' ? `A case is already named “${name}”: choose it in the list.` : describeError(created.error))
        return
      }
    }
    const result = await store.pin(name, eventId, note.trim())
    setBusy(false)
    if (!result.ok) {
      setProblem(`${describeError(result.error)} (${result.error.message})`)
      return
    }
    useNotifications.getState().notify({ tone: 'success', text: `Pinned to the case “${name}”` })
    onClose()
  }

  return (
    <Modal
      title="Pin to case"
      onClose={onClose}
      testId="pin-dialog"
      footer={
        <>
          <button type="button" className="link-button small" onClick={() => useUi.getState().openModal({ kind: 'cases' })}>
            Open the cases…
          </button>
          <span className="spacer" />
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="pin-form" className="button primary" disabled={busy} data-testid="pin-save">
            Pin
          </button>
        </>
      }
    >
      <form id="pin-form" className="form" onSubmit={(submit) => void pin(submit)}>
        {event !== null && <p className="pin-subject">{visibleControls(event.label)}</p>}
        <label className="field">
          <span className="field-label">Case</span>
          <select value={selected} data-testid="pin-case" onChange={(change) => setChoice(change.target.value)}>
            {cases.map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {candidate.name}
              </option>
            ))}
            <option value={NEW_CASE}>New case…</option>
          </select>
        </label>
        {selected === NEW_CASE && (
          <label className="field">
            <span className="field-label">Name of the new case</span>
            <input value={newName} data-testid="pin-new-case" data-autofocus onChange={(change) => setNewName(change.target.value)} />
          </label>
        )}
        <label className="field">
          <span className="field-label">Note</span>
          <textarea
            rows={3}
            value={note}
            placeholder="Why this event matters"
            data-testid="pin-note"
            onChange={(change) => setNote(change.target.value)}
          />
          <span className="field-hint">Pinning an event again replaces its note. Pinned events are kept when old events are pruned.</span>
        </label>
        {problem !== null && (
          <p className="field-error" role="alert" data-testid="pin-problem">
            {problem}
          </p>
        )}
      </form>
    </Modal>
  )
}
