import { z, type ZodType } from 'zod'
import { DEFAULT_URLS, dockerHubOptionsSchema } from '../../../shared/account'
import { harborOptionsSchema } from '../../../shared/account-options/harbor'
import { ibmOptionsSchema, IBM_DEFAULTS, resolveIbmLogsEndpoint } from '../../../shared/account-options/ibm'
import {
  describeIbmEventDelivery,
  findIbmRegistryRegion,
  IBM_REGISTRY_REGIONS,
  isIbmInstanceGuid
} from '../../../shared/account-options/ibm-regions'
import { msrOptionsSchema } from '../../../shared/account-options/msr'
import { NOTARY_AUTH_MODES, notaryOptionsSchema } from '../../../shared/account-options/notary'
import { QUAY_DEFAULT_URL, quayOptionsSchema } from '../../../shared/account-options/quay'
import type { TokenStorage } from '../../../shared/contract'
import type { SourceKind } from '../../../shared/event'

/**
 * The add/edit account form of each source kind the core can sync: its option fields, URL and
 * secret, how the typed values become the kind's options, and the checks — each kind's own zod
 * schema from src/shared/account-options, so the dialog says what the core would say.
 */

/** The form's values: text fields and lists (one entry a line) as strings, checkboxes as booleans. */
export type FormValues = Record<string, string | boolean>

export interface OptionField {
  key: string
  label: string
  hint: string
  /** Default `text`. A `list` holds one entry a line. */
  type?: 'text' | 'checkbox' | 'select' | 'list'
  choices?: ReadonlyArray<{ value: string; label: string }>
  /** Offered while typing (a datalist). */
  suggestions?: readonly string[]
  placeholder?: string
  /** May stay empty; then it is left out of the options. */
  optional?: boolean
  /** Shown only when this says so for the current values. */
  visible?: (values: FormValues) => boolean
}

export interface KindForm {
  kind: SourceKind
  label: string
  /** What the URL field holds for this kind. */
  urlLabel: string
  urlHint: string
  urlPlaceholder: string
  defaultUrl: string
  fields: readonly OptionField[]
  tokenLabel: string
  tokenHint: string
  /** Whether the account needs a secret with these values (a Notary server without auth does not). */
  needsToken: (values: FormValues) => boolean
  /** The account URL the URL field stands for, or what is wrong with it. */
  resolveUrl: (text: string, values: FormValues) => { url: string } | { problem: string }
  /** A line under a field that explains the value (where IBM delivers a region's events). */
  describe: (key: string, values: FormValues, url: string) => string | null
  /** The kind's options from the form's values (empty optional fields left out). */
  toOptions: (values: FormValues) => Record<string, unknown>
  /** The first problem per field key (`url` included), from the kind's schema. */
  validate: (values: FormValues) => Record<string, string>
}

interface KindSpec {
  kind: SourceKind
  label: string
  urlLabel?: string
  urlHint: string
  urlPlaceholder?: string
  defaultUrl?: string
  fields: readonly OptionField[]
  tokenLabel: string
  tokenHint: string
  schema: ZodType
  needsToken?: (values: FormValues) => boolean
  resolveUrl?: KindForm['resolveUrl']
  describe?: KindForm['describe']
}

const HTTP_URL = /^https?:\/\/\S+$/i

function plainUrl(text: string): { url: string } | { problem: string } {
  const url = text.trim()
  if (url === '') return { problem: 'Required' }
  return HTTP_URL.test(url) ? { url } : { problem: 'A URL starting with https:// (http:// only for this computer)' }
}

/** The entries of a list field: one a line (commas also separate), blanks dropped. */
export function listEntries(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
}

function fieldType(field: OptionField): NonNullable<OptionField['type']> {
  return field.type ?? 'text'
}

function isVisible(field: OptionField, values: FormValues): boolean {
  return field.visible === undefined || field.visible(values)
}

/** The typed options of a form (hidden fields and empty optional ones left out). */
export function optionsFromValues(fields: readonly OptionField[], values: FormValues): Record<string, unknown> {
  const options: Record<string, unknown> = {}
  for (const field of fields) {
    if (!isVisible(field, values)) continue
    const value = values[field.key]
    switch (fieldType(field)) {
      case 'checkbox':
        if (value === true) options[field.key] = true
        break
      case 'list': {
        const entries = typeof value === 'string' ? listEntries(value) : []
        if (entries.length > 0) options[field.key] = entries
        break
      }
      case 'text':
      case 'select': {
        const text = typeof value === 'string' ? value.trim() : ''
        if (text !== '' || field.optional !== true) options[field.key] = text
        break
      }
    }
  }
  return options
}

/** The form's values for stored options: lists one a line, booleans as they are, numbers as text. */
export function valuesFromOptions(fields: readonly OptionField[], options: Record<string, unknown>): FormValues {
  const values: FormValues = {}
  for (const field of fields) {
    const value = options[field.key]
    if (fieldType(field) === 'checkbox') values[field.key] = value === true
    else if (Array.isArray(value)) values[field.key] = value.map(String).join('\n')
    else if (typeof value === 'string' || typeof value === 'number') values[field.key] = String(value)
    else if (fieldType(field) === 'select') values[field.key] = field.choices?.[0]?.value ?? ''
    else values[field.key] = ''
  }
  return values
}

/**
 * An edited account's options: what it had, with every field of the form replaced by the form's
 * value (a cleared optional field removed), so settings the form does not show are kept.
 */
export function mergeOptions(
  previous: Record<string, unknown>,
  fields: readonly OptionField[],
  values: FormValues
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...previous }
  for (const field of fields) delete merged[field.key]
  return { ...merged, ...optionsFromValues(fields, values) }
}

/** The first problem per field: empty required fields, then the schema's own messages. */
export function schemaProblems(schema: ZodType, fields: readonly OptionField[], values: FormValues): Record<string, string> {
  const problems: Record<string, string> = {}
  for (const field of fields) {
    if (!isVisible(field, values) || field.optional === true || fieldType(field) !== 'text') continue
    const value = values[field.key]
    if (typeof value !== 'string' || value.trim() === '') problems[field.key] = 'Required'
  }
  const parsed = schema.safeParse(optionsFromValues(fields, values))
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '')
      if (problems[key] !== undefined) continue
      const entry = issue.path[1]
      // A list's entries are numbered as the user sees them: by line.
      problems[key] = typeof entry === 'number' ? `Line ${entry + 1}: ${issue.message}` : issue.message
    }
  }
  return problems
}

function kindForm(spec: KindSpec): KindForm {
  return {
    kind: spec.kind,
    label: spec.label,
    urlLabel: spec.urlLabel ?? 'URL',
    urlHint: spec.urlHint,
    urlPlaceholder: spec.urlPlaceholder ?? 'https://registry.example.com',
    defaultUrl: spec.defaultUrl ?? '',
    fields: spec.fields,
    tokenLabel: spec.tokenLabel,
    tokenHint: spec.tokenHint,
    needsToken: spec.needsToken ?? (() => true),
    resolveUrl: spec.resolveUrl ?? ((text) => plainUrl(text)),
    describe: spec.describe ?? (() => null),
    toOptions: (values) => optionsFromValues(spec.fields, values),
    validate: (values) => schemaProblems(spec.schema, spec.fields, values)
  }
}

const CA_FILE: OptionField = {
  key: 'caFile',
  label: 'CA file',
  hint: 'Path of a PEM file with the CA that signed the server’s certificate, for a private CA. Leave empty for a public certificate.',
  placeholder: '/etc/ssl/private-ca.pem',
  optional: true
}

const IBM_REGION_SUGGESTIONS = IBM_REGISTRY_REGIONS.flatMap((region) => [region.domain, region.id])

export const ACCOUNT_FORMS: readonly KindForm[] = [
  kindForm({
    kind: 'dockerhub',
    label: 'Docker Hub organisation',
    defaultUrl: DEFAULT_URLS.dockerhub ?? 'https://hub.docker.com',
    urlHint: 'Docker Hub’s API; change it only for a proxy.',
    fields: [
      { key: 'org', label: 'Organisation', hint: 'The organisation whose audit log is read.' },
      {
        key: 'username',
        label: 'Username',
        hint: 'The Docker ID that owns the access token, or the organisation name for an organisation access token.'
      }
    ],
    tokenLabel: 'Access token',
    tokenHint: 'A personal access token of an organisation owner, or an organisation access token.',
    schema: dockerHubOptionsSchema
  }),
  kindForm({
    kind: 'msr',
    label: 'Mirantis Secure Registry / DTR 2.x–3.x',
    urlHint: 'The registry’s address, as in its web UI. MSR 4 is Harbor-based: use the Harbor kind for it.',
    urlPlaceholder: 'https://dtr.example.com',
    fields: [
      {
        key: 'username',
        label: 'Username',
        hint: 'Use an admin: pull and mirror events are shown to admins only, so another user’s sync misses them.'
      },
      CA_FILE,
      {
        key: 'withTrust',
        label: 'Also read the trust changefeed (Notary signatures)',
        hint: 'Reads the registry’s Notary changefeed with a token for the same user.',
        type: 'checkbox'
      }
    ],
    tokenLabel: 'Access token or password',
    tokenHint: 'An access token of the user (Account settings → Access tokens) is better than the password.',
    schema: msrOptionsSchema
  }),
  kindForm({
    kind: 'notary',
    label: 'Notary server (trust changefeed)',
    urlHint: 'The notary-server’s address (for DTR/MSR’s own Notary, the registry’s address).',
    urlPlaceholder: 'https://notary.example.com:4443',
    fields: [
      {
        key: 'authMode',
        label: 'Authentication',
        hint: 'How the server is reached: openly, through the registry token flow, or with a bearer token minted elsewhere.',
        type: 'select',
        choices: [
          { value: 'none', label: 'None (the server asks for none)' },
          { value: 'token', label: 'Token service (username and password or access token)' },
          { value: 'bearer', label: 'Bearer token' }
        ] satisfies ReadonlyArray<{ value: (typeof NOTARY_AUTH_MODES)[number]; label: string }>
      },
      {
        key: 'username',
        label: 'Username',
        hint: 'The user the token service knows.',
        visible: (values) => values.authMode === 'token'
      },
      {
        key: 'repositories',
        label: 'Repositories (GUNs)',
        hint: 'One a line, e.g. registry.example.com/team/app. Empty: the global changefeed, which needs the registry:catalog:* scope.',
        type: 'list',
        placeholder: 'registry.example.com/team/app',
        optional: true
      },
      CA_FILE,
      {
        key: 'tokenRealm',
        label: 'Token realm',
        hint: 'The token service to ask instead of the realm the server names (needed when it is on another host).',
        placeholder: 'https://auth.example.com/token',
        optional: true,
        visible: (values) => values.authMode === 'token'
      }
    ],
    tokenLabel: 'Password, access token or bearer',
    tokenHint: 'Token service: the user’s password or access token. Bearer: the token itself. Not needed without authentication.',
    schema: notaryOptionsSchema,
    needsToken: (values) => values.authMode === 'token' || values.authMode === 'bearer'
  }),
  kindForm({
    kind: 'ibm',
    label: 'IBM Cloud Container Registry',
    urlLabel: 'Cloud Logs endpoint or instance GUID',
    urlHint: 'The IBM Cloud Logs instance that receives the registry’s events, or just its GUID.',
    urlPlaceholder: 'https://GUID.api.eu-de.logs.cloud.ibm.com',
    fields: [
      {
        key: 'region',
        label: 'Registry region or domain',
        hint: 'A region (us-south, ap-south …) or the registry’s domain (us.icr.io; icr.io for the global registry).',
        suggestions: IBM_REGION_SUGGESTIONS,
        placeholder: 'us.icr.io'
      },
      {
        key: 'iamUrl',
        label: 'IAM URL',
        hint: `The IAM token service; empty for ${IBM_DEFAULTS.iamUrl}.`,
        placeholder: IBM_DEFAULTS.iamUrl,
        optional: true
      }
    ],
    tokenLabel: 'IAM API key',
    tokenHint: 'An API key of a service ID with access to the Cloud Logs instance.',
    schema: ibmOptionsSchema,
    resolveUrl: (text, values) => {
      const input = text.trim()
      if (input === '') return { problem: 'Required' }
      const region = typeof values.region === 'string' ? values.region : ''
      if (isIbmInstanceGuid(input) && findIbmRegistryRegion(region) === undefined) {
        return { problem: 'Choose the registry region first: the GUID’s endpoint is in the region its events are delivered to' }
      }
      const url = resolveIbmLogsEndpoint(input, region)
      return url === undefined
        ? { problem: 'An https:// endpoint (http:// only for this computer) or an instance GUID' }
        : { url }
    },
    describe: (key, values, url) => {
      if (key === 'region') {
        const region = findIbmRegistryRegion(typeof values.region === 'string' ? values.region : '')
        return region === undefined ? null : describeIbmEventDelivery(region)
      }
      if (key === 'url' && isIbmInstanceGuid(url)) {
        const resolved = resolveIbmLogsEndpoint(url, typeof values.region === 'string' ? values.region : '')
        return resolved === undefined ? null : `Endpoint: ${resolved}`
      }
      return null
    }
  }),
  kindForm({
    kind: 'harbor',
    label: 'Harbor / MSR 4',
    urlHint: 'The Harbor address, as in its web UI.',
    urlPlaceholder: 'https://harbor.example.com',
    fields: [
      {
        key: 'username',
        label: 'Username or robot account',
        hint: 'A system admin, or a robot by its full name (robot$auditor) with the system permission to list audit logs; anyone else sees an empty log.'
      },
      CA_FILE
    ],
    tokenLabel: 'Password or robot secret',
    tokenHint: 'The user’s password (an OIDC user’s CLI secret) or the robot account’s secret.',
    schema: harborOptionsSchema
  }),
  kindForm({
    kind: 'quay',
    label: 'Quay (quay.io or Red Hat Quay)',
    defaultUrl: DEFAULT_URLS.quay ?? QUAY_DEFAULT_URL,
    urlHint: 'quay.io, or your Red Hat Quay’s address.',
    urlPlaceholder: QUAY_DEFAULT_URL,
    fields: [
      { key: 'org', label: 'Organisation', hint: 'The organisation whose usage logs are read (the token needs org:admin).' },
      {
        key: 'repositories',
        label: 'Repositories',
        hint: 'Only these repositories’ logs (repo:admin is enough), one a line as org/name. Empty: the whole organisation’s log.',
        type: 'list',
        placeholder: 'acme/app',
        optional: true
      },
      CA_FILE
    ],
    tokenLabel: 'OAuth access token',
    tokenHint: 'An organisation OAuth application’s token (“Generate Token”); Quay’s API takes no robot credentials.',
    schema: quayOptionsSchema
  })
]

export function formFor(kind: SourceKind): KindForm | undefined {
  return ACCOUNT_FORMS.find((form) => form.kind === kind)
}

/**
 * The form for an existing account of a kind this build has no form for: URL, token and schedule
 * only; its options are kept as they are.
 */
export function fallbackForm(kind: SourceKind, url: string): KindForm {
  return kindForm({
    kind,
    label: kind,
    defaultUrl: url,
    urlHint: '',
    fields: [],
    tokenLabel: 'Token',
    tokenHint: `This build edits the options of ${kind} accounts from the command line only.`,
    schema: z.looseObject({})
  })
}

/** What the token field says about the stored token (it never shows the token itself). */
export function tokenStatusText(storage: TokenStorage): string {
  switch (storage) {
    case 'keychain':
      return 'Stored in keychain'
    case 'session':
      return 'Session only — no keychain available; enter it again after a restart'
    case 'environment':
      return 'Taken from an environment variable'
    case 'none':
      return 'No token stored'
  }
}
