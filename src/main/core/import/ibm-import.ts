import { extractIbmEvent, ibmEventAction, ibmEventId } from '../sources/ibm-event'
import { IBM_ACTION_PREFIX, normaliseIbmRecord } from '../sources/ibm-normalise'
import { isRecordObject, type ImportSource } from './import-source'

/**
 * IBM Cloud Activity Tracker export files (sources/4, path B): the service ended on 2025-03-30 and
 * its exports are what many admins hold. JSON lines of activity tracking events (the issue's
 * words); lines carrying `_`-prefixed export metadata beside the event, or the event as a JSON
 * string in `_line`, and saved Cloud Logs results (`user_data`) read too (ibm-event.ts). A JSON
 * array, or the export v2 page `{"lines": [...]}`, reads as well. CADF events nest too deeply for
 * a CSV form.
 *
 * Identity is the connector's: the SHA-256 of the event without export metadata, so a file, an
 * overlapping file and a Cloud Logs sync all dedup. Events of other IBM services (an account-wide
 * export holds them) are skipped and counted, as the connector leaves them out.
 */
export const ibmImport: ImportSource = {
  kind: 'ibm',
  title: 'IBM Cloud',

  looksLike: (raw) =>
    isRecordObject(raw) &&
    ((typeof raw['action'] === 'string' && 'eventTime' in raw) || typeof raw['user_data'] === 'string' || typeof raw['_line'] === 'string'),

  records() {
    return (raw) => {
      const event = extractIbmEvent(raw)
      if (!ibmEventAction(event).startsWith(IBM_ACTION_PREFIX)) return { kind: 'skip' }
      return { kind: 'event', event: { sourceEventId: ibmEventId(event), raw, normalised: normaliseIbmRecord(raw) } }
    }
  },

  checkExported(raw, sourceEventId) {
    normaliseIbmRecord(raw)
    if (sourceEventId !== ibmEventId(extractIbmEvent(raw))) throw new Error('source_event_id is not the id IBM Cloud Logs sync gives this raw record')
  }
}
