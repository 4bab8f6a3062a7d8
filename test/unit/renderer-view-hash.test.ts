import { describe, expect, it } from 'vitest'
import { DEFAULT_VIEW, formatViewHash, parseViewHash } from '../../src/renderer/src/lib/view-hash'

describe('the view in the URL hash', () => {
  it('reads back what it writes', () => {
    const view = {
      q: 'verb:DELETE repo:team/* -actor:ci-bot "free text"',
      time: { kind: 'absolute' as const, from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 31, 12) },
      sort: { key: 'actor' as const, dir: 'asc' as const },
      includePull: true
    }
    expect(parseViewHash(formatViewHash(view))).toEqual(view)
    const preset = { ...DEFAULT_VIEW, time: { kind: 'preset' as const, preset: '7d' as const } }
    expect(parseViewHash(formatViewHash(preset))).toEqual(preset)
  })

  it('leaves defaults out, so an untouched view has no hash', () => {
    expect(formatViewHash(DEFAULT_VIEW)).toBe('')
    expect(formatViewHash({ ...DEFAULT_VIEW, q: 'tag:latest' })).toBe('#q=tag%3Alatest')
  })

  it('keeps keys it does not own, such as browser mode’s token', () => {
    const hash = formatViewHash({ ...DEFAULT_VIEW, q: 'actor:alice' }, '#token=abc&q=old&t=1h')
    const params = new URLSearchParams(hash.slice(1))
    expect(params.get('token')).toBe('abc')
    expect(params.get('q')).toBe('actor:alice')
    expect(params.get('t')).toBeNull()
  })

  it('falls back to the default for anything malformed', () => {
    expect(parseViewHash('#sort=nonsense:up&t=5y&from=yesterday&pull=yes')).toEqual(DEFAULT_VIEW)
    expect(parseViewHash('')).toEqual(DEFAULT_VIEW)
    expect(parseViewHash('#sort=label:sideways').sort).toEqual(DEFAULT_VIEW.sort)
  })

  it('takes an absolute range over a preset when both are present', () => {
    const view = parseViewHash('#t=7d&from=2026-01-01T00:00:00.000Z')
    expect(view.time).toEqual({ kind: 'absolute', from: Date.UTC(2026, 0, 1) })
  })
})
