import { normaliseQuayRecord, type QuayNormaliseContext } from '../sources/quay-normalise'
import { isQuayExportTerminator, parseQuayRecord } from '../sources/quay-page'
import type { Account } from '../../../shared/account'
import { isRecordObject, type ImportSource } from './import-source'
import { createOccurrenceIds, isOccurrenceIdOf } from './occurrence-ids'

/**
 * What the connector's normaliser is told about the log a record came from: the account's
 * organisation, and its repository when it reads exactly one (with several, a record that names
 * no repository cannot be placed in one, as no file says which log it came from).
 */
function normaliseContext(account: Account): QuayNormaliseContext {
  const options = account.options as { org?: unknown; repositories?: unknown }
  const context: QuayNormaliseContext = {}
  if (typeof options.org === 'string') context.namespace = options.org
  if (Array.isArray(options.repositories) && options.repositories.length === 1 && typeof options.repositories[0] === 'string') {
    context.repository = options.repositories[0]
  }
  return context
}

/**
 * Quay usage log records (sources/6-quay.md) from a file: Quay's log export
 * (`{"export_id", "details", "logs": [..., {"terminator": true}]}`, the end marker not a row), a
 * saved API page `{"logs": [...]}`, an array, JSON lines, or a CSV with the record's fields as
 * columns (`metadata` and `performer` as JSON, or as `metadata.tag`, `performer.name`,
 * `performer.is_robot`, … columns).
 *
 * Identity is the connector's: the hash of what the event is (quay-page.ts) and `#n` for the n-th
 * identical copy within one second (occurrence-ids.ts).
 */
export const quayImport: ImportSource = {
  kind: 'quay',
  title: 'Quay',
  csv: {
    fields: [
      { name: 'kind', type: 'string' },
      { name: 'metadata', type: 'object' },
      { name: 'ip', type: 'string' },
      { name: 'datetime', type: 'string' },
      { name: 'performer', type: 'object' },
      { name: 'performer.is_robot', type: 'boolean' },
      { name: 'namespace', type: 'object' }
    ],
    required: ['kind', 'datetime']
  },

  looksLike: (raw) => isRecordObject(raw) && typeof raw['kind'] === 'string' && typeof raw['datetime'] === 'string',

  records(account) {
    const context = normaliseContext(account)
    const idOf = createOccurrenceIds()
    return (raw) => {
      if (isQuayExportTerminator(raw)) return { kind: 'ignore' }
      const record = parseQuayRecord(raw)
      const normalised = normaliseQuayRecord(raw, context)
      return { kind: 'event', event: { sourceEventId: idOf(record.at, record.hash), raw, normalised } }
    }
  },

  checkExported(raw, sourceEventId) {
    const { hash } = parseQuayRecord(raw)
    normaliseQuayRecord(raw)
    if (!isOccurrenceIdOf(sourceEventId, hash)) throw new Error('source_event_id is not the id Quay sync gives this raw record')
  }
}
