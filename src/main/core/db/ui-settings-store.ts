import type Database from 'better-sqlite3'
import {
  autoSyncSchema,
  DEFAULT_SETTINGS,
  settingsSchema,
  type AutoSync,
  type Settings
} from '../../../shared/contract'

type SettingKey = keyof Settings
const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as SettingKey[]

/**
 * The UI's settings and per-account auto-sync schedules, in the archive (migration 0002), so the
 * desktop app and browser mode over one data folder agree. Values are validated on the way in
 * and again on the way out: a value some other version wrote that this one cannot read falls
 * back to the default instead of breaking the app.
 */
export class UiSettingsStore {
  private readonly selectSetting: Database.Statement<[string], { value: string }>
  private readonly upsertSetting: Database.Statement<[string, string, number]>
  private readonly selectAutoSync: Database.Statement<[number], { enabled: number; interval_minutes: number }>
  private readonly upsertAutoSync: Database.Statement<[number, number, number, number]>
  private readonly deleteAutoSync: Database.Statement<[number]>

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now
  ) {
    this.selectSetting = db.prepare('SELECT value FROM settings WHERE key = ?')
    this.upsertSetting = db.prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
    )
    this.selectAutoSync = db.prepare('SELECT enabled, interval_minutes FROM account_auto_sync WHERE account_id = ?')
    this.upsertAutoSync = db.prepare(
      `INSERT INTO account_auto_sync (account_id, enabled, interval_minutes, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET enabled = excluded.enabled,
         interval_minutes = excluded.interval_minutes, updated_at = excluded.updated_at`
    )
    this.deleteAutoSync = db.prepare('DELETE FROM account_auto_sync WHERE account_id = ?')
  }

  getSettings(): Settings {
    const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS }
    for (const key of SETTING_KEYS) {
      const row = this.selectSetting.get(key)
      if (row === undefined) continue
      const parsed = settingsSchema.shape[key].safeParse(parseJson(row.value))
      if (parsed.success) settings[key] = parsed.data
    }
    return settings as Settings
  }

  /** Stores the given settings (validated by the caller's schema) and returns all of them. */
  setSettings(patch: Partial<Settings>): Settings {
    const at = this.now()
    this.db.transaction(() => {
      for (const key of SETTING_KEYS) {
        const value = patch[key]
        if (value === undefined) continue
        this.upsertSetting.run(key, JSON.stringify(settingsSchema.shape[key].parse(value)), at)
      }
    })()
    return this.getSettings()
  }

  /** The account's own schedule, or undefined when it follows the default. */
  ownAutoSync(accountId: number): AutoSync | undefined {
    const row = this.selectAutoSync.get(accountId)
    if (row === undefined) return undefined
    const parsed = autoSyncSchema.safeParse({ enabled: row.enabled === 1, intervalMinutes: row.interval_minutes })
    return parsed.success ? parsed.data : undefined
  }

  /** The schedule in force for the account: its own, else the default. */
  autoSyncFor(accountId: number): AutoSync {
    return this.ownAutoSync(accountId) ?? this.getSettings().defaultAutoSync
  }

  setAutoSync(accountId: number, schedule: AutoSync): void {
    const valid = autoSyncSchema.parse(schedule)
    this.upsertAutoSync.run(accountId, valid.enabled ? 1 : 0, valid.intervalMinutes, this.now())
  }

  /** Forgets the account's own schedule (the account was removed). */
  clearAutoSync(accountId: number): void {
    this.deleteAutoSync.run(accountId)
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
