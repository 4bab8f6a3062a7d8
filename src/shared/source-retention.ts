import type { SourceKind } from './event'
import type { SourceRetention } from './investigation'

/**
 * How long each source keeps its audit events, from the wire contracts (sources/*.md) and the
 * vendors' documentation. Used by coverage to say when an account must sync again before events
 * are lost at the source. `days: null` means unknown or set per installation.
 */
export const SOURCE_RETENTION: Readonly<Record<SourceKind, SourceRetention>> = {
  dockerhub: { days: 30, keepsAll: false, note: "Docker Hub's audit log UI and API show the last 30 days" },
  msr: {
    days: null,
    keepsAll: false,
    note: 'DTR/MSR admins may auto-delete repository events (a per-installation setting)'
  },
  quay: { days: 30, keepsAll: false, note: 'Quay keeps usage logs for 30 days' },
  harbor: { days: null, keepsAll: false, note: "Harbor's audit log retention is configured per installation" },
  ibm: { days: null, keepsAll: false, note: "IBM Cloud Logs keeps events for as long as the instance's plan says" },
  notary: { days: null, keepsAll: true, note: "Notary's changefeed keeps every change" },
  file: { days: null, keepsAll: true, note: 'imported files: nothing expires at a source' }
}

export const DAY_MS = 24 * 60 * 60 * 1000
