/**
 * IBM Cloud Container Registry regions, and where each one's activity tracking events go
 * (sources/4-ibm-activity-tracker.md; IBM's `registry_overview.md` domain table and the
 * Activity Tracker location table of `registry_at_events.md` as it stood before 2025-04).
 *
 * Two eras matter:
 * - Activity Tracker (ended 2025-03-30) delivered each registry's events to one location, the
 *   registry's own region except `au-syd` (formerly `ap-south`), whose events showed in Tokyo, and
 *   the global registry `icr.io`, whose events showed in Dallas. Export files an admin holds came
 *   from that location.
 * - Activity Tracker Event Routing picks each registry's events up in the registry's own region
 *   (the global registry's in `us-east`, shown as `global`) and a route sends them to a Cloud Logs
 *   instance in any region.
 *
 * Pure: no node:, so the CLI, the core and the account dialog share it.
 */

export interface IbmLocation {
  /** Region id, e.g. `jp-tok`. */
  id: string
  /** IBM's display name, e.g. `Tokyo`. */
  city: string
}

export interface IbmRegistryRegion {
  /** `global` or the region id (`us-south`, `au-syd`, …). */
  id: string
  /** The region's former name (`ap-south`, `eu-central`, …), where it had one. */
  formerName: string | null
  city: string
  /** The registry's domain name (`us.icr.io`; `icr.io` for the global registry). */
  domain: string
  privateDomain: string
  /** The deprecated `bluemix.net` domain, where there is one. */
  deprecatedDomain: string | null
  /**
   * Where Activity Tracker delivered this registry's events; null for a region IBM's Activity
   * Tracker table does not list (regions that opened later).
   */
  activityTracker: IbmLocation | null
  /** The Event Routing region where this registry's events are picked up. */
  eventRouting: IbmLocation
}

const loc = (id: string, city: string): IbmLocation => ({ id, city })

const DALLAS = loc('us-south', 'Dallas')
const TOKYO = loc('jp-tok', 'Tokyo')

/** Every registry instance IBM documents, the global registry first. */
export const IBM_REGISTRY_REGIONS: readonly IbmRegistryRegion[] = [
  {
    id: 'global',
    formerName: null,
    city: 'Global',
    domain: 'icr.io',
    privateDomain: 'private.icr.io',
    deprecatedDomain: 'registry.bluemix.net',
    activityTracker: DALLAS,
    eventRouting: loc('us-east', 'Washington DC')
  },
  region('au-syd', 'ap-south', 'Sydney', 'au.icr.io', 'registry.au-syd.bluemix.net', TOKYO),
  region('br-sao', null, 'Sao Paulo', 'br.icr.io', null, 'own'),
  region('ca-mon', null, 'Montreal', 'ca2.icr.io', null, null),
  region('ca-tor', null, 'Toronto', 'ca.icr.io', null, 'own'),
  region('eu-de', 'eu-central', 'Frankfurt', 'de.icr.io', 'registry.eu-de.bluemix.net', 'own'),
  region('eu-es', null, 'Madrid', 'es.icr.io', null, 'own'),
  region('eu-gb', 'uk-south', 'London', 'uk.icr.io', 'registry.eu-gb.bluemix.net', 'own'),
  region('in-che', null, 'Chennai - Airtel', 'in.icr.io', null, null),
  region('in-mum', null, 'Mumbai - Airtel', 'in2.icr.io', null, null),
  region('jp-osa', null, 'Osaka', 'jp2.icr.io', null, 'own'),
  region('jp-tok', 'ap-north', 'Tokyo', 'jp.icr.io', null, 'own'),
  region('us-south', null, 'Dallas', 'us.icr.io', 'registry.ng.bluemix.net', 'own')
]

function region(
  id: string,
  formerName: string | null,
  city: string,
  domain: string,
  deprecatedDomain: string | null,
  activityTracker: IbmLocation | 'own' | null
): IbmRegistryRegion {
  const own = loc(id, city)
  return {
    id,
    formerName,
    city,
    domain,
    privateDomain: `private.${domain}`,
    deprecatedDomain,
    activityTracker: activityTracker === 'own' ? own : activityTracker,
    eventRouting: own
  }
}

/**
 * The registry region named by `input`: a region id (`au-syd`), a former name (`ap-south`), a
 * registry domain (`au.icr.io`), its private or deprecated domain, or `global`; case and a
 * leading `https://` or trailing `/` are ignored. Undefined for anything else.
 */
export function findIbmRegistryRegion(input: string): IbmRegistryRegion | undefined {
  const key = input
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/+$/, '')
  if (key === '') return undefined
  return IBM_REGISTRY_REGIONS.find(
    (entry) =>
      entry.id === key ||
      entry.formerName === key ||
      entry.domain === key ||
      entry.privateDomain === key ||
      entry.deprecatedDomain === key
  )
}

/** The accepted spellings, for an error message. */
export function ibmRegionChoices(): string {
  return IBM_REGISTRY_REGIONS.map((entry) => `${entry.id} (${entry.domain})`).join(', ')
}

function place(location: IbmLocation): string {
  return `${location.city} (${location.id})`
}

/**
 * One line saying where a registry's events are delivered, e.g. "au.icr.io (au-syd, formerly
 * ap-south): Activity Tracker delivered its events to Tokyo (jp-tok); Event Routing picks them up
 * in Sydney (au-syd)".
 */
export function describeIbmEventDelivery(entry: IbmRegistryRegion): string {
  const name = `${entry.domain} (${entry.id}${entry.formerName ? `, formerly ${entry.formerName}` : ''})`
  const legacy = entry.activityTracker
    ? `Activity Tracker delivered its events to ${place(entry.activityTracker)}`
    : 'not in the Activity Tracker location table'
  const routing =
    entry.id === 'global'
      ? `Event Routing picks them up in ${place(entry.eventRouting)}, shown as "global"`
      : `Event Routing picks them up in ${place(entry.eventRouting)}`
  return `${name}: ${legacy}; ${routing}`
}

/**
 * The region the default Cloud Logs endpoint is placed in: where the region table says the
 * registry's events are delivered (Tokyo for au-syd, Dallas for the global registry), or the
 * registry's own region where the table is silent.
 */
export function ibmDeliveryRegion(entry: IbmRegistryRegion): string {
  return (entry.activityTracker ?? entry.eventRouting).id
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether `text` is a service instance GUID (what a Cloud Logs endpoint host starts with). */
export function isIbmInstanceGuid(text: string): boolean {
  return GUID.test(text.trim())
}

/**
 * A Cloud Logs instance's public API endpoint, `https://<guid>.api.<region>.logs.cloud.ibm.com`
 * (the form the contract documents).
 */
export function ibmLogsEndpoint(instanceGuid: string, regionId: string): string {
  return `https://${instanceGuid.trim().toLowerCase()}.api.${regionId}.logs.cloud.ibm.com`
}

/** The region of a Cloud Logs endpoint URL or host, when it has the documented form. */
export function ibmLogsEndpointRegion(urlOrHost: string): string | undefined {
  let host = urlOrHost.trim().toLowerCase()
  try {
    host = new URL(host.includes('://') ? host : `https://${host}`).hostname
  } catch {
    return undefined
  }
  return /^[0-9a-f-]{36}\.api\.(?:private\.)?([a-z]+-[a-z0-9]+)\.logs\.cloud\.ibm\.com$/.exec(host)?.[1]
}
