import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { serveFault, type FaultStyle, type SimFault } from './sim-faults'

/**
 * The server scaffolding every simulator shares: a loopback HTTP(S) listener that reads the whole
 * request body before answering, timers and sockets that `close()` ends at once (a stalled or
 * slow answer must not keep a test waiting), the `/_sim/*` control routes, and the standalone
 * mode that prints one JSON line when ready. What a simulator answers stays in its own file.
 */

/** Where and how a simulator listens. */
export interface SimListenOptions {
  host?: string
  port?: number
  /** Serve HTTPS with this key and certificate. */
  tls?: { key: string; cert: string }
  /** Host name used in `url` (e.g. `localhost` for a certificate issued to it). */
  urlHost?: string
}

/** Delayed work (slow answers, page delays) that closing the simulator cancels. */
export class SimTimers {
  private readonly pending = new Set<NodeJS.Timeout>()

  /** Runs `fn` after `ms` unless the simulator closes first. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer)
      fn()
    }, ms)
    this.pending.add(timer)
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer)
    this.pending.clear()
  }
}

export interface SimServer {
  url: string
  port: number
  /** Cancels the timers, stops listening and drops every open connection. */
  close(): Promise<void>
}

/** Bodies past this size are read but not kept: a simulator has no use for them. */
const MAX_BODY_BYTES = 1024 * 1024

/**
 * Listens on `options` and hands each request, with its body read as UTF-8 text, to `handle`.
 * `timers` are cancelled on close.
 */
export async function startSimServer(
  options: SimListenOptions,
  timers: SimTimers,
  handle: (req: http.IncomingMessage, res: http.ServerResponse, bodyText: string) => void
): Promise<SimServer> {
  const sockets = new Set<Socket>()
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
  }
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener)
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  // TLS handshake failures (a client refusing our certificate) are expected in TLS tests.
  server.on('tlsClientError', () => {})

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolveListen())
  })
  const port = (server.address() as AddressInfo).port
  const urlHost = options.urlHost ?? options.host ?? '127.0.0.1'
  const url = `${options.tls ? 'https' : 'http'}://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`

  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        timers.clear()
        server.close(() => resolveClose())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
  }
}

/** A simulator's answer before it is written: status, body text and headers of its own. */
export interface SimAnswer {
  status: number
  body: string
  contentType: string
  headers?: Record<string, string>
}

/** Writes `answer` after the source's `baseHeaders` (Date…); returns the status sent. */
export function writeAnswer(res: http.ServerResponse, baseHeaders: Record<string, string>, answer: SimAnswer): number {
  res.writeHead(answer.status, {
    ...baseHeaders,
    'content-type': answer.contentType,
    'content-length': String(Buffer.byteLength(answer.body)),
    ...(answer.headers ?? {})
  })
  res.end(answer.body)
  return answer.status
}

/**
 * Answers a request that may have drawn a fault: a `slow` one delays the normal answer (noted in
 * the log), any other replaces it as `style` serves it, built from the normal answer where the
 * fault needs one (a truncation, a stall). The status sent goes to the log.
 */
export function answerWithFault(
  res: http.ServerResponse,
  log: { status: number; fault?: SimFault['kind'] },
  fault: SimFault | undefined,
  timers: SimTimers,
  style: FaultStyle,
  answer: () => SimAnswer
): void {
  const proceed = (): void => {
    if (res.destroyed) return
    if (fault && fault.kind !== 'slow') {
      log.fault = fault.kind
      const normal = answer()
      log.status = serveFault(fault, res, style, () => normal)
      return
    }
    const reply = answer()
    log.status = writeAnswer(res, style.baseHeaders(), reply)
  }
  if (fault?.kind === 'slow') {
    log.fault = 'slow'
    timers.later(fault.delayMs, proceed)
  } else {
    proceed()
  }
}

/** One `/_sim/*` route: the parsed JSON body in, the 200 answer's JSON value out. */
export type SimControlRoutes = Record<string, (body: Record<string, unknown>) => unknown>

/**
 * Serves a `/_sim/*` request from `routes`, keyed `"METHOD /_sim/path"`: a body that is not JSON
 * answers 400, an unknown route 404, a known one 200 with what its route returns.
 */
export function serveControl(
  method: string,
  path: string,
  bodyText: string,
  reply: (status: number, value: unknown) => void,
  routes: SimControlRoutes
): void {
  let body: Record<string, unknown> = {}
  try {
    body = bodyText ? (JSON.parse(bodyText) as Record<string, unknown>) : {}
  } catch {
    reply(400, { error: 'bad json' })
    return
  }
  const route = routes[`${method} ${path}`]
  if (!route) {
    reply(404, { error: 'unknown control' })
    return
  }
  reply(200, route(body))
}

/** A control answer as plain JSON (no source headers), its status noted in the request log. */
export function plainControlReply(res: http.ServerResponse, log: { status: number }): (status: number, value: unknown) => void {
  return (status, value) => {
    log.status = status
    const body = JSON.stringify(value)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
    res.end(body)
  }
}

/**
 * The control routes every simulator has: its request log (control requests left out), fault
 * injection and clearing.
 */
export function commonControlRoutes<Fault, Match>(
  requests: ReadonlyArray<{ route: string }>,
  faults: { inject(fault: Fault, match: Match): void; clear(): void }
): SimControlRoutes {
  return {
    'GET /_sim/requests': () => ({ requests: requests.filter((r) => r.route !== 'control') }),
    'POST /_sim/faults': (body) => {
      faults.inject(body['fault'] as Fault, (body['match'] ?? {}) as Match)
      return { ok: true }
    },
    'POST /_sim/clear-faults': () => {
      faults.clear()
      return { ok: true }
    }
  }
}

/** Standalone arguments `--key value…`, with numbers read on request. */
export interface SimArgs {
  get(key: string): string | undefined
  has(key: string): boolean
  number(key: string): number | undefined
}

export function parseSimArgs(argv: string[]): SimArgs {
  const args = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!
    if (!key.startsWith('--')) throw new Error(`unexpected argument ${key}`)
    args.set(key.slice(2), argv[++i] ?? '')
  }
  return {
    get: (key) => args.get(key),
    has: (key) => args.has(key),
    number: (key) => (args.has(key) ? Number(args.get(key)) : undefined)
  }
}

/**
 * Runs a simulator as its own process when `moduleUrl` (the caller's `import.meta.url`) is the
 * script node was started with: `start` builds it from the arguments and says what the ready line
 * holds; that line goes to stdout as JSON, and SIGTERM / SIGINT close the simulator and exit 0.
 * A start failure goes to stderr with exit code 1.
 */
export function runStandaloneSim(
  moduleUrl: string,
  start: (args: SimArgs) => Promise<{ sim: { close(): Promise<void> }; ready: () => unknown }>
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return
  const main = async (): Promise<void> => {
    const { sim, ready } = await start(parseSimArgs(process.argv.slice(2)))
    process.stdout.write(`${JSON.stringify(ready())}\n`)
    const stop = (): void => {
      void sim.close().then(() => process.exit(0))
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  }
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}
