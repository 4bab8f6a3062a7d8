import { z } from 'zod'
import {
  findIbmRegistryRegion,
  ibmDeliveryRegion,
  ibmLogsEndpoint,
  ibmRegionChoices,
  isIbmInstanceGuid
} from './ibm-regions'

/**
 * Settings of an `ibm` account (IBM Cloud Container Registry events read from IBM Cloud Logs).
 * The account URL is the Cloud Logs instance endpoint (`https://<guid>.api.<region>.logs.cloud.ibm.com`);
 * the secret in the keychain is an IAM API key (a service ID's, for automation).
 */

export const IBM_DEFAULTS = {
  iamUrl: 'https://iam.cloud.ibm.com',
  /** Cloud Logs tier queried: Priority insights. */
  tier: 'frequent_search',
  /** The `applicationName` label Cloud Logs gives activity tracking events. */
  applicationName: 'ibm-audit-event',
  /** How far back the first sync reads. */
  lookbackDays: 30,
  /** How much of the time already read each later sync reads again, for late deliveries. */
  overlapMinutes: 15,
  /** Rows asked for per query; a slice that returns this many is split and read again. */
  queryLimit: 2000
} as const

/** The most rows one query returns, per tier (contract: 12 K Priority insights, 50 K archive). */
export const IBM_TIER_ROW_LIMITS = { frequent_search: 12_000, archive: 50_000 } as const

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i

/** https, or http to this computer only (simulators); no user info, query or fragment. */
export function isHttpsOrLoopbackUrl(text: string): boolean {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return false
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return false
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))
}

const urlOption = z
  .string()
  .max(2048)
  .refine(isHttpsOrLoopbackUrl, 'must be an https:// URL (http:// only for a loopback address), without user name, query or fragment')

export const ibmOptionsSchema = z.object({
  /**
   * The registry whose events these are: a region id (`us-south`), a former region name
   * (`ap-south`), a registry domain (`us.icr.io`), or `global` (`icr.io`).
   */
  region: z
    .string()
    .max(100)
    .refine((value) => findIbmRegistryRegion(value) !== undefined, {
      message: `unknown IBM Cloud Container Registry region; expected one of ${ibmRegionChoices()}`
    }),
  /** The IAM token service; default https://iam.cloud.ibm.com. */
  iamUrl: urlOption.optional(),
  /** `frequent_search` (Priority insights, default) or `archive` (the COS archive). */
  tier: z.enum(['frequent_search', 'archive']).optional(),
  /**
   * The application label to filter on; default `ibm-audit-event` (one IBM page says
   * `ibm-audit-events`, hence the setting).
   */
  applicationName: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits, ".", "_", ":" or "-" only')
    .optional(),
  /** Days the first sync reads back; default 30. */
  lookbackDays: z.number().int().min(1).max(3660).optional(),
  /** Minutes each later sync re-reads before where the last one ended; default 15. */
  overlapMinutes: z.number().int().min(0).max(7 * 24 * 60).optional(),
  /** Rows per query; default 2000, at most the tier's limit (12 000 / 50 000). */
  queryLimit: z.number().int().min(10).max(IBM_TIER_ROW_LIMITS.archive).optional(),
  /** A PEM file of extra CA certificates (an inspecting proxy). */
  caFile: z.string().min(1).max(4096).optional()
})
export type IbmOptions = z.infer<typeof ibmOptionsSchema>

/**
 * The Cloud Logs endpoint an account uses: `input` as given when it is a URL, or, when it is a
 * service instance GUID, the documented endpoint of that instance in the region where the
 * registry's events are delivered (ibmDeliveryRegion). Undefined when `input` is neither or the
 * region is unknown.
 */
export function resolveIbmLogsEndpoint(input: string, region: string): string | undefined {
  const text = input.trim()
  if (isIbmInstanceGuid(text)) {
    const entry = findIbmRegistryRegion(region)
    return entry ? ibmLogsEndpoint(text, ibmDeliveryRegion(entry)) : undefined
  }
  return isHttpsOrLoopbackUrl(text) ? text.replace(/\/+$/, '') : undefined
}
