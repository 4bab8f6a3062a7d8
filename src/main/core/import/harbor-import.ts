import { normaliseHarborRecord } from '../sources/harbor-normalise'
import { harborRecordIdentity } from '../sources/harbor-page'
import { isRecordObject, type ImportSource } from './import-source'

function identityOf(raw: unknown): string {
  const identity = harborRecordIdentity(raw)
  if (identity === undefined) throw new Error('a Harbor audit record without an id')
  return identity.sourceEventId
}

/**
 * Harbor / MSR 4 audit log records (sources/5-harbor.md) from a file: the API's answer (a JSON
 * array, or a page object such as `{"items": [...]}`), JSON lines, or a CSV with the record's
 * fields as columns (the contract describes no export format of Harbor's own; its records are flat,
 * so a CSV of them reads back to the same record, `id` a number and `operation_result` a boolean).
 *
 * Identity is the connector's: the table the record comes from (`AuditLogExt` records carry
 * `operation_description` / `operation_result`, legacy `AuditLog` ones do not) and its `id`.
 */
export const harborImport: ImportSource = {
  kind: 'harbor',
  title: 'Harbor',
  csv: {
    // go-swagger writes the fields in alphabetical order and leaves empty strings out (omitempty),
    // which is what an empty cell reads back as: a CSV of API records reads back to the same text.
    fields: [
      { name: 'id', type: 'integer' },
      { name: 'op_time', type: 'string' },
      { name: 'operation', type: 'string' },
      { name: 'operation_description', type: 'string' },
      { name: 'operation_result', type: 'boolean' },
      { name: 'resource', type: 'string' },
      { name: 'resource_type', type: 'string' },
      { name: 'username', type: 'string' }
    ],
    required: ['id', 'operation', 'op_time']
  },

  looksLike: (raw) => isRecordObject(raw) && typeof raw['op_time'] === 'string' && 'operation' in raw,

  records() {
    return (raw) => {
      const sourceEventId = identityOf(raw)
      return { kind: 'event', event: { sourceEventId, raw, normalised: normaliseHarborRecord(raw) } }
    }
  },

  checkExported(raw, sourceEventId) {
    normaliseHarborRecord(raw)
    if (sourceEventId !== identityOf(raw)) throw new Error('source_event_id is not the id Harbor sync gives this raw record')
  }
}
