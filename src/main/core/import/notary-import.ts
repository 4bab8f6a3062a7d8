import { changeField } from '../sources/notary-changefeed'
import { normaliseNotaryChange } from '../sources/notary-normalise'
import { isRecordObject, type ImportSource } from './import-source'

/** A changefeed record's `ID` as the connector reads it (a string, or a whole number as text). */
export function notaryChangeId(raw: unknown): string {
  const id = isRecordObject(raw) ? changeField(raw, 'ID') : undefined
  if (typeof id === 'string' && id.trim() !== '') return id
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id)
  throw new Error('a trust changefeed record without an ID')
}

/**
 * Notary changefeed records (sources/3-notary.md) from a file: the API's page `{"records": [...]}`,
 * an array or JSON lines. Identity is the connector's: the change's `ID`.
 */
export const notaryImport: ImportSource = {
  kind: 'notary',
  title: 'Notary',

  looksLike: (raw) => isRecordObject(raw) && changeField(raw, 'GUN') !== undefined && changeField(raw, 'CreatedAt') !== undefined,

  records() {
    return (raw) => {
      const sourceEventId = notaryChangeId(raw)
      return { kind: 'event', event: { sourceEventId, raw, normalised: normaliseNotaryChange(raw) } }
    }
  },

  checkExported(raw, sourceEventId) {
    normaliseNotaryChange(raw)
    if (sourceEventId !== notaryChangeId(raw)) throw new Error('source_event_id is not the ID of this raw changefeed record')
  }
}
