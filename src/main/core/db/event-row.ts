import type { ActorKind, Activity, AuditEvent, Outcome, Verb } from '../../../shared/event'

/** The columns an AuditEvent is read from, in one place for every SELECT. */
export const EVENT_SELECT =
  'id, account_id, source_event_id, occurred_at, action, verb, activity, outcome, actor, actor_kind, ' +
  'namespace, repository, tag, digest, target, client_ip, user_agent, label, raw'

/** A row as SELECTed with EVENT_SELECT: absent optional text is stored as ''. */
export interface EventRow {
  id: number
  account_id: number
  source_event_id: string
  occurred_at: number
  action: string
  verb: string
  activity: string
  outcome: string
  actor: string
  actor_kind: string
  namespace: string
  repository: string
  tag: string
  digest: string
  target: string
  client_ip: string
  user_agent: string
  label: string
  raw: string
}

/**
 * A row read in raw mode (values in EVENT_SELECT's order) as an EventRow: better-sqlite3 builds
 * a named-property object per row about twice as slowly as this literal, which V8 gives one
 * fixed shape.
 */
export function eventRowFromValues(v: unknown[]): EventRow {
  return {
    id: v[0] as number,
    account_id: v[1] as number,
    source_event_id: v[2] as string,
    occurred_at: v[3] as number,
    action: v[4] as string,
    verb: v[5] as string,
    activity: v[6] as string,
    outcome: v[7] as string,
    actor: v[8] as string,
    actor_kind: v[9] as string,
    namespace: v[10] as string,
    repository: v[11] as string,
    tag: v[12] as string,
    digest: v[13] as string,
    target: v[14] as string,
    client_ip: v[15] as string,
    user_agent: v[16] as string,
    label: v[17] as string,
    raw: v[18] as string
  }
}

const orNull = (text: string): string | null => (text === '' ? null : text)

/** Row → AuditEvent: '' back to null, and the account's name from `accountNames`. */
export function toAuditEvent(row: EventRow, accountNames: ReadonlyMap<number, string>): AuditEvent {
  return {
    id: row.id,
    account_id: row.account_id,
    account: accountNames.get(row.account_id) ?? `#${row.account_id}`,
    source_event_id: row.source_event_id,
    occurred_at: row.occurred_at,
    action: row.action,
    verb: row.verb as Verb,
    activity: row.activity as Activity,
    outcome: row.outcome as Outcome,
    actor: orNull(row.actor),
    actor_kind: row.actor_kind as ActorKind,
    namespace: orNull(row.namespace),
    repository: orNull(row.repository),
    tag: orNull(row.tag),
    digest: orNull(row.digest),
    target: orNull(row.target),
    client_ip: orNull(row.client_ip),
    user_agent: orNull(row.user_agent),
    label: row.label,
    raw: row.raw
  }
}
