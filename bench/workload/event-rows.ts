import { createHash } from 'node:crypto'
import { canonicalJson } from '../../src/main/core/canonical'
import type { IngestEvent } from '../../src/main/core/db/archive-types'
import type { Connector } from '../../src/main/core/sources/connector'
import { createConnector } from '../../src/main/core/sources/index'
import type { NormalisedEvent } from '../../src/shared/event'
import { BENCH_ACCOUNTS, benchAccountObject } from './bench-accounts'
import type { StreamRecord } from './event-stream'

/**
 * Stream records → what the archive stores, through the real connectors' normalisers: the
 * IngestEvent the sync engine hands to Archive.writePage, and the finished events row (with the
 * integrity chain) that bulk loads and bare inserts write.
 */

/** The events columns a row is inserted with, in this order (the writer's own column list). */
export const EVENT_COLUMNS = [
  'account_id',
  'source_event_id',
  'occurred_at',
  'action',
  'verb',
  'activity',
  'outcome',
  'actor',
  'actor_kind',
  'namespace',
  'repository',
  'tag',
  'digest',
  'target',
  'client_ip',
  'user_agent',
  'label',
  'raw',
  'chain_hash',
  'ingested_at'
] as const

export type EventRowValues = [
  number, string, number, string, string, string, string, string, string, string,
  string, string, string, string, string, string, string, string, string, number
]

/** Connectors for the bench accounts, in BENCH_ACCOUNTS order (account ids 1…n). */
export function benchConnectors(): Connector[] {
  return BENCH_ACCOUNTS.map((spec, index) => createConnector(benchAccountObject(spec, index + 1)))
}

/** The id the account's connector gives a record: the source's own, or a hash of the record. */
export function sourceEventIdOf(record: StreamRecord, rawText: string): string {
  return record.sourceId ?? createHash('sha256').update(rawText).digest('hex')
}

/** A record as the sync engine would pass it to writePage. */
export function toIngestEvent(record: StreamRecord, connectors: Connector[]): IngestEvent {
  const spec = BENCH_ACCOUNTS[record.account]!
  const normalised = connectors[record.account]!.normalise(spec.stream, record.raw)
  const sourceEventId = record.sourceId ?? createHash('sha256').update(canonicalJson(record.raw)).digest('hex')
  return { sourceEventId, raw: record.raw, normalised }
}

/**
 * Builds finished rows, keeping each account's chain head as the writer does:
 * chain_hash = SHA-256(previous chain_hash || canonical raw).
 */
export class EventRowBuilder {
  /** Per account (index): the chain head and how many events it covers. */
  readonly heads: Array<{ head: string; count: number }> = BENCH_ACCOUNTS.map(() => ({ head: '', count: 0 }))
  private checked = 0

  constructor(
    private readonly connectors: Connector[],
    private readonly ingestedAt: number
  ) {}

  row(record: StreamRecord): EventRowValues {
    const spec = BENCH_ACCOUNTS[record.account]!
    const rawText = JSON.stringify(record.raw)
    // The builders write keys in sorted order, so the stored text is the canonical form; check
    // that on a sample rather than pay canonicalJson for every row.
    if (this.checked < 5000 || this.checked % 100_000 === 0) {
      if (canonicalJson(record.raw) !== rawText) throw new Error(`bench record is not in canonical key order: ${rawText}`)
    }
    this.checked++
    const n: NormalisedEvent = this.connectors[record.account]!.normalise(spec.stream, record.raw)
    const head = this.heads[record.account]!
    const chain = createHash('sha256').update(head.head).update(rawText).digest('hex')
    head.head = chain
    head.count++
    return [
      record.account + 1,
      sourceEventIdOf(record, rawText),
      n.occurred_at,
      n.action ?? '',
      n.verb,
      n.activity,
      n.outcome,
      n.actor ?? '',
      n.actor_kind,
      n.namespace ?? '',
      n.repository ?? '',
      n.tag ?? '',
      n.digest ?? '',
      n.target ?? '',
      n.client_ip ?? '',
      n.user_agent ?? '',
      n.label ?? '',
      rawText,
      chain,
      this.ingestedAt
    ]
  }
}
