import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { appMenuTemplate, dataDirFromArgs } from '../../src/main/app-launch'
import { defaultDataDir } from '../../src/main/core/paths'

describe('the desktop app’s data folder', () => {
  const env = { REGISTRY_AUDIT_DATA_DIR: '/from/env' }
  it('takes --data-dir from the command line, in either spelling, before the environment', () => {
    expect(dataDirFromArgs(['/opt/app', '--no-sandbox', '--data-dir', '/cases/a'], env)).toBe('/cases/a')
    expect(dataDirFromArgs(['/opt/app', '--data-dir=/cases/b', '--enable-logging'], env)).toBe('/cases/b')
  })
  it('falls back to REGISTRY_AUDIT_DATA_DIR, then the platform default, when the switch is absent or empty', () => {
    expect(dataDirFromArgs(['/opt/app'], env)).toBe('/from/env')
    expect(dataDirFromArgs(['/opt/app', '--data-dir'], env)).toBe('/from/env')
    expect(dataDirFromArgs(['/opt/app', '--data-dir', '--enable-logging'], env)).toBe('/from/env')
    expect(dataDirFromArgs(['/opt/app', '--data-dir= '], {})).toBe(defaultDataDir({}))
    expect(path.isAbsolute(dataDirFromArgs([], {}))).toBe(true)
  })
})

describe('the application menu', () => {
  const roles = (template: ReturnType<typeof appMenuTemplate>): string[] =>
    template.flatMap((item) => [
      ...(item.role === undefined ? [] : [String(item.role)]),
      ...(Array.isArray(item.submenu) ? item.submenu.flatMap((sub) => (sub.role === undefined ? [] : [String(sub.role)])) : [])
    ])
  it('offers neither Reload nor the developer tools outside development', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const shipped = roles(appMenuTemplate(platform, false))
      expect(shipped).not.toContain('reload')
      expect(shipped).not.toContain('toggleDevTools')
      expect(shipped).toEqual(expect.arrayContaining(['fileMenu', 'editMenu', 'windowMenu', 'zoomIn']))
    }
    expect(roles(appMenuTemplate('darwin', false))).toContain('appMenu')
    expect(roles(appMenuTemplate('linux', false))).not.toContain('appMenu')
  })
  it('keeps them in development', () => {
    expect(roles(appMenuTemplate('linux', true))).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']))
  })
})
