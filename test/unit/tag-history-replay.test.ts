import { describe, expect, it } from 'vitest'
import type { AuditEvent } from '../../src/shared/event'
import { replayEvents } from '../../src/main/core/investigate/tag-history'
import { spansOf } from '../../src/main/core/investigate/digest-lineage'

let nextId = 1
function event(fields: Partial<AuditEvent>): AuditEvent {
  const id = nextId++
  return {
    id,
    account_id: 1,
    account: 'hub',
    source_event_id: `e${id}`,
    occurred_at: id * 1000,
    action: 'x',
    verb: 'CREATE',
    activity: 'push',
    outcome: 'success',
    actor: 'alice',
    actor_kind: 'user',
    namespace: 'team',
    repository: 'team/app',
    tag: null,
    digest: null,
    target: null,
    client_ip: null,
    user_agent: null,
    label: '',
    raw: '{}',
    ...fields
  }
}

describe('the tag replay', () => {
  it('follows pushes, overwrites, re-pushes, untags, manifest and repository deletes, per account', () => {
    const events = [
      event({ tag: 'latest', digest: 'sha256:a' }),
      event({ tag: 'v1', digest: 'sha256:a' }),
      event({ tag: 'latest', digest: 'sha256:a' }),
      event({ tag: 'latest', digest: 'sha256:b' }),
      event({ tag: 'latest', digest: null }),
      event({ account: 'other', account_id: 2, tag: 'latest', digest: 'sha256:z' }),
      // A failed push and a push mirror out change nothing.
      event({ tag: 'v1', digest: 'sha256:c', outcome: 'failure' }),
      event({ tag: 'v1', digest: 'sha256:c', verb: 'SEND', activity: 'mirror' }),
      event({ tag: 'v2', digest: 'sha256:a', activity: 'promotion' }),
      event({ verb: 'DELETE', activity: 'delete', digest: 'sha256:a' }),
      event({ tag: 'v3', digest: 'sha256:d' }),
      event({ verb: 'DELETE', activity: 'delete', tag: 'ghost' }),
      event({ verb: 'DELETE', activity: 'delete' })
    ]
    const replay = replayEvents('team/app', events)
    expect(replay.changes.filter((c) => c.account === 'hub').map((c) => [c.eventId, c.tag, c.kind, c.from, c.to, c.via])).toEqual([
      [1, 'latest', 'created', null, 'sha256:a', 'push'],
      [2, 'v1', 'created', null, 'sha256:a', 'push'],
      [3, 'latest', 'repushed', 'sha256:a', 'sha256:a', 'push'],
      [4, 'latest', 'moved', 'sha256:a', 'sha256:b', 'push'],
      [5, 'latest', 'pushed', 'sha256:b', null, 'push'],
      [9, 'v2', 'created', null, 'sha256:a', 'promotion'],
      [10, 'v1', 'removed', 'sha256:a', null, 'manifest-delete'],
      [10, 'v2', 'removed', 'sha256:a', null, 'manifest-delete'],
      [11, 'v3', 'created', null, 'sha256:d', 'push'],
      [12, 'ghost', 'removed', null, null, 'untag'],
      [13, 'latest', 'removed', null, null, 'repository-delete'],
      [13, 'v3', 'removed', 'sha256:d', null, 'repository-delete']
    ])
    expect(replay.states.get('hub')?.size).toBe(0)
    expect([...(replay.states.get('other')?.values() ?? [])].map((p) => [p.tag, p.digest])).toEqual([['latest', 'sha256:z']])
    expect(replay.accounts).toEqual(['hub', 'other'])

    const spans = spansOf(replay, 'sha256:a')
    expect(spans.map((s) => [s.tag, s.fromEventId, s.untilEventId, s.endedBy])).toEqual([
      ['latest', 1, 4, 'overwritten'],
      ['v1', 2, 10, 'manifest-delete'],
      ['v2', 9, 10, 'manifest-delete']
    ])
  })
})
