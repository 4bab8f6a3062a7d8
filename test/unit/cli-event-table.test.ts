import { describe, expect, it } from 'vitest'
import { fitWidths, renderEventTable, shortDigest } from '../../src/main/cli/event-table'
import { displayWidth } from '../../src/main/cli/terminal-text'
import type { AuditEvent } from '../../src/shared/event'

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: 1,
    account_id: 1,
    account: 'hub',
    source_event_id: 'abc',
    occurred_at: Date.UTC(2025, 4, 12, 8, 41, 7),
    action: 'repo.tag.push',
    verb: 'CREATE',
    activity: 'push',
    outcome: 'success',
    actor: 'ci-bot',
    actor_kind: 'user',
    namespace: 'acme',
    repository: 'acme/payments-api',
    tag: '1.8.3',
    digest: 'sha256:4f1c0e9b2d3a5566778899aabbccddeeff00112233445566778899aabbccddee',
    target: null,
    client_ip: null,
    user_agent: null,
    label: 'pushed the tag 1.8.3 with the digest sha256:4f1c0e to the repository acme/payments-api',
    raw: '{}',
    ...overrides
  }
}

const formatTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')

describe('renderEventTable', () => {
  it('shows every column on a wide terminal', () => {
    const lines = renderEventTable([event()], { width: 240, formatTime, timeZone: 'UTC' })
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ACCOUNT\s+VERB\s+ACTIVITY\s+ACTOR\s+REPOSITORY\s+TAG\s+DIGEST\s+LABEL$/)
    expect(lines[1]).toContain('2025-05-12 08:41:07')
    expect(lines[1]).toContain('acme/payments-api')
    expect(lines[1]).toContain('4f1c0e9b2d3a')
    expect(lines[1]).not.toContain('4f1c0e9b2d3a5')
    expect(lines[1]).toContain('pushed the tag 1.8.3 with the digest sha256:4f1c0e to the repository acme/payments-api')
  })

  it.each([120, 80, 60, 40, 20])('fits %i columns, cutting long values with an ellipsis', (width) => {
    const long = event({ repository: 'acme/' + 'very-long-repository-name-'.repeat(4), label: 'x'.repeat(300) })
    const lines = renderEventTable([long, event({ id: 2 })], { width, formatTime, timeZone: 'Europe/Paris' })
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width)
    if (width >= 80) expect(lines[1]).toContain('…')
  })

  it('drops the label before anything else when the terminal is narrow', () => {
    const lines = renderEventTable([event()], { width: 100, formatTime, timeZone: 'UTC' })
    expect(lines[0]).toContain('REPOSITORY')
    expect(lines[0]).not.toContain('LABEL')
  })

  it('renders hostile values inert', () => {
    const lines = renderEventTable(
      [event({ repository: 'acme/\u001b]0;pwned\u0007x', tag: 'v1\u202eexe', actor: 'a\nb' })],
      { width: 300, formatTime, timeZone: 'UTC' }
    )
    const text = lines.join('\n')
    // eslint-disable-next-line no-control-regex
    expect(text.split('\n')[1]).not.toMatch(/[\u0000-\u001f\u202e]/)
    expect(text).toContain('acme/\\x1b]0;pwned\\x07x')
    expect(text).toContain('v1\\u202eexe')
    expect(text).toContain('a\\nb')
  })

  it('shows empty cells for missing values and a header with no rows', () => {
    const lines = renderEventTable([event({ tag: null, digest: null, actor: null })], { width: 240, formatTime, timeZone: 'UTC' })
    expect(lines[1]).not.toContain('null')
    expect(renderEventTable([], { width: 80, formatTime, timeZone: 'UTC' })).toHaveLength(1)
  })
})

describe('fitWidths', () => {
  it('keeps natural widths when they fit', () => {
    const cols = [
      { key: 'time', min: 19, width: 19 },
      { key: 'label', min: 12, width: 30 }
    ]
    expect(fitWidths(cols, 80)).toEqual(cols)
  })

  it('shrinks the label before dropping anything', () => {
    const out = fitWidths(
      [
        { key: 'time', min: 19, width: 19 },
        { key: 'repository', min: 12, width: 30 },
        { key: 'label', min: 12, width: 60 }
      ],
      70
    )
    expect(out.map((c) => c.key)).toEqual(['time', 'repository', 'label'])
    expect(out.find((c) => c.key === 'label')?.width).toBe(17)
    expect(out.find((c) => c.key === 'repository')?.width).toBe(30)
  })

  it('leaves the label out rather than cutting the repository', () => {
    const out = fitWidths(
      [
        { key: 'time', min: 19, width: 19 },
        { key: 'repository', min: 12, width: 30 },
        { key: 'label', min: 20, width: 60 }
      ],
      60
    )
    expect(out).toEqual([
      { key: 'time', min: 19, width: 19 },
      { key: 'repository', min: 12, width: 30 }
    ])
  })
})

describe('shortDigest', () => {
  it('keeps twelve hex digits', () => {
    expect(shortDigest('sha256:0123456789abcdef')).toBe('0123456789ab')
    expect(shortDigest(null)).toBe('')
  })
})
