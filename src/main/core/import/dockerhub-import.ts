import { occurrenceId } from '../sources/dockerhub-cursor'
import { normaliseDockerHubRecord } from '../sources/dockerhub-normalise'
import { parseRecord } from '../sources/dockerhub-page'
import { isRecordObject, type ImportSource } from './import-source'

/**
 * Docker Hub audit log records (sources/1-dockerhub.md) from a file: the API's own shape, as a page
 * `{"logs": [...]}`, an array or JSON lines, or a CSV with the record's fields as columns (the
 * contract describes no CSV export of the Hub's own, so this is the API record flattened).
 *
 * Identity is the connector's (dockerhub-cursor.ts): the SHA-256 of the canonical record, and
 * `#n` for the n-th identical copy within one second. Copies are counted within each run of records
 * sharing a timestamp, as the connector counts them, so a file in the API's order gets exactly the
 * ids a sync gives, and two exports overlapping each other (the same second twice, not adjacent)
 * dedup rather than double.
 */
export const dockerHubImport: ImportSource = {
  kind: 'dockerhub',
  title: 'Docker Hub',
  csv: {
    fields: [
      { name: 'account', type: 'string' },
      { name: 'action', type: 'string' },
      { name: 'name', type: 'string' },
      { name: 'actor', type: 'string' },
      { name: 'data', type: 'object' },
      { name: 'timestamp', type: 'string' },
      { name: 'action_description', type: 'string' }
    ],
    required: ['timestamp', 'action']
  },

  looksLike: (raw) => isRecordObject(raw) && typeof raw['timestamp'] === 'string' && typeof raw['action'] === 'string',

  records() {
    let groupAt: number | null = null
    let counts = new Map<string, number>()
    return (raw) => {
      const record = parseRecord(raw)
      const normalised = normaliseDockerHubRecord(raw)
      if (record.at !== groupAt) {
        groupAt = record.at
        counts = new Map()
      }
      const occurrence = (counts.get(record.hash) ?? 0) + 1
      counts.set(record.hash, occurrence)
      return { kind: 'event', event: { sourceEventId: occurrenceId(record.hash, occurrence), raw, normalised } }
    }
  },

  restore(raw, sourceEventId) {
    const { hash } = parseRecord(raw)
    const normalised = normaliseDockerHubRecord(raw)
    if (sourceEventId !== hash && !(sourceEventId.startsWith(`${hash}#`) && /^[1-9]\d*$/.test(sourceEventId.slice(hash.length + 1)))) {
      throw new Error('source_event_id is not the id Docker Hub sync gives this raw record')
    }
    return normalised
  }
}
