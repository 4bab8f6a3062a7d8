import type { MenuItemConstructorOptions } from 'electron'
import { defaultDataDir } from './core/paths'

/**
 * The data folder the desktop app opens: `--data-dir DIR` (or `--data-dir=DIR`) on its command
 * line, as the CLI takes it, else REGISTRY_AUDIT_DATA_DIR, else the platform's default. Chromium's
 * own switches may sit anywhere in argv; only this one is read.
 */
export function dataDirFromArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string
    if (arg.startsWith('--data-dir=')) {
      const value = arg.slice('--data-dir='.length)
      if (value.trim() !== '') return value
    } else if (arg === '--data-dir') {
      const value = argv[i + 1]
      if (value !== undefined && value.trim() !== '' && !value.startsWith('--')) return value
    }
  }
  return defaultDataDir(env)
}

/**
 * The application menu. Electron's default one offers Reload (which would drop the renderer's
 * state mid-investigation) and Toggle Developer Tools (a console beside a window that shows
 * audit records); both are there only in development.
 */
export function appMenuTemplate(platform: NodeJS.Platform, development: boolean): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    ...(development ? ([{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as const) : []),
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' }
  ]
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' }
  ]
}
