/**
 * The normalised audit event (DESIGN.md §3). Field names are the archive's column names, so the
 * CLI's JSON output, the database and the UI all speak one vocabulary.
 */

/** The DTR/MSR event Type vocabulary, applied to every source. */
export const VERBS = ['CREATE', 'GET', 'UPDATE', 'DELETE', 'SEND', 'FAIL', 'SCAN'] as const
export type Verb = (typeof VERBS)[number]

export const ACTIVITIES = [
  'push',
  'pull',
  'delete',
  'scan',
  'promotion',
  'mirror',
  'create-repo',
  'sign',
  'trust-delete',
  'member',
  'team',
  'token',
  'settings',
  'billing',
  'sso',
  'policy',
  'other'
] as const
export type Activity = (typeof ACTIVITIES)[number]

export const OUTCOMES = ['success', 'failure', 'unknown'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Who did it: a person, a policy (promotion, retention), a job (GC, mirroring), a token, the system. */
export const ACTOR_KINDS = ['user', 'policy', 'job', 'token', 'system', 'unknown'] as const
export type ActorKind = (typeof ACTOR_KINDS)[number]

export const SOURCE_KINDS = ['dockerhub', 'msr', 'notary', 'ibm', 'harbor', 'quay', 'file'] as const
export type SourceKind = (typeof SOURCE_KINDS)[number]

/**
 * What a connector derives from one raw record. Optional strings are null when the source has
 * no such thing for this record.
 */
export interface NormalisedEvent {
  occurred_at: number
  action: string
  verb: Verb
  activity: Activity
  outcome: Outcome
  actor: string | null
  actor_kind: ActorKind
  namespace: string | null
  repository: string | null
  tag: string | null
  digest: string | null
  target: string | null
  client_ip: string | null
  user_agent: string | null
  label: string
}

/** A stored event: the normalised fields plus identity and the untouched source record. */
export interface AuditEvent extends NormalisedEvent {
  id: number
  account_id: number
  /** The account's name, joined in for display. */
  account: string
  source_event_id: string
  /** The source record exactly as received (JSON text). */
  raw: string
}

export function isVerb(value: string): value is Verb {
  return (VERBS as readonly string[]).includes(value)
}

export function isActivity(value: string): value is Activity {
  return (ACTIVITIES as readonly string[]).includes(value)
}

export function isOutcome(value: string): value is Outcome {
  return (OUTCOMES as readonly string[]).includes(value)
}
