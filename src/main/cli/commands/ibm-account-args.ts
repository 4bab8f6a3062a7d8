import { resolveIbmLogsEndpoint } from '../../../shared/account-options/ibm'
import { findIbmRegistryRegion, ibmRegionChoices } from '../../../shared/account-options/ibm-regions'
import type { OptionSpecs } from '../command-args'
import { UsageError } from '../usage-error'

/**
 * `account add --kind ibm`: the IBM Cloud Container Registry options, turned into the account's
 * URL (the Cloud Logs endpoint) and settings.
 */
export const IBM_ACCOUNT_ADD_OPTIONS = {
  region: { type: 'string' },
  'logs-endpoint': { type: 'string' },
  'iam-url': { type: 'string' }
} as const satisfies OptionSpecs

export const IBM_ACCOUNT_ADD_HELP = `  --region REGION      ibm: the registry — a region (us-south, ap-south …) or its domain
                       (us.icr.io, icr.io for the global registry)
  --logs-endpoint URL  ibm: the IBM Cloud Logs instance endpoint
                       (https://GUID.api.REGION.logs.cloud.ibm.com), or just the instance GUID
                       for the endpoint in the region where the registry's events are delivered
  --iam-url URL        ibm: the IAM token service (default https://iam.cloud.ibm.com)
`

export interface IbmAccountArgs {
  region?: string
  'logs-endpoint'?: string
  'iam-url'?: string
  url?: string
}

/** The URL and settings of a new ibm account. Throws UsageError naming what is missing or wrong. */
export function ibmAccountRequest(values: IbmAccountArgs, command: string): { url: string; options: Record<string, unknown> } {
  const region = values.region
  if (region === undefined) throw new UsageError('missing --region REGION (a region such as us-south, or a registry domain such as us.icr.io)', command)
  if (findIbmRegistryRegion(region) === undefined) {
    throw new UsageError(`unknown --region "${region}": expected one of ${ibmRegionChoices()}`, command)
  }
  if (values.url !== undefined && values['logs-endpoint'] !== undefined) {
    throw new UsageError('give the Cloud Logs endpoint once: --logs-endpoint (or --url), not both', command)
  }
  const endpoint = values['logs-endpoint'] ?? values.url
  if (endpoint === undefined) {
    throw new UsageError('missing --logs-endpoint URL (the IBM Cloud Logs instance endpoint, or its GUID)', command)
  }
  const url = resolveIbmLogsEndpoint(endpoint, region)
  if (url === undefined) {
    throw new UsageError(
      '--logs-endpoint must be an https:// URL (http:// only for a loopback address) or an instance GUID',
      command
    )
  }
  return {
    url,
    options: { region, ...(values['iam-url'] === undefined ? {} : { iamUrl: values['iam-url'] }) }
  }
}
