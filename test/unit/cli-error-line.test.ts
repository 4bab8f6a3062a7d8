import { describe, expect, it } from 'vitest'
import { formatErrorLine } from '../../src/main/cli/error-line'
import { AppError } from '../../src/main/core/errors'

describe('formatErrorLine', () => {
  it('names the account once and leads with the kind of failure', () => {
    const error = new AppError('NETWORK', 'hub: could not connect to hub.example (ECONNREFUSED)', { account: 'hub' })
    expect(formatErrorLine(error)).toBe('registry-audit: hub: network error: could not connect to hub.example (ECONNREFUSED)\n')
  })

  it('does not repeat a cause the message already states', () => {
    const error = new AppError('BAD_RESPONSE', 'hub: bad response from docker hub: truncated JSON', { account: 'hub' })
    expect(formatErrorLine(error)).toBe('registry-audit: hub: bad response from docker hub: truncated JSON\n')
  })

  it('points at the fix for a rejected token', () => {
    const line = formatErrorLine(new AppError('AUTH_FAILED', 'hub: the token was rejected (HTTP 401)', { account: 'hub' }))
    expect(line).toMatch(/^registry-audit: hub: authentication failed: the token was rejected \(HTTP 401\) — .*account set-token hub/)
  })

  it('is exactly one line, with server text made inert and secrets cut out', () => {
    const error = new AppError('BAD_RESPONSE', 'hub.example said:\n<html>\u001b[2J dckr_pat_SECRET123</html>', { account: 'hub' })
    const line = formatErrorLine(error, { secrets: ['dckr_pat_SECRET123'] })
    expect(line.endsWith('\n')).toBe(true)
    // eslint-disable-next-line no-control-regex
    expect(line.slice(0, -1)).not.toMatch(/[\n\r\u001b]/)
    expect(line).not.toContain('SECRET123')
    expect(line).toContain('[redacted]')
    expect(line).toContain('\\x1b[2J')
  })

  it('says internal error for anything that is not an AppError, without a stack', () => {
    const line = formatErrorLine(new TypeError('x is not a function'))
    expect(line).toBe('registry-audit: internal error: x is not a function\n')
  })

  it('adds the stack and causes in debug mode', () => {
    const error = new AppError('IO', 'disk full', { cause: new Error('ENOSPC') })
    const text = formatErrorLine(error, { debug: true })
    expect(text.split('\n')[0]).toBe('registry-audit: disk full')
    expect(text).toContain('caused by:')
    expect(text).toContain('ENOSPC')
  })
})
