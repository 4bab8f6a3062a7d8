import { TRUST_ID_PREFIX } from '../sources/msr'
import { normaliseMsrEvent } from '../sources/msr-normalise'
import { normaliseNotaryChange } from '../sources/notary-normalise'
import { isRecordObject, type ImportSource } from './import-source'
import { notaryChangeId, notaryImport } from './notary-import'

/** An MSR event's `id` as the connector reads it (msr-page.ts). */
function msrEventId(raw: unknown): string {
  const id = isRecordObject(raw) ? raw['id'] : undefined
  if (typeof id === 'string' && id.trim() !== '') return id
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id)
  throw new Error('an MSR event without an id')
}

const looksLikeMsrEvent = (raw: unknown): boolean =>
  isRecordObject(raw) && typeof raw['publishedAt'] === 'string' && 'type' in raw

/**
 * DTR/MSR 2.x–3.x events (sources/2-msr-dtr.md) from a file: the API's `{"events": [...]}`, an array
 * or JSON lines; trust changefeed records (an account `--with-trust`) read too. Identity is the
 * connector's: the event's `id`, and `trust:<ID>` for a changefeed record.
 */
export const msrImport: ImportSource = {
  kind: 'msr',
  title: 'MSR',

  looksLike: (raw) => looksLikeMsrEvent(raw) || notaryImport.looksLike(raw),

  records() {
    return (raw) => {
      if (!looksLikeMsrEvent(raw) && notaryImport.looksLike(raw)) {
        const sourceEventId = `${TRUST_ID_PREFIX}${notaryChangeId(raw)}`
        return { kind: 'event', event: { sourceEventId, raw, normalised: normaliseNotaryChange(raw) } }
      }
      return { kind: 'event', event: { sourceEventId: msrEventId(raw), raw, normalised: normaliseMsrEvent(raw) } }
    }
  },

  checkExported(raw, sourceEventId) {
    if (sourceEventId.startsWith(TRUST_ID_PREFIX)) {
      normaliseNotaryChange(raw)
      if (sourceEventId !== `${TRUST_ID_PREFIX}${notaryChangeId(raw)}`) {
        throw new Error('source_event_id is not the id MSR trust sync gives this raw changefeed record')
      }
      return
    }
    normaliseMsrEvent(raw)
    if (sourceEventId !== msrEventId(raw)) throw new Error('source_event_id is not the id of this raw MSR event')
  }
}
