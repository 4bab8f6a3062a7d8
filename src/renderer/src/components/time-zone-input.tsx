import { useId, useMemo, useState, type ReactNode } from 'react'
import { validateTimeZone } from '../../../shared/time'

/** True for "UTC", an IANA name, and "local" where it is allowed. */
function isZone(text: string, allowLocal: boolean): boolean {
  if (text.toLowerCase() === 'local') return allowLocal
  if (text === '') return false
  try {
    validateTimeZone(text)
    return true
  } catch {
    return false
  }
}

/** Every IANA zone the runtime knows, for the input's suggestions. */
function knownZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] }
  try {
    return intl.supportedValuesOf?.('timeZone') ?? []
  } catch {
    return []
  }
}

interface TimeZoneInputProps {
  label: string
  value: string
  onChange: (value: string, valid: boolean) => void
  testId: string
  hint?: string
  /** Offer "local" (the viewer's zone) as a choice. */
  allowLocal?: boolean
}

/** "local", "UTC" or any IANA zone, typed with suggestions and checked as the user types. */
export function TimeZoneInput({ label, value, onChange, testId, hint, allowLocal = false }: TimeZoneInputProps): ReactNode {
  const listId = useId()
  const zones = useMemo(knownZones, [])
  const [text, setText] = useState(value)
  const valid = isZone(text.trim(), allowLocal)
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        list={listId}
        value={text}
        data-testid={testId}
        aria-invalid={!valid}
        spellCheck={false}
        onChange={(event) => {
          const next = event.target.value.trim()
          setText(event.target.value)
          onChange(next, isZone(next, allowLocal))
        }}
      />
      <datalist id={listId}>
        {allowLocal && <option value="local">The computer's zone</option>}
        <option value="UTC" />
        {zones.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      {hint !== undefined && <span className="field-hint">{hint}</span>}
      {!valid && <span className="field-error">Not a time zone: use UTC{allowLocal ? ', local' : ''} or a name such as Europe/Berlin</span>}
    </label>
  )
}
