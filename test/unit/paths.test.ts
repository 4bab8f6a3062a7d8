import { describe, expect, it } from 'vitest'
import { archivePath, defaultDataDir } from '../../src/main/core/paths'

describe('defaultDataDir', () => {
  it('uses REGISTRY_AUDIT_DATA_DIR above everything else', () => {
    const env = { REGISTRY_AUDIT_DATA_DIR: '/srv/audit', XDG_CONFIG_HOME: '/x', APPDATA: 'C:\\A' }
    expect(defaultDataDir(env, 'linux', '/home/u')).toBe('/srv/audit')
    expect(defaultDataDir(env, 'darwin', '/Users/u')).toBe('/srv/audit')
    expect(defaultDataDir(env, 'win32', 'C:\\Users\\u')).toBe('/srv/audit')
  })

  it('ignores an empty override', () => {
    expect(defaultDataDir({ REGISTRY_AUDIT_DATA_DIR: '' }, 'linux', '/home/u')).toBe(
      '/home/u/.config/registry-audit-viewer'
    )
  })

  it('follows XDG_CONFIG_HOME on Linux, else ~/.config', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/home/u/cfg' }, 'linux', '/home/u')).toBe(
      '/home/u/cfg/registry-audit-viewer'
    )
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/home/u/cfg/' }, 'linux', '/home/u')).toBe(
      '/home/u/cfg/registry-audit-viewer'
    )
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.config/registry-audit-viewer')
    expect(defaultDataDir({ XDG_CONFIG_HOME: '' }, 'freebsd', '/home/u')).toBe(
      '/home/u/.config/registry-audit-viewer'
    )
  })

  it('uses Application Support on macOS, whatever XDG says', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'darwin', '/Users/u')).toBe(
      '/Users/u/Library/Application Support/registry-audit-viewer'
    )
  })

  it('uses %APPDATA% on Windows, with backslashes', () => {
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\registry-audit-viewer'
    )
    expect(defaultDataDir({}, 'win32', 'C:\\Users\\u')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\registry-audit-viewer'
    )
  })

  it('defaults to the real environment', () => {
    const saved = process.env.REGISTRY_AUDIT_DATA_DIR
    process.env.REGISTRY_AUDIT_DATA_DIR = '/tmp/from-env'
    try {
      expect(defaultDataDir()).toBe('/tmp/from-env')
    } finally {
      if (saved === undefined) delete process.env.REGISTRY_AUDIT_DATA_DIR
      else process.env.REGISTRY_AUDIT_DATA_DIR = saved
    }
  })
})

describe('archivePath', () => {
  it('is archive.sqlite inside the data folder', () => {
    expect(archivePath('/data/dir')).toBe('/data/dir/archive.sqlite')
  })
})
