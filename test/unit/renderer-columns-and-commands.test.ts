import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../src/shared/errors'
import { filterCommands } from '../../src/renderer/src/lib/command-filter'
import { adviceFor, describeError } from '../../src/renderer/src/lib/error-advice'
import { defaultColumnPreferences, EVENT_COLUMNS, parseColumnPreferences } from '../../src/renderer/src/lib/event-columns'

describe('remembered column choices', () => {
  it('starts from the defaults (Client IP hidden) when nothing or garbage is stored', () => {
    expect(parseColumnPreferences(null)).toEqual({ visibility: { client_ip: false }, sizes: {} })
    expect(parseColumnPreferences('{not json')).toEqual(defaultColumnPreferences())
    expect(parseColumnPreferences('42')).toEqual(defaultColumnPreferences())
  })

  it('keeps known columns and sane widths only', () => {
    const stored = JSON.stringify({
      visibility: { tag: false, client_ip: true, bogus: false },
      sizes: { label: 420.4, actor: 5, digest: 'wide', nope: 100 }
    })
    expect(parseColumnPreferences(stored)).toEqual({
      visibility: { tag: false, client_ip: true },
      sizes: { label: 420 }
    })
  })

  it('never hides every column', () => {
    const all = Object.fromEntries(EVENT_COLUMNS.map((column) => [column.id, false]))
    expect(parseColumnPreferences(JSON.stringify({ visibility: all })).visibility.occurred_at).toBe(true)
  })
})

describe('command palette matching', () => {
  const commands = ['Sync all accounts', 'Switch to hub-prod', 'Switch to All accounts', 'Export CSV…'].map((title) => ({
    id: title,
    title,
    keywords: title.startsWith('Export') ? 'download' : undefined,
    run: () => {}
  }))

  it('needs every word, and ranks titles that start with the first word first', () => {
    expect(filterCommands(commands, 'switch hub').map((c) => c.title)).toEqual(['Switch to hub-prod'])
    expect(filterCommands(commands, 'all').map((c) => c.title)).toEqual(['Sync all accounts', 'Switch to All accounts'])
    expect(filterCommands(commands, 'download').map((c) => c.title)).toEqual(['Export CSV…'])
    expect(filterCommands(commands, '  ')).toHaveLength(4)
  })
})

describe('errors in plain words', () => {
  it('has advice for every error code', () => {
    for (const code of ERROR_CODES) expect(adviceFor({ code }).title.length).toBeGreaterThan(0)
  })

  it('says what to do about a rejected token', () => {
    expect(describeError({ code: 'AUTH_FAILED', message: 'hub: authentication failed' })).toBe(
      'Token rejected — update the token in the account settings.'
    )
  })
})
