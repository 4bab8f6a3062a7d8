import os from 'node:os'
import path from 'node:path'

/**
 * The app's name as Electron sees it (package.json `name`): Electron's `app.getPath('userData')`
 * is `<platform app-data folder>/<name>`, and the CLI computes the same folder without Electron so
 * that a cron sync feeds the archive the desktop app shows.
 */
export const APP_NAME = 'registry-audit-viewer'

/** Overrides the data folder for both the app and the CLI. */
export const DATA_DIR_ENV = 'REGISTRY_AUDIT_DATA_DIR'

/**
 * The per-user data folder: `REGISTRY_AUDIT_DATA_DIR` if set, otherwise the folder Electron's
 * `app.getPath('userData')` gives for this app (Linux: `$XDG_CONFIG_HOME` or `~/.config`; macOS:
 * `~/Library/Application Support`; Windows: `%APPDATA%`). Pure apart from its defaults, so each
 * platform's answer can be tested on any platform.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir()
): string {
  const override = env[DATA_DIR_ENV]
  if (override !== undefined && override.trim() !== '') return override
  switch (platform) {
    case 'win32': {
      // Electron asks Windows for FOLDERID_RoamingAppData, which is what %APPDATA% names.
      const appData = nonEmpty(env.APPDATA) ?? path.win32.join(home, 'AppData', 'Roaming')
      return path.win32.join(appData, APP_NAME)
    }
    case 'darwin':
      return path.posix.join(home, 'Library', 'Application Support', APP_NAME)
    default: {
      // Chromium's GetXDGDirectory takes any non-empty XDG_CONFIG_HOME as it is; so do we.
      const base = nonEmpty(env.XDG_CONFIG_HOME) ?? path.posix.join(home, '.config')
      return path.posix.join(base, APP_NAME)
    }
  }
}

/** The archive database inside a data folder. */
export function archivePath(dataDir: string): string {
  return path.join(dataDir, 'archive.sqlite')
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
