import { errcodeBody, seededHex, seededRandom, seededUuid } from './sim-faults'

/**
 * A notary-server changefeed on the RethinkDB backend, as DTR/MSR run it (sources/3-notary.md):
 * what the MSR simulator serves at `/v2/_trust/changefeed` and `/v2/{gun}/_trust/changefeed`.
 * The real notary-server (memory store, integer IDs) is tested directly; this is the part a
 * loopback server cannot be made to do: UUID change IDs and RethinkDB's rules.
 *
 * - IDs are UUID strings; order is (CreatedAt, ID).
 * - `change_id=0`: the whole range, ascending. `-1`: the whole range, newest first (then the page is
 *   reversed back to oldest first). Absent/empty, other negatives and unknown UUIDs: 500 UNKNOWN
 *   (RethinkDB looks them up as IDs). A known UUID: the open interval after it (before it when
 *   `records` is negative).
 * - `records`: int32, required (missing or unparsable: 400 INVALID_PARAMETERS), 0 means 100.
 * - The 60-second blackout: changes newer than now − 60 s are not returned, except when paging
 *   backwards from an explicit ID.
 * - The answer is `{"count":N,"records":[…]}` or `{"count":0,"records":null}`, sent as text/plain.
 */

export interface SimChange {
  ID: string
  CreatedAt: string
  GUN: string
  Version: number
  SHA256: string
  Category: 'update' | 'deletion'
}

export interface ChangefeedAnswer {
  status: number
  body: unknown
  contentType: string
}

export interface RethinkChangefeed {
  readonly changes: readonly SimChange[]
  /** Records a change at `at` (ms): `update` gets the GUN's next version, `deletion` version 0. */
  add(gun: string, category: 'update' | 'deletion', at: number): SimChange
  /** Answers a changefeed query; `visible` limits the GUNs (a non-admin's readable repositories). */
  query(params: { changeId?: string; records?: string; gun?: string; visible?: (gun: string) => boolean }): ChangefeedAnswer
}

export const BLACKOUT_MS = 60_000

export function createRethinkChangefeed(options: { now: () => number; seed?: number }): RethinkChangefeed {
  const random = seededRandom(options.seed ?? 5)
  const changes: Array<SimChange & { at: number }> = []
  const versions = new Map<string, number>()

  const order = (a: { at: number; ID: string }, b: { at: number; ID: string }): number => a.at - b.at || (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0)

  const add = (gun: string, category: 'update' | 'deletion', at: number): SimChange => {
    const version = category === 'update' ? (versions.get(gun) ?? 0) + 1 : 0
    if (category === 'update') versions.set(gun, version)
    else versions.delete(gun)
    const change = {
      ID: seededUuid(random),
      CreatedAt: new Date(at).toISOString(),
      GUN: gun,
      Version: version,
      SHA256: category === 'update' ? seededHex(random) : '',
      Category: category,
      at
    }
    changes.push(change)
    changes.sort(order)
    const { at: _at, ...visible } = change
    return visible
  }

  const strip = (change: SimChange & { at: number }): SimChange => {
    const { at: _at, ...visible } = change
    return visible
  }

  const text = (status: number, body: unknown): ChangefeedAnswer => ({
    status,
    body,
    contentType: status === 200 ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'
  })

  return {
    get changes() {
      return changes.map(strip)
    },
    add,
    query({ changeId, records, gun, visible }) {
      if (records === undefined || !/^[+-]?\d+$/.test(records) || Math.abs(Number(records)) > 2 ** 31 - 1) {
        return text(400, errcodeBody('INVALID_PARAMETERS', 'The parameters provided are not valid.', `invalid records parameter: ${records ?? ''}`))
      }
      let size = Number(records)
      let reversed = size < 0
      size = Math.abs(size) || 100
      let pool = changes.filter((change) => (gun === undefined || change.GUN === gun) && (visible === undefined || visible(change.GUN)))
      let blackout = true
      if (changeId === '0') {
        // the whole range
      } else if (changeId === '-1') {
        reversed = true
      } else {
        const anchor = changes.find((change) => change.ID === changeId)
        if (anchor === undefined) return text(500, errcodeBody('UNKNOWN', 'unknown error'))
        pool = reversed ? pool.filter((change) => order(change, anchor) < 0) : pool.filter((change) => order(change, anchor) > 0)
        if (reversed) blackout = false
      }
      if (blackout) {
        const limit = options.now() - BLACKOUT_MS
        pool = pool.filter((change) => change.at <= limit)
      }
      const page = reversed ? pool.slice(Math.max(0, pool.length - size)) : pool.slice(0, size)
      return text(200, { count: page.length, records: page.length === 0 ? null : page.map(strip) })
    }
  }
}
