import { describe, expect, it } from 'vitest'
import { ibmOptionsSchema, resolveIbmLogsEndpoint } from '../../src/shared/account-options/ibm'
import {
  describeIbmEventDelivery,
  findIbmRegistryRegion,
  IBM_REGISTRY_REGIONS,
  ibmDeliveryRegion,
  ibmLogsEndpoint,
  ibmLogsEndpointRegion
} from '../../src/shared/account-options/ibm-regions'

describe('IBM registry regions', () => {
  it.each([
    ['us.icr.io', 'us-south'],
    ['US.ICR.IO', 'us-south'],
    ['https://de.icr.io/', 'eu-de'],
    ['eu-central', 'eu-de'],
    ['ap-south', 'au-syd'],
    ['au.icr.io', 'au-syd'],
    ['private.jp.icr.io', 'jp-tok'],
    ['registry.ng.bluemix.net', 'us-south'],
    ['icr.io', 'global'],
    ['global', 'global'],
    ['ca2.icr.io', 'ca-mon'],
    ['in2.icr.io', 'in-mum'],
    ['jp2.icr.io', 'jp-osa']
  ])('%s is %s', (input, id) => {
    expect(findIbmRegistryRegion(input)?.id).toBe(id)
  })

  it('knows nothing else', () => {
    for (const input of ['', 'docker.io', 'us', 'eu-fr2', 'icr.io.evil.example']) expect(findIbmRegistryRegion(input)).toBeUndefined()
  })

  it('delivers ap-south (au-syd) events to Tokyo and the global registry to Dallas, the rest to their own region', () => {
    const at = (input: string): string | undefined => findIbmRegistryRegion(input)?.activityTracker?.id
    expect(at('ap-south')).toBe('jp-tok')
    expect(at('icr.io')).toBe('us-south')
    expect(at('ap-north')).toBe('jp-tok')
    expect(at('uk.icr.io')).toBe('eu-gb')
    expect(at('de.icr.io')).toBe('eu-de')
    expect(findIbmRegistryRegion('global')!.eventRouting.id).toBe('us-east')
    expect(describeIbmEventDelivery(findIbmRegistryRegion('au.icr.io')!)).toBe(
      'au.icr.io (au-syd, formerly ap-south): Activity Tracker delivered its events to Tokyo (jp-tok); ' +
        'Event Routing picks them up in Sydney (au-syd)'
    )
    expect(describeIbmEventDelivery(findIbmRegistryRegion('in.icr.io')!)).toContain('not in the Activity Tracker location table')
  })

  it('every region has distinct domains', () => {
    const domains = IBM_REGISTRY_REGIONS.flatMap((entry) => [entry.domain, entry.privateDomain])
    expect(new Set(domains).size).toBe(domains.length)
    for (const entry of IBM_REGISTRY_REGIONS) expect(entry.domain).toMatch(/(^|\.)icr\.io$/)
  })

  it('builds and reads the documented Cloud Logs endpoint form', () => {
    const guid = '0D5C1E2A-1111-4222-8333-444455556666'
    expect(ibmLogsEndpoint(guid, 'jp-tok')).toBe('https://0d5c1e2a-1111-4222-8333-444455556666.api.jp-tok.logs.cloud.ibm.com')
    expect(ibmLogsEndpointRegion('https://0d5c1e2a-1111-4222-8333-444455556666.api.eu-de.logs.cloud.ibm.com/')).toBe('eu-de')
    expect(ibmLogsEndpointRegion('0d5c1e2a-1111-4222-8333-444455556666.api.private.eu-de.logs.cloud.ibm.com')).toBe('eu-de')
    expect(ibmLogsEndpointRegion('http://127.0.0.1:4000')).toBeUndefined()
    // A GUID alone becomes the endpoint in the region the table delivers to.
    expect(resolveIbmLogsEndpoint(guid, 'ap-south')).toBe(ibmLogsEndpoint(guid, 'jp-tok'))
    expect(resolveIbmLogsEndpoint(guid, 'icr.io')).toBe(ibmLogsEndpoint(guid, 'us-south'))
    expect(resolveIbmLogsEndpoint(guid, 'ca2.icr.io')).toBe(ibmLogsEndpoint(guid, 'ca-mon'))
    expect(resolveIbmLogsEndpoint('https://logs.example/', 'us-south')).toBe('https://logs.example')
    expect(resolveIbmLogsEndpoint('http://logs.example', 'us-south')).toBeUndefined()
    expect(resolveIbmLogsEndpoint(guid, 'nowhere')).toBeUndefined()
    expect(ibmDeliveryRegion(findIbmRegistryRegion('br.icr.io')!)).toBe('br-sao')
  })
})

describe('ibm account options', () => {
  it('accepts a region or registry domain and optional settings', () => {
    expect(ibmOptionsSchema.parse({ region: 'us.icr.io' })).toEqual({ region: 'us.icr.io' })
    expect(
      ibmOptionsSchema.parse({ region: 'ap-south', iamUrl: 'http://127.0.0.1:9', tier: 'archive', queryLimit: 500, overlapMinutes: 0 })
    ).toMatchObject({ tier: 'archive' })
  })

  it.each([
    [{}, 'region'],
    [{ region: 'mars' }, 'region'],
    [{ region: 'us-south', iamUrl: 'http://iam.cloud.ibm.com' }, 'iamUrl'],
    [{ region: 'us-south', iamUrl: 'https://user:pw@iam.cloud.ibm.com' }, 'iamUrl'],
    [{ region: 'us-south', tier: 'hot' }, 'tier'],
    [{ region: 'us-south', queryLimit: 60_000 }, 'queryLimit'],
    [{ region: 'us-south', applicationName: "x' || true" }, 'applicationName']
  ])('refuses %j (%s)', (options, field) => {
    const parsed = ibmOptionsSchema.safeParse(options)
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]?.path).toEqual([field])
  })
})
