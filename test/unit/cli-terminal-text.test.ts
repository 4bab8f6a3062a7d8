import { describe, expect, it } from 'vitest'
import {
  displayWidth,
  inertJson,
  inertText,
  padToWidth,
  truncateToWidth
} from '../../src/main/cli/terminal-text'

describe('inertText', () => {
  it('shows escape sequences, controls and bidi overrides as visible escapes', () => {
    expect(inertText('acme/\u001b[31mred\u001b[0m')).toBe('acme/\\x1b[31mred\\x1b[0m')
    expect(inertText('a\nb\rc\td')).toBe('a\\nb\\rc\\td')
    expect(inertText('evil\u202Eexe.txt')).toBe('evil\\u202eexe.txt')
    expect(inertText('x\u2066y\u2069z\u200bw\ufeff')).toBe('x\\u2066y\\u2069z\\u200bw\\ufeff')
    expect(inertText('bell\u0007 del\u007f c1\u009b')).toBe('bell\\x07 del\\x7f c1\\x9b')
  })

  it('leaves ordinary text, accents and wide characters alone', () => {
    const text = 'acme/payments-api:1.8.3 — café 日本 ✓'
    expect(inertText(text)).toBe(text)
  })

  it('never lets a terminal control character through', () => {
    for (let code = 0; code < 0x3000; code++) {
      const out = inertText(`a${String.fromCharCode(code)}b`)
      // eslint-disable-next-line no-control-regex
      expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
    }
  })
})

describe('inertJson', () => {
  it('keeps the JSON value identical while escaping unsafe characters', () => {
    const value = { repo: 'a\u202eb', tag: 'x\u009by', ok: 'plain', nl: 'l1\nl2' }
    const json = inertJson(JSON.stringify(value))
    expect(json).toContain('\\u202e')
    expect(json).toContain('\\u009b')
    expect(json).not.toMatch(/[\u202e\u009b]/)
    expect(JSON.parse(json)).toEqual(value)
  })
})

describe('width', () => {
  it('counts wide characters as two columns and combining marks as none', () => {
    expect(displayWidth('abc')).toBe(3)
    expect(displayWidth('日本')).toBe(4)
    expect(displayWidth('e\u0301')).toBe(1)
  })

  it('truncates with an ellipsis to at most the width', () => {
    expect(truncateToWidth('payments-api', 8)).toBe('payment…')
    expect(truncateToWidth('short', 8)).toBe('short')
    expect(truncateToWidth('日本語のリポジトリ', 7)).toBe('日本語…')
    expect(displayWidth(truncateToWidth('日本語のリポジトリ', 6))).toBeLessThanOrEqual(6)
    expect(truncateToWidth('abc', 0)).toBe('')
    expect(padToWidth('日本', 6)).toBe('日本  ')
  })
})
