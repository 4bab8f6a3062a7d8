import {
  contract,
  METHOD_NAMES,
  PUSH_EVENT_NAMES,
  type ContractResult,
  type ExportResult,
  type MethodName,
  type PushEventName,
  type PushEvents,
  type RegistryAuditApi,
  type UploadTicket
} from '../../shared/contract'
import type { Result } from '../../shared/errors'

/**
 * Browser mode's API object (`registry-audit serve`): the same `RegistryAuditApi` the Electron
 * preload exposes, over `POST /api/<channel>` and server-sent events from `GET /api/events`.
 *
 * The server prints `http://127.0.0.1:PORT/#token=…`. The token is moved out of the address bar
 * into sessionStorage at once (so it is not bookmarked, shared with a view link or kept in
 * history), and survives a reload of the tab, but not the tab itself.
 */

const TOKEN_KEY = 'registry-audit-token'
const TOKEN_PARAM = 'token'

/** Path prefix of every API route; the server defines the same. */
export const API_PREFIX = '/api/'

/**
 * Takes the access token from the URL hash (removing it, and only it: the rest of the hash is
 * the view's state) or, failing that, from sessionStorage.
 */
export function captureAccessToken(): string | null {
  const hash = window.location.hash.startsWith('#') ? window.location.hash.slice(1) : window.location.hash
  const params = new URLSearchParams(hash)
  const fromHash = params.get(TOKEN_PARAM)
  if (fromHash !== null && fromHash !== '') {
    sessionStorage.setItem(TOKEN_KEY, fromHash)
    params.delete(TOKEN_PARAM)
    const rest = params.toString()
    const url = window.location.pathname + window.location.search + (rest === '' ? '' : `#${rest}`)
    window.history.replaceState(window.history.state, '', url)
    return fromHash
  }
  return sessionStorage.getItem(TOKEN_KEY)
}

function failure(code: 'PERMISSION' | 'NETWORK' | 'BAD_RESPONSE', message: string): Result<never> {
  return { ok: false, error: { code, message } }
}

const NO_TOKEN_MESSAGE =
  'This page has no valid access token. Open the address that `registry-audit serve` printed (it ends in #token=…).'

/** Builds the API over HTTP. Every method resolves to a Result; a dead server gives NETWORK. */
export function createBrowserApi(): RegistryAuditApi {
  const token = captureAccessToken()

  async function invoke(method: MethodName, input: unknown): Promise<Result<unknown>> {
    if (token === null) return failure('PERMISSION', NO_TOKEN_MESSAGE)
    let response: Response
    try {
      response = await fetch(API_PREFIX + contract[method].channel, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(input ?? {}),
        cache: 'no-store',
        credentials: 'omit'
      })
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      return failure('NETWORK', `The registry-audit server did not answer (${detail}). Is \`registry-audit serve\` still running?`)
    }
    if (response.status === 401) return failure('PERMISSION', NO_TOKEN_MESSAGE)
    let body: unknown
    try {
      body = await response.json()
    } catch {
      return failure('BAD_RESPONSE', `The registry-audit server sent an unreadable answer (HTTP ${response.status}).`)
    }
    if (!isResult(body)) {
      return failure('BAD_RESPONSE', `The registry-audit server sent an unexpected answer (HTTP ${response.status}).`)
    }
    return body
  }

  const methods = Object.fromEntries(
    METHOD_NAMES.map((method) => [method, (input?: unknown) => invoke(method, input)])
  ) as unknown as Omit<RegistryAuditApi, 'on'>

  // The server answers export:run with a one-time download URL; following it is what "download"
  // means in a browser, so the shim does it and the caller sees the same result as in Electron.
  const runExport: RegistryAuditApi['runExport'] = async (input) => {
    const result = (await invoke('runExport', input)) as Result<ContractResult<'runExport'>>
    if (result.ok && result.value.kind === 'download') startDownload(result.value)
    return result
  }

  // import:file: the browser's file chooser stands in for Electron's open dialog, and the file is
  // uploaded (streamed to a temporary file on the server) before the import is asked for.
  const importFile: RegistryAuditApi['importFile'] = async (input) => {
    if (input.upload !== undefined) return (await invoke('importFile', input)) as Result<ContractResult<'importFile'>>
    if (token === null) return failure('PERMISSION', NO_TOKEN_MESSAGE)
    const file = await chooseFile()
    if (file === null) return { ok: true, value: { kind: 'cancelled' } }
    const uploaded = await upload(file, token)
    if (!uploaded.ok) return uploaded
    return (await invoke('importFile', { ...input, upload: uploaded.value.upload })) as Result<ContractResult<'importFile'>>
  }

  const events = new PushEventSource(token)
  return Object.freeze({ ...methods, runExport, importFile, on: events.on.bind(events) }) satisfies RegistryAuditApi
}

/** Path of the upload route (browser-server.ts). */
const UPLOAD_PATH = `${API_PREFIX}upload`

/**
 * Opens the browser's file chooser. Called straight from a click or key press (the browser shows
 * a chooser only then); resolves null when the user closes it without a file.
 */
function chooseFile(): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input')
    input.type = 'file'
    input.accept = '.json,.ndjson,.jsonl,.csv,.txt,application/json,application/x-ndjson,text/csv,text/plain'
    input.style.display = 'none'
    const finish = (file: File | null): void => {
      input.remove()
      resolve(file)
    }
    input.addEventListener('change', () => finish(input.files?.[0] ?? null), { once: true })
    input.addEventListener('cancel', () => finish(null), { once: true })
    document.body.append(input)
    input.click()
  })
}

async function upload(file: File, token: string): Promise<Result<UploadTicket>> {
  let response: Response
  try {
    response = await fetch(UPLOAD_PATH, {
      method: 'POST',
      headers: {
        'content-type': 'application/octet-stream',
        authorization: `Bearer ${token}`,
        // Header values are ASCII: the name travels percent-encoded.
        'x-file-name': encodeURIComponent(file.name)
      },
      body: file,
      cache: 'no-store',
      credentials: 'omit'
    })
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return failure('NETWORK', `The file could not be sent to the registry-audit server (${detail}).`)
  }
  if (response.status === 401) return failure('PERMISSION', NO_TOKEN_MESSAGE)
  let body: unknown
  try {
    body = await response.json()
  } catch {
    return failure('BAD_RESPONSE', `The registry-audit server sent an unreadable answer to the upload (HTTP ${response.status}).`)
  }
  if (!isResult(body)) return failure('BAD_RESPONSE', `The registry-audit server sent an unexpected answer (HTTP ${response.status}).`)
  return body as Result<UploadTicket>
}

function startDownload(download: Extract<ExportResult, { kind: 'download' }>): void {
  const link = document.createElement('a')
  link.href = download.url
  link.download = download.filename
  link.rel = 'noopener'
  link.style.display = 'none'
  document.body.append(link)
  link.click()
  link.remove()
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false
  const record = value as Record<string, unknown>
  if (record.ok === true) return 'value' in record
  const error = record.error as Record<string, unknown> | undefined
  return record.ok === false && typeof error?.code === 'string' && typeof error.message === 'string'
}

type Listener = (payload: never) => void

/**
 * One EventSource for all pushed events, opened on the first subscription. EventSource cannot
 * send headers, so this one URL carries the token as a query parameter (same origin, loopback).
 */
class PushEventSource {
  private source: EventSource | null = null
  private readonly listeners = new Map<PushEventName, Set<Listener>>()

  constructor(private readonly token: string | null) {}

  on<E extends PushEventName>(event: E, listener: (payload: PushEvents[E]) => void): () => void {
    if (!(PUSH_EVENT_NAMES as readonly string[]).includes(event)) {
      throw new Error(`"${String(event)}" is not an event the core pushes`)
    }
    let set = this.listeners.get(event)
    if (set === undefined) {
      set = new Set()
      this.listeners.set(event, set)
    }
    set.add(listener as Listener)
    this.open()
    return () => {
      set.delete(listener as Listener)
    }
  }

  private open(): void {
    if (this.source !== null || this.token === null) return
    const source = new EventSource(`${API_PREFIX}events?${TOKEN_PARAM}=${encodeURIComponent(this.token)}`)
    for (const name of PUSH_EVENT_NAMES) {
      source.addEventListener(name, (message) => this.deliver(name, (message as MessageEvent<string>).data))
    }
    this.source = source
  }

  private deliver(event: PushEventName, data: string): void {
    let payload: unknown
    try {
      payload = JSON.parse(data)
    } catch {
      return
    }
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        ;(listener as (payload: unknown) => void)(payload)
      } catch (error) {
        // One broken subscriber must not starve the others; the error still reaches the console.
        console.error(error)
      }
    }
  }
}
