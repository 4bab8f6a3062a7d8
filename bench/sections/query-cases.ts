import type Database from 'better-sqlite3'
import { BENCH_END } from '../workload/event-stream'
import type { EventQuery, EventSort } from '../../src/shared/query'

/**
 * The filter + sort combinations the benchmark times: every filter kind (repository exact and
 * wildcard, actor, Type, digest exact and prefix, account, outcome, tag, time windows, free text,
 * negations), every sort key in both directions, selective and unselective. Values come from the
 * archive itself (the busiest repository, a long-tail actor, the digest with most tags…) so the
 * same cases make sense at every size.
 */
export interface QueryCase {
  name: string
  query: EventQuery
  sort: EventSort
}

/** Values picked from the archive for the cases. */
export interface CaseValues {
  hotRepository: string
  tailRepository: string
  hotNamespace: string
  topActor: string
  secondActor: string
  tailActor: string
  /** A digest carried by many tags (and pulled often). */
  manyTagDigest: string
  hotAccount: string
}

const DAY = 86_400_000

export function pickCaseValues(db: Database.Database): CaseValues {
  const top = (sql: string): string => (db.prepare(sql).pluck().get() as string | undefined) ?? ''
  // Ordered walks of one index each: cheap also at 10M.
  const grouped = (column: string, index: string, order: string): string =>
    top(`SELECT ${column} FROM (SELECT ${column}, count(*) AS n FROM events INDEXED BY ${index}
         WHERE ${column} <> '' GROUP BY ${column}) ORDER BY ${order} LIMIT 1`)
  const hotRepository = grouped('repository', 'events_repository', 'n DESC')
  return {
    hotRepository,
    tailRepository: grouped('repository', 'events_repository', 'abs(n - 20), repository'),
    hotNamespace: hotRepository.split('/')[0] ?? '',
    topActor: grouped('actor', 'events_actor', 'n DESC'),
    secondActor: top(
      `SELECT actor FROM (SELECT actor, count(*) AS n FROM events INDEXED BY events_actor WHERE actor <> '' GROUP BY actor)
       ORDER BY n DESC LIMIT 1 OFFSET 1`
    ),
    tailActor: grouped('actor', 'events_actor', 'abs(n - 12), actor'),
    // Among the hot repository's digests, the one with most distinct tags.
    manyTagDigest: top(
      `SELECT digest FROM events INDEXED BY events_repository_tag WHERE repository = '${hotRepository.replace(/'/g, "''")}' AND digest <> ''
       GROUP BY digest ORDER BY count(DISTINCT tag) DESC, count(*) DESC LIMIT 1`
    ),
    hotAccount: top(
      'SELECT a.name FROM accounts a ORDER BY (SELECT count(*) FROM events INDEXED BY events_account WHERE account_id = a.id) DESC LIMIT 1'
    )
  }
}

export function queryCases(v: CaseValues): QueryCase[] {
  const weekStart = BENCH_END - 60 * DAY
  const dayStart = BENCH_END - 100 * DAY + 10 * 3_600_000
  return [
    { name: 'default view (pulls hidden), newest first', query: {}, sort: { key: 'occurred_at', dir: 'desc' } },
    { name: 'everything incl. pulls, oldest first', query: { includePull: true }, sort: { key: 'occurred_at', dir: 'asc' } },
    { name: 'busiest repository, newest first', query: { repository: { any: [v.hotRepository] } }, sort: { key: 'occurred_at', dir: 'desc' } },
    { name: 'long-tail repository incl. pulls, by actor', query: { repository: { any: [v.tailRepository] }, includePull: true }, sort: { key: 'actor', dir: 'asc' } },
    { name: 'repository wildcard ns/*, by tag', query: { repository: { any: [`${v.hotNamespace}/*`] } }, sort: { key: 'tag', dir: 'asc' } },
    { name: 'top actor (a bot), by repository', query: { actor: { any: [v.topActor] } }, sort: { key: 'repository', dir: 'asc' } },
    { name: 'long-tail actor, oldest first', query: { actor: { any: [v.tailActor] }, includePull: true }, sort: { key: 'occurred_at', dir: 'asc' } },
    { name: 'Type DELETE, by actor desc', query: { verb: { any: ['DELETE'] } }, sort: { key: 'actor', dir: 'desc' } },
    { name: 'digest with many tags incl. pulls, by tag', query: { digest: { any: [v.manyTagDigest] }, includePull: true }, sort: { key: 'tag', dir: 'asc' } },
    { name: 'digest prefix, newest first', query: { digest: { any: ['sha256:ab'] } }, sort: { key: 'occurred_at', dir: 'desc' } },
    { name: 'one week, by label', query: { since: weekStart, until: weekStart + 7 * DAY }, sort: { key: 'label', dir: 'asc' } },
    { name: 'one day of pushes, by digest desc', query: { since: dayStart, until: dayStart + DAY, activity: { any: ['push'] } }, sort: { key: 'digest', dir: 'desc' } },
    { name: 'free text (repository word)', query: { text: [v.hotRepository.split('/')[1] ?? v.hotRepository] }, sort: { key: 'occurred_at', dir: 'desc' } },
    { name: 'free text and NOT free text', query: { text: ['latest'], notText: [v.topActor] }, sort: { key: 'occurred_at', dir: 'desc' } },
    { name: 'negation: not the two top actors, by actor desc', query: { actor: { none: [v.topActor, v.secondActor] } }, sort: { key: 'actor', dir: 'desc' } },
    { name: 'one account incl. pulls, by account', query: { account: { any: [v.hotAccount] }, includePull: true }, sort: { key: 'account', dir: 'asc' } },
    { name: 'failures, by client IP', query: { outcome: { any: ['failure'] }, includePull: true }, sort: { key: 'client_ip', dir: 'desc' } },
    { name: 'pulls only, by outcome', query: { activity: { any: ['pull'] } }, sort: { key: 'outcome', dir: 'asc' } },
    { name: 'deletes of any kind, by Type', query: { activity: { any: ['delete', 'trust-delete'] } }, sort: { key: 'verb', dir: 'asc' } },
    { name: 'tag latest, by activity desc', query: { tag: { any: ['latest'] } }, sort: { key: 'activity', dir: 'desc' } }
  ]
}
