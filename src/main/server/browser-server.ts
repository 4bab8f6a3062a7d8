import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { methodForChannel } from '../../shared/contract'
import type { ErrorInfo, Result } from '../../shared/errors'
import { createContractHandlers, dispatchCall } from '../core/api-handlers'
import { CallScheduler } from '../core/call-scheduler'
import type { CoreRuntime } from '../core/core-runtime'
import { toAppError } from '../core/errors'
import { suggestedExportName } from '../export-file-name'
import { bearerToken, isAllowedHost, newAccessToken, tokenMatches } from './access-guard'
import { EventStreamHub } from './event-stream'
import { ExportDownloads } from './export-downloads'
import { ImportUploads } from './import-uploads'
import { resolveRendererFile, sendRendererFile } from './static-renderer'

/** Browser mode listens here and nowhere else. */
export const LOOPBACK_HOST = '127.0.0.1'

/** A contract call's JSON body is small (a query, an account form); anything larger is refused. */
const MAX_BODY_BYTES = 1024 * 1024

export interface BrowserServerOptions {
  runtime: CoreRuntime
  /** The built renderer (`out/renderer`). */
  rendererDir: string
  /** 0 (the default) picks a free port. */
  port?: number
  /** Default: a fresh random token. */
  token?: string
}

export interface BrowserServer {
  /** The address it listens on: always 127.0.0.1. */
  host: string
  port: number
  token: string
  /** What to open: the page, with the token in the hash (never sent to the server by a browser). */
  url: string
  /** How many pages are subscribed to the pushed events now. */
  eventStreams(): number
  close(): Promise<void>
}

/**
 * `registry-audit serve`: the built renderer and the API contract over HTTP on 127.0.0.1
 * (DESIGN.md §4). `POST /api/<channel>` takes the method's input as JSON and answers its Result;
 * `GET /api/events` streams the pushed events; `GET /api/export/<ticket>` streams an export.
 * Every response refuses a Host other than our loopback address and port (DNS rebinding); every
 * API call needs the per-launch token; no CORS header is ever sent, so no other origin can read
 * an answer.
 */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const { runtime, rendererDir } = options
  const token = options.token ?? newAccessToken()
  const hub = new EventStreamHub()
  const downloads = new ExportDownloads()
  const uploads = new ImportUploads()
  /** A table page is never kept waiting behind a view's summaries (see CallScheduler). */
  const scheduler = new CallScheduler()
  const handlers = createContractHandlers(runtime, {
    runExport: (request) => {
      const filename = suggestedExportName(request.format)
      const ticket = downloads.issue(request, filename)
      return Promise.resolve({ kind: 'download', url: `/api/export/${ticket}`, filename })
    },
    redeemUpload: (ticket) => uploads.redeem(ticket)
  })
  const stopRelay = runtime.events.on((event, payload) => hub.send(event, payload))

  let port = 0
  const server: Server = createServer((request, response) => {
    setCommonHeaders(response)
    handle(request, response).catch((error: unknown) => {
      // Only a bug gets here; the client gets a plain 500 and the server goes on.
      console.error('browser mode: request failed:', toAppError(error).message)
      if (!response.headersSent) sendJson(response, 500, failure('INTERNAL', 'The server failed to answer.'))
      else response.destroy()
    })
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isAllowedHost(request.headers.host, port)) {
      sendText(response, 421, `This server answers only to 127.0.0.1:${port} and localhost:${port}.`)
      return
    }
    const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${port}`)
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      await handleApi(request, response, url)
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD')
      sendText(response, 405, 'Method not allowed.')
      return
    }
    const file = resolveRendererFile(rendererDir, url.pathname)
    if (file === undefined) {
      sendText(response, 404, 'Not found.')
      return
    }
    sendRendererFile(response, file, request.method === 'HEAD')
  }

  async function handleApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    response.setHeader('Cache-Control', 'no-store')
    // A browser sends Origin with every cross-origin request; ours is the only one accepted.
    const origin = request.headers.origin
    if (origin !== undefined && origin !== `http://${LOOPBACK_HOST}:${port}` && origin !== `http://localhost:${port}`) {
      sendJson(response, 403, failure('PERMISSION', 'Requests from other web pages are refused.'))
      return
    }
    const route = url.pathname.slice('/api/'.length)

    if (route.startsWith('export/') && (request.method === 'GET' || request.method === 'HEAD')) {
      await sendExport(request, response, route.slice('export/'.length))
      return
    }
    // EventSource cannot send headers: the events stream alone may carry the token in its URL.
    const given = bearerToken(request) ?? (route === 'events' ? url.searchParams.get('token') : undefined)
    if (!tokenMatches(given, token)) {
      response.setHeader('WWW-Authenticate', 'Bearer')
      sendJson(response, 401, failure('PERMISSION', 'The access token is missing or wrong.'))
      return
    }
    if (route === 'events') {
      if (request.method !== 'GET') {
        response.setHeader('Allow', 'GET')
        sendJson(response, 405, failure('INVALID_INPUT', 'Use GET for the event stream.'))
        return
      }
      hub.attach(response)
      return
    }
    if (route === 'upload') {
      await receiveUpload(request, response)
      return
    }
    if (methodForChannel(route) === undefined) {
      sendJson(response, 404, failure('NOT_FOUND', `"${route.slice(0, 80)}" is not a method of the API.`))
      return
    }
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST')
      sendJson(response, 405, failure('INVALID_INPUT', 'API methods are called with POST.'))
      return
    }
    if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      sendJson(response, 415, failure('INVALID_INPUT', 'The request body must be JSON (Content-Type: application/json).'))
      return
    }
    const body = await readBody(request)
    if (body === undefined) {
      sendJson(response, 413, failure('INVALID_INPUT', 'The request body is too large.'))
      return
    }
    let input: unknown
    try {
      input = body.length === 0 ? undefined : JSON.parse(body)
    } catch {
      sendJson(response, 400, failure('INVALID_INPUT', 'The request body is not valid JSON.'))
      return
    }
    sendJson(response, 200, await scheduler.schedule(route, () => dispatchCall(handlers, route, input)))
  }

  /** `POST /api/upload`: a file for import:file, as the raw body (application/octet-stream). */
  async function receiveUpload(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST')
      sendJson(response, 405, failure('INVALID_INPUT', 'Upload a file with POST.'))
      return
    }
    if (!/^application\/octet-stream\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      sendJson(response, 415, failure('INVALID_INPUT', 'Upload the file as application/octet-stream.'))
      return
    }
    try {
      sendJson(response, 200, { ok: true, value: await uploads.receive(request) })
    } catch (error) {
      sendJson(response, 200, { ok: false, error: toAppError(error).toInfo() })
    }
  }

  async function sendExport(request: IncomingMessage, response: ServerResponse, ticket: string): Promise<void> {
    const entry = downloads.redeem(ticket)
    if (entry === undefined) {
      sendText(response, 404, 'This download link has expired or was already used. Export again.')
      return
    }
    const { request: run, filename } = entry
    response.statusCode = 200
    response.setHeader('Content-Type', run.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
    response.setHeader('Content-Disposition', `attachment; filename="${filename}"`)
    if (request.method === 'HEAD') {
      response.end()
      return
    }
    // The user may cancel the download: the export stops instead of reading the archive to the end.
    const controller = new AbortController()
    response.on('close', () => {
      if (!response.writableFinished) controller.abort()
    })
    try {
      await runtime.exportEvents(run, response, { signal: controller.signal })
      response.end()
    } catch (error) {
      if (!response.headersSent) {
        response.removeHeader('Content-Disposition')
        sendJson(response, 500, { ok: false, error: toAppError(error).toInfo() })
      } else {
        // Half a file must not look like a whole one: the browser marks the download failed.
        response.destroy()
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: LOOPBACK_HOST, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  port = address.port

  return {
    host: address.address,
    port,
    token,
    url: `http://${LOOPBACK_HOST}:${port}/#token=${token}`,
    eventStreams: () => hub.size,
    close: async () => {
      stopRelay()
      hub.close()
      uploads.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
  }
}

function setCommonHeaders(response: ServerResponse): void {
  response.setHeader('X-Content-Type-Options', 'nosniff')
  response.setHeader('Referrer-Policy', 'no-referrer')
  response.setHeader('X-Frame-Options', 'DENY')
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

function failure(code: ErrorInfo['code'], message: string): Result<never> {
  return { ok: false, error: { code, message } }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.statusCode = status
  response.setHeader('Content-Type', 'application/json; charset=utf-8')
  response.setHeader('Content-Length', Buffer.byteLength(text))
  response.end(text)
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.statusCode = status
  response.setHeader('Content-Type', 'text/plain; charset=utf-8')
  response.setHeader('Content-Length', Buffer.byteLength(text))
  response.end(text)
}

/** The body as text, or undefined once it passes the size limit. */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) tooLarge = true
      else chunks.push(chunk)
    })
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}
