import type { Account } from '../../src/shared/account'

/**
 * The registry accounts of a benchmark archive: an organisation with two Docker Hub orgs, a
 * production and a disaster-recovery MSR (pulls are most of what MSR logs), an IBM Cloud
 * Container Registry region and a standalone notary-server. `share` is each account's part of
 * all events.
 */
export interface BenchAccount {
  name: string
  kind: 'dockerhub' | 'msr' | 'ibm' | 'notary'
  url: string
  options: Record<string, unknown>
  /** The connector stream its events come from. */
  stream: string
  share: number
}

export const BENCH_ACCOUNTS: readonly BenchAccount[] = [
  {
    name: 'hub-acme',
    kind: 'dockerhub',
    url: 'https://hub.docker.com',
    options: { org: 'acme', username: 'acme' },
    stream: 'auditlog',
    share: 0.2
  },
  {
    name: 'hub-acme-labs',
    kind: 'dockerhub',
    url: 'https://hub.docker.com',
    options: { org: 'acmelabs', username: 'acmelabs' },
    stream: 'auditlog',
    share: 0.05
  },
  { name: 'msr-prod', kind: 'msr', url: 'https://msr.acme.example', options: { username: 'auditor' }, stream: 'events', share: 0.42 },
  { name: 'msr-dr', kind: 'msr', url: 'https://msr-dr.acme.example', options: { username: 'auditor' }, stream: 'events', share: 0.1 },
  { name: 'icr-us-south', kind: 'ibm', url: 'https://api.us-south.logs.cloud.ibm.com', options: { region: 'us-south' }, stream: 'events', share: 0.2 },
  { name: 'notary-prod', kind: 'notary', url: 'https://notary.acme.example', options: {}, stream: 'changefeed', share: 0.03 }
]

/** An Account object for a bench account (what createConnector takes). */
export function benchAccountObject(spec: BenchAccount, id: number): Account {
  return { id, name: spec.name, kind: spec.kind, url: spec.url, options: spec.options, created_at: 0, updated_at: 0 }
}
