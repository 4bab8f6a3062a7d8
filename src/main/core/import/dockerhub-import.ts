import { normaliseDockerHubRecord } from '../sources/dockerhub-normalise'
import { parseRecord } from '../sources/dockerhub-page'
import { isRecordObject, type ImportSource } from './import-source'
import { createOccurrenceIds, isOccurrenceIdOf } from './occurrence-ids'

/**
 * Docker Hub audit log records (sources/1-dockerhub.md) from a file: the API's own shape, as a page
 * `{"logs": [...]}`, an array or JSON lines, or a CSV with the record's fields as columns (the
 * contract describes no CSV export of the Hub's own, so this is the API record flattened).
 *
 * Identity is the connector's (dockerhub-cursor.ts): the SHA-256 of the canonical record, and
 * `#n` for the n-th identical copy within one second (occurrence-ids.ts).
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
    const idOf = createOccurrenceIds()
    return (raw) => {
      const record = parseRecord(raw)
      const normalised = normaliseDockerHubRecord(raw)
      return { kind: 'event', event: { sourceEventId: idOf(record.at, record.hash), raw, normalised } }
    }
  },

  checkExported(raw, sourceEventId) {
    const { hash } = parseRecord(raw)
    normaliseDockerHubRecord(raw)
    if (!isOccurrenceIdOf(sourceEventId, hash)) throw new Error('source_event_id is not the id Docker Hub sync gives this raw record')
  }
}
