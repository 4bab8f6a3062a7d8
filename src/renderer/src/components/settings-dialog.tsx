import { useState, type ReactNode } from 'react'
import { useSettings } from '../stores/settings-store'
import { Modal } from './modal'
import { TimeZoneInput } from './time-zone-input'

/** Display time zone, the default schedule for new accounts, and what this window is looking at. */
export function SettingsDialog({ onClose }: { onClose: () => void }): ReactNode {
  const settings = useSettings((state) => state.settings)
  const appInfo = useSettings((state) => state.appInfo)
  const save = useSettings((state) => state.save)
  const [zone, setZone] = useState(settings.timeZone)
  const [zoneValid, setZoneValid] = useState(true)
  const [autoEnabled, setAutoEnabled] = useState(settings.defaultAutoSync.enabled)
  const [interval, setIntervalText] = useState(String(settings.defaultAutoSync.intervalMinutes))
  const [saving, setSaving] = useState(false)
  const intervalNumber = Number(interval)
  const intervalValid = Number.isInteger(intervalNumber) && intervalNumber >= 1

  const submit = async (): Promise<void> => {
    if (!zoneValid || !intervalValid) return
    setSaving(true)
    const ok = await save({ timeZone: zone, defaultAutoSync: { enabled: autoEnabled, intervalMinutes: intervalNumber } })
    setSaving(false)
    if (ok) onClose()
  }

  return (
    <Modal
      title="Settings"
      onClose={onClose}
      testId="settings-dialog"
      footer={
        <>
          <span className="spacer" />
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            data-testid="settings-save"
            disabled={saving || !zoneValid || !intervalValid}
            onClick={() => void submit()}
          >
            Save
          </button>
        </>
      }
    >
      <div className="form">
        <TimeZoneInput
          label="Time zone"
          value={zone}
          allowLocal
          testId="settings-zone"
          hint="Dates in the table, the drawer and the filters use this zone; the date column header names it."
          onChange={(value, valid) => {
            setZone(value)
            setZoneValid(valid)
          }}
        />
        <div className="field field-inline">
          <label className="checkbox">
            <input type="checkbox" checked={autoEnabled} onChange={(event) => setAutoEnabled(event.target.checked)} />
            New accounts sync automatically every
          </label>
          <input
            className="narrow"
            type="number"
            min={1}
            value={interval}
            disabled={!autoEnabled}
            aria-label="Minutes between syncs"
            onChange={(event) => setIntervalText(event.target.value)}
          />
          <span>minutes</span>
        </div>
      </div>
      {appInfo !== null && (
        <dl className="summary-list about">
          <div>
            <dt>Version</dt>
            <dd>{appInfo.version}</dd>
          </div>
          <div>
            <dt>Archive</dt>
            <dd className="mono">{appInfo.archive}</dd>
          </div>
          <div>
            <dt>Running as</dt>
            <dd>{appInfo.transport === 'electron' ? 'Desktop app' : 'Browser mode (registry-audit serve)'}</dd>
          </div>
        </dl>
      )}
    </Modal>
  )
}
