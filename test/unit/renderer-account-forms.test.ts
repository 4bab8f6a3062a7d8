import { describe, expect, it } from 'vitest'
import { ACCOUNT_FORMS, formFor, listEntries, mergeOptions, valuesFromOptions, type KindForm } from '../../src/renderer/src/lib/account-forms'

function form(kind: Parameters<typeof formFor>[0]): KindForm {
  const found = formFor(kind)
  if (found === undefined) throw new Error(`no form for ${kind}`)
  return found
}

const GUID = '0b5f2c3e-1d4a-4c6b-9e8f-7a6b5c4d3e2f'

describe('the account dialog’s forms', () => {
  it('offers every kind the core syncs, each starting empty with its default URL', () => {
    expect(ACCOUNT_FORMS.map((candidate) => candidate.kind)).toEqual(['dockerhub', 'msr', 'notary', 'ibm', 'harbor', 'quay'])
    expect(form('quay').defaultUrl).toBe('https://quay.io')
    expect(form('dockerhub').defaultUrl).toBe('https://hub.docker.com')
    expect(form('msr').defaultUrl).toBe('')
    // A fresh form: selects at their first choice, checkboxes off, text empty.
    expect(valuesFromOptions(form('notary').fields, {})).toEqual({ authMode: 'none', username: '', repositories: '', caFile: '', tokenRealm: '' })
    expect(valuesFromOptions(form('msr').fields, {})).toEqual({ username: '', caFile: '', withTrust: false })
  })

  it('turns the values into the kind’s typed options, leaving empty optional ones out', () => {
    const msr = form('msr')
    expect(msr.toOptions({ username: ' admin ', caFile: '', withTrust: true })).toEqual({ username: 'admin', withTrust: true })
    expect(msr.toOptions({ username: 'admin', caFile: '/ca.pem', withTrust: false })).toEqual({ username: 'admin', caFile: '/ca.pem' })
    const quay = form('quay')
    expect(quay.toOptions({ org: 'acme', repositories: 'acme/app\n\n acme/api ,acme/base', caFile: '' })).toEqual({
      org: 'acme',
      repositories: ['acme/app', 'acme/api', 'acme/base']
    })
    // A field the mode hides is not sent, whatever it holds.
    const notary = form('notary')
    expect(notary.toOptions({ authMode: 'bearer', username: 'left-over', repositories: '', caFile: '', tokenRealm: 'https://x' })).toEqual({
      authMode: 'bearer'
    })
    expect(listEntries(' a ,b\n\nc ')).toEqual(['a', 'b', 'c'])
  })

  it('reads stored options back into the form: lists one a line, booleans as they are', () => {
    const values = valuesFromOptions(form('notary').fields, {
      authMode: 'token',
      username: 'alice',
      repositories: ['r.example.com/a', 'r.example.com/b']
    })
    expect(values).toMatchObject({ authMode: 'token', username: 'alice', repositories: 'r.example.com/a\nr.example.com/b', caFile: '' })
    expect(valuesFromOptions(form('msr').fields, { username: 'u', withTrust: true })).toMatchObject({ withTrust: true })
  })

  it('keeps settings the form does not show when an account is edited, and drops cleared ones', () => {
    const msr = form('msr')
    const previous = { username: 'old', caFile: '/old.pem', withTrust: true, overlapSeconds: 900 }
    expect(mergeOptions(previous, msr.fields, { username: 'new', caFile: '', withTrust: false })).toEqual({
      username: 'new',
      overlapSeconds: 900
    })
  })

  it('says what each kind’s own schema says, per field, with list entries named by line', () => {
    expect(form('msr').validate({ username: '', caFile: '', withTrust: false })).toEqual({ username: 'Required' })
    expect(form('notary').validate({ authMode: 'none', repositories: 'r.example.com/ok\nbad gun', caFile: '', tokenRealm: '' })).toEqual({
      repositories: 'Line 2: a GUN has no spaces, "*", "?", "#" or "\\"'
    })
    expect(
      form('notary').validate({ authMode: 'none', repositories: 'r.example.com/a\nr.example.com/a', caFile: '', tokenRealm: '' })
    ).toEqual({ repositories: 'a GUN is listed twice' })
    expect(form('notary').validate({ authMode: 'token', username: '', repositories: '', caFile: '', tokenRealm: '' })).toEqual({
      username: 'Required'
    })
    expect(form('quay').validate({ org: 'Acme', repositories: 'acme/App', caFile: '' })).toEqual({
      org: 'a Quay organisation name is lower-case letters, digits, ".", "_" and "-" (not first or last)',
      repositories: 'Line 1: a repository is NAMESPACE/NAME in lower case (acme/app)'
    })
    expect(form('ibm').validate({ region: 'mars-1', iamUrl: '' }).region).toMatch(/^unknown IBM Cloud Container Registry region/)
    expect(form('ibm').validate({ region: 'us-south', iamUrl: 'http://iam.example.com' }).iamUrl).toMatch(/^must be an https:\/\/ URL/)
    expect(form('harbor').validate({ username: 'robot$auditor', caFile: '' })).toEqual({})
    expect(form('dockerhub').validate({ org: 'acme', username: '' })).toEqual({ username: 'Required' })
  })

  it('asks for a secret unless a Notary server needs no authentication', () => {
    expect(form('notary').needsToken({ authMode: 'none' })).toBe(false)
    expect(form('notary').needsToken({ authMode: 'token' })).toBe(true)
    expect(form('notary').needsToken({ authMode: 'bearer' })).toBe(true)
    expect(form('harbor').needsToken({})).toBe(true)
  })

  it('takes an IBM Cloud Logs endpoint, or a GUID placed where the region’s events are delivered', () => {
    const ibm = form('ibm')
    // au-syd's (formerly ap-south's) events were delivered to Tokyo; the global registry's to Dallas.
    expect(ibm.resolveUrl(GUID, { region: 'au.icr.io' })).toEqual({ url: `https://${GUID}.api.jp-tok.logs.cloud.ibm.com` })
    expect(ibm.resolveUrl(GUID, { region: 'icr.io' })).toEqual({ url: `https://${GUID}.api.us-south.logs.cloud.ibm.com` })
    expect(ibm.resolveUrl('https://x.api.eu-de.logs.cloud.ibm.com/', { region: 'de.icr.io' })).toEqual({
      url: 'https://x.api.eu-de.logs.cloud.ibm.com'
    })
    expect(ibm.resolveUrl(GUID, { region: '' })).toHaveProperty('problem')
    expect(ibm.resolveUrl('not a url', { region: 'us-south' })).toHaveProperty('problem')
    expect(ibm.describe('region', { region: 'ap-south' }, '')).toContain('Activity Tracker delivered its events to Tokyo (jp-tok)')
    expect(ibm.describe('region', { region: 'nowhere' }, '')).toBeNull()
    expect(ibm.describe('url', { region: 'us-south' }, GUID)).toBe(`Endpoint: https://${GUID}.api.us-south.logs.cloud.ibm.com`)
  })

  it('checks other kinds’ URLs for http(s), without defaults where there are none', () => {
    expect(form('harbor').resolveUrl('', {})).toEqual({ problem: 'Required' })
    expect(form('harbor').resolveUrl(' https://harbor.example.com ', {})).toEqual({ url: 'https://harbor.example.com' })
    expect(form('msr').resolveUrl('ftp://dtr', {})).toHaveProperty('problem')
  })
})
