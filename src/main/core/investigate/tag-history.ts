import type { AuditEvent } from '../../../shared/event'
import type {
  RepositoryTagState,
  TagChange,
  TagHistory,
  TagPointer,
  TagStateDiff
} from '../../../shared/investigation'
import { AppError } from '../errors'
import type { InvestigationDb } from './investigation-db'

/**
 * Which digest each tag of a repository pointed at over time, replayed from the archive's events
 * per account (a tag belongs to one registry: `acme/app` on Docker Hub and on MSR are two).
 *
 * Rules (the normalised vocabulary, every source alike; failures are ignored):
 * - push, promotion or mirror (verb CREATE or UPDATE) with a tag: the tag now points at the
 *   event's digest. SEND is a push mirror to another registry and changes nothing here.
 * - delete with a tag: the tag is removed (untag).
 * - delete with a digest and no tag: every tag pointing at that digest is removed (manifest delete).
 * - delete with neither: the repository was deleted; every tag is removed.
 * Events of the same millisecond apply in ingest order (id).
 */

/** What the replay reads: only events that can change a tag (pulls, scans and signatures cannot). */
const CHANGING_ACTIVITIES = "activity IN ('push', 'promotion', 'mirror', 'delete') AND outcome <> 'failure'"

export interface RepositoryReplay {
  repository: string
  /** Oldest first, across the accounts replayed. */
  changes: TagChange[]
  /** Per account name: tag → pointer after the last event replayed. */
  states: Map<string, Map<string, TagPointer>>
  /** Accounts with events in the repository (replayed ones). */
  accounts: string[]
}

/**
 * Replays a repository's tag-changing events up to and including `until` (default: all).
 * @throws AppError NOT_FOUND for an unknown account.
 */
export function replayRepository(
  db: InvestigationDb,
  repository: string,
  options: { account?: string; until?: number } = {}
): RepositoryReplay {
  return db.guard('replaying a tag history', () => {
    const conditions = ['repository = ?', CHANGING_ACTIVITIES]
    const params: unknown[] = [repository]
    if (options.account !== undefined) {
      conditions.push('account_id = ?')
      params.push(db.requireAccount(options.account).id)
    }
    if (options.until !== undefined) {
      conditions.push('occurred_at <= ?')
      params.push(options.until)
    }
    const events = db.events(conditions.join(' AND '), params)
    return replayEvents(repository, events)
  })
}

/** The replay itself, over events of one repository in (occurred_at, id) order. */
export function replayEvents(repository: string, events: readonly AuditEvent[]): RepositoryReplay {
  const states = new Map<string, Map<string, TagPointer>>()
  const changes: TagChange[] = []
  for (const event of events) {
    let state = states.get(event.account)
    if (state === undefined) {
      state = new Map()
      states.set(event.account, state)
    }
    const change = (tag: string, kind: TagChange['kind'], from: string | null, to: string | null, via: TagChange['via']): void => {
      changes.push({
        account: event.account,
        repository,
        tag,
        at: event.occurred_at,
        eventId: event.id,
        kind,
        from,
        to,
        via,
        actor: event.actor,
        actorKind: event.actor_kind,
        action: event.action
      })
    }
    if (event.outcome === 'failure') continue
    if (event.activity === 'push' || event.activity === 'promotion' || event.activity === 'mirror') {
      if ((event.verb !== 'CREATE' && event.verb !== 'UPDATE') || event.tag === null) continue
      const previous = state.get(event.tag)
      const to = event.digest
      const kind: TagChange['kind'] =
        previous === undefined
          ? 'created'
          : previous.digest === null || to === null
            ? 'pushed'
            : previous.digest === to
              ? 'repushed'
              : 'moved'
      change(event.tag, kind, previous?.digest ?? null, to, event.activity)
      state.set(event.tag, { tag: event.tag, digest: to, since: event.occurred_at, eventId: event.id, actor: event.actor })
    } else if (event.activity === 'delete') {
      if (event.tag !== null) {
        const previous = state.get(event.tag)
        change(event.tag, 'removed', previous?.digest ?? event.digest, null, 'untag')
        state.delete(event.tag)
      } else if (event.digest !== null) {
        for (const [tag, pointer] of [...state]) {
          if (pointer.digest !== event.digest) continue
          change(tag, 'removed', pointer.digest, null, 'manifest-delete')
          state.delete(tag)
        }
      } else {
        for (const [tag, pointer] of [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          change(tag, 'removed', pointer.digest, null, 'repository-delete')
        }
        state.clear()
      }
    }
  }
  return { repository, changes, states, accounts: [...states.keys()].sort() }
}

function requireEvents(replay: RepositoryReplay, repository: string): void {
  if (replay.accounts.length === 0) {
    throw new AppError('NOT_FOUND', `the archive holds no push, tag or delete events for the repository ${repository}`)
  }
}

/** Every change of the repository's tags (or of one tag), with the overwrites picked out. */
export function tagHistory(
  db: InvestigationDb,
  repository: string,
  options: { account?: string; tag?: string } = {}
): TagHistory {
  const replay = replayRepository(db, repository, { account: options.account })
  requireEvents(replay, repository)
  const changes = options.tag === undefined ? replay.changes : replay.changes.filter((c) => c.tag === options.tag)
  return {
    repository,
    tag: options.tag ?? null,
    changes,
    overwrites: changes.filter((c) => c.kind === 'moved'),
    accounts: replay.accounts
  }
}

/** The repository's tags and their digests at `at` (after every event at or before it), per account. */
export function tagState(
  db: InvestigationDb,
  repository: string,
  options: { account?: string; at: number }
): RepositoryTagState[] {
  const everything = replayRepository(db, repository, { account: options.account })
  requireEvents(everything, repository)
  const replay = replayRepository(db, repository, { account: options.account, until: options.at })
  return everything.accounts.map((account) => ({
    account,
    repository,
    at: options.at,
    tags: sortedPointers(replay.states.get(account))
  }))
}

/** What changed in the repository's tags between two moments, per account. */
export function tagDiff(
  db: InvestigationDb,
  repository: string,
  options: { account?: string; from: number; to: number }
): TagStateDiff {
  if (options.to < options.from) {
    throw new AppError('INVALID_INPUT', 'the second moment of a tag diff must not be before the first')
  }
  const everything = replayRepository(db, repository, { account: options.account })
  requireEvents(everything, repository)
  const before = replayRepository(db, repository, { account: options.account, until: options.from })
  const after = replayRepository(db, repository, { account: options.account, until: options.to })
  return {
    repository,
    from: options.from,
    to: options.to,
    accounts: everything.accounts.map((account) => {
      const old = before.states.get(account) ?? new Map<string, TagPointer>()
      const now = after.states.get(account) ?? new Map<string, TagPointer>()
      const changes = after.changes.filter((c) => c.account === account && c.at > options.from)
      const added = sortedPointers(new Map([...now].filter(([tag]) => !old.has(tag))))
      const removed = sortedPointers(new Map([...old].filter(([tag]) => !now.has(tag)))).map((pointer) => ({
        ...pointer,
        removedBy: changes.filter((c) => c.tag === pointer.tag && c.kind === 'removed').at(-1) ?? null
      }))
      const moved = [...now]
        .filter(([tag, pointer]) => {
          const earlier = old.get(tag)
          return earlier !== undefined && earlier.digest !== pointer.digest
        })
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([tag, pointer]) => ({ tag, from: old.get(tag) as TagPointer, to: pointer }))
      return { account, added, removed, moved, changes }
    })
  }
}

function sortedPointers(state: Map<string, TagPointer> | undefined): TagPointer[] {
  return [...(state?.values() ?? [])].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))
}
