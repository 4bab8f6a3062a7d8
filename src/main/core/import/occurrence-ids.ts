import { occurrenceId } from '../sources/dockerhub-cursor'

/**
 * Ids for sources without one (Docker Hub, Quay): the record's content hash, with `#n` for the
 * n-th identical copy. Copies are counted within each run of records sharing a time, as both
 * connectors' walks count them (identical records share their second, and any time order keeps a
 * second's records together), so a file in the API's order gets exactly the ids a sync gives; two
 * exports overlapping each other, the same second met twice but not in one run, dedup rather than
 * double; and memory holds one second's hashes, not the file's.
 */
export function createOccurrenceIds(): (at: number, hash: string) => string {
  let groupAt: number | null = null
  let counts = new Map<string, number>()
  return (at, hash) => {
    if (at !== groupAt) {
      groupAt = at
      counts = new Map()
    }
    const occurrence = (counts.get(hash) ?? 0) + 1
    counts.set(hash, occurrence)
    return occurrenceId(hash, occurrence)
  }
}

/** Whether `id` is an id {@link createOccurrenceIds} gives a record with this hash. */
export function isOccurrenceIdOf(id: string, hash: string): boolean {
  return id === hash || (id.startsWith(`${hash}#`) && /^[1-9]\d*$/.test(id.slice(hash.length + 1)))
}
