import { create } from 'zustand'
import { DEFAULT_SETTINGS, type AppInfo, type Settings } from '../../../shared/contract'
import { resolveTimeZone } from '../../../shared/time'
import { call } from '../api'
import {
  COLUMN_PREFERENCES_KEY,
  parseColumnPreferences,
  type ColumnPreferences,
  type ColumnSizes,
  type ColumnVisibility
} from '../lib/event-columns'

/**
 * Settings the core keeps (display time zone, default schedule), what the app is (transport,
 * demo), and the column choices this window remembers in localStorage.
 */
interface SettingsState {
  settings: Settings
  appInfo: AppInfo | null
  columns: ColumnPreferences
  load: () => Promise<void>
  save: (patch: Partial<Settings>) => Promise<boolean>
  setColumnVisibility: (visibility: ColumnVisibility) => void
  setColumnSizes: (sizes: ColumnSizes) => void
  openDemo: () => Promise<boolean>
  closeDemo: () => Promise<boolean>
}

function readColumns(): ColumnPreferences {
  try {
    return parseColumnPreferences(window.localStorage.getItem(COLUMN_PREFERENCES_KEY))
  } catch {
    // Storage can be unavailable (privacy modes); the defaults still work.
    return parseColumnPreferences(null)
  }
}

function writeColumns(columns: ColumnPreferences): void {
  try {
    window.localStorage.setItem(COLUMN_PREFERENCES_KEY, JSON.stringify(columns))
  } catch {
    // Not remembering a column width is not worth interrupting the user for.
  }
}

export const useSettings = create<SettingsState>()((set, get) => ({
  settings: DEFAULT_SETTINGS,
  appInfo: null,
  columns: readColumns(),
  load: async () => {
    const [settings, info] = await Promise.all([call('getSettings', []), call('appInfo', [])])
    set({
      ...(settings.ok ? { settings: settings.value } : {}),
      ...(info.ok ? { appInfo: info.value } : {})
    })
  },
  save: async (patch) => {
    const result = await call('setSettings', [patch])
    if (result.ok) set({ settings: result.value })
    return result.ok
  },
  setColumnVisibility: (visibility) => {
    const columns = { ...get().columns, visibility }
    writeColumns(columns)
    set({ columns })
  },
  setColumnSizes: (sizes) => {
    const columns = { ...get().columns, sizes }
    writeColumns(columns)
    set({ columns })
  },
  openDemo: async () => {
    const result = await call('openDemo', [])
    if (result.ok) set({ appInfo: result.value })
    return result.ok
  },
  closeDemo: async () => {
    const result = await call('closeDemo', [])
    if (result.ok) set({ appInfo: result.value })
    return result.ok
  }
}))

/**
 * The IANA zone the display uses: `local` is resolved in the renderer, which is where the viewer
 * sits (in browser mode the core may run elsewhere).
 */
export function displayZone(settings: Settings): string {
  try {
    return resolveTimeZone(settings.timeZone)
  } catch {
    return 'UTC'
  }
}
