import type { NormalisedEvent, SourceKind } from '../../../shared/event'

/**
 * A connector turns pages of a source's API into raw records and a cursor, and normalises one
 * raw record into an event. It never touches the database or the keychain: the token comes from
 * `getToken()` each time it is needed, so a connector never keeps it.
 */

/** One record as received, with the identity the archive dedups on. */
export interface SourceRecord {
  /** The source's own event id, or a SHA-256 over the canonical record where it has none. */
  sourceEventId: string
  /** The parsed record, exactly as the source sent it. */
  raw: unknown
}

export interface SourcePage {
  records: SourceRecord[]
  /**
   * The cursor to store once this page's records are written (JSON-serialisable). Storing it in
   * the same transaction as the records is what makes a crash lose and double nothing.
   */
  cursor: unknown
}

/** Progress a connector reports while it walks pages (the sync engine adds its own counts). */
export type ConnectorNotice =
  | { type: 'waiting'; reason: 'rate-limit' | 'retry'; ms: number; status?: number }
  | { type: 'reauthenticated' }
  | { type: 'warning'; message: string }

export interface ConnectorContext {
  /** Account name, for error messages. */
  account: string
  /** Resolves the account's secret (token, password, API key) when the connector needs it. */
  getToken: () => Promise<string>
  signal: AbortSignal
  notify: (notice: ConnectorNotice) => void
}

export interface ConnectionTestResult {
  ok: true
  /** What the source said about who we are and what we can read. */
  details: string[]
  warnings: string[]
}

export interface Connector {
  readonly kind: SourceKind
  /** Named event streams of this account; each keeps its own cursor (e.g. `auditlog`, `trust`). */
  streams(): string[]
  /**
   * Walks a stream from `cursor` (null on the first sync) to its end, yielding pages in the
   * order they must be written. Throws AppError on failure.
   */
  pages(stream: string, cursor: unknown, ctx: ConnectorContext): AsyncIterable<SourcePage>
  /** Pure: raw record → normalised event. Throws AppError('BAD_RESPONSE') on a record it cannot read. */
  normalise(stream: string, raw: unknown): NormalisedEvent
  /** Authenticates and reads one small page, to check the account's settings. */
  testConnection(ctx: ConnectorContext): Promise<ConnectionTestResult>
}
