import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { errcodeBody, FaultQueue, serveFault, type FaultMatch, type FaultStyle, type SimFault } from './sim-faults'

/**
 * A loopback HTTP proxy in front of a real notary-server, for the faults the real server cannot
 * produce: a fronting proxy's 429 and 5xx, HTML error pages, a truncated or reshaped body. Every
 * answer it does not replace is the real server's, byte for byte (status, content type, body,
 * WWW-Authenticate).
 *
 * With a `gate` (a second real notary-server started with --token-auth, holding no data), each
 * request is first put to the gate with the client's Authorization: a 401 from the gate is relayed
 * as it is (its real challenge), anything else lets the request through to `upstream` (an
 * unauthenticated notary-server that holds the trust data). So the data come from one real server
 * and the authentication decision, token validation included, from another: the only way to have
 * a token-protected feed with records, since start.sh's populate needs an open server.
 * `dropAuthorization(n)` removes the client's Authorization from the next n requests, so the
 * gate's real 401 is what an expired token gets. Injected faults apply to requests the gate let
 * through.
 */

export type ProxyRoute = 'changefeed' | 'other'

export interface ProxyTarget {
  /** `https://127.0.0.1:PORT` */
  url: string
  /** PEM of the CA that signed the target's certificate. */
  ca: string
}

export interface ProxyRequest {
  path: string
  route: ProxyRoute
  authorization: string | undefined
  status: number
  fault?: SimFault['kind']
  /** Whether the gate refused it. */
  gated?: boolean
}

export interface NotaryFaultProxy {
  url: string
  inject(fault: SimFault, match?: FaultMatch<ProxyRoute>): void
  clearFaults(): void
  /** The next `times` requests reach the gate without the client's Authorization. */
  dropAuthorization(times: number): void
  readonly requests: ProxyRequest[]
  close(): Promise<void>
}

interface Relayed {
  status: number
  headers: Record<string, string>
  body: Buffer
}

function forward(target: ProxyTarget, path: string, authorization: string | undefined): Promise<Relayed> {
  const url = new URL(path, target.url)
  return new Promise((resolveForward, reject) => {
    const req = https.request(
      url,
      { method: 'GET', ca: target.ca, headers: authorization ? { authorization } : {}, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const headers: Record<string, string> = {}
          for (const name of ['content-type', 'www-authenticate', 'date']) {
            const value = res.headers[name]
            if (typeof value === 'string') headers[name] = value
          }
          resolveForward({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) })
        })
        res.on('error', reject)
      }
    )
    req.on('error', reject)
    req.end()
  })
}

export async function startNotaryFaultProxy(options: {
  upstream: ProxyTarget
  gate?: ProxyTarget
  /** Clock for Retry-After dates; default Date.now. */
  now?: () => number
}): Promise<NotaryFaultProxy> {
  const now = options.now ?? Date.now
  const faults = new FaultQueue<ProxyRoute>('changefeed')
  const requests: ProxyRequest[] = []
  const sockets = new Set<Socket>()
  let drop = 0

  const style: FaultStyle = {
    baseHeaders: () => ({ date: new Date(now()).toUTCString() }),
    now,
    errorBody: (status) => (status === 429 ? errcodeBody('TOOMANYREQUESTS', 'too many requests') : errcodeBody('UNKNOWN', 'unknown error')),
    unauthorized: () => ({
      headers: { 'www-authenticate': 'Bearer realm="https://127.0.0.1:1/auth/token",service="notary-server",scope="registry:catalog:*"' },
      body: errcodeBody('UNAUTHORIZED', 'authentication required')
    })
  }

  const relay = (res: http.ServerResponse, answer: Relayed): number => {
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) })
    res.end(answer.body)
    return answer.status
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = req.url ?? '/'
    const route: ProxyRoute = /\/_trust\/changefeed(\?|$)/.test(path) ? 'changefeed' : 'other'
    let authorization = req.headers.authorization
    const log: ProxyRequest = { path, route, authorization, status: 0 }
    requests.push(log)
    if (drop > 0) {
      drop--
      authorization = undefined
    }
    // The gate answers first, so a fault always lands on a request that would otherwise succeed.
    if (options.gate) {
      const gate = await forward(options.gate, path, authorization)
      if (gate.status === 401) {
        log.gated = true
        log.status = relay(res, gate)
        return
      }
    }
    const fault = faults.take(route)
    if (fault && fault.kind !== 'truncated-json' && fault.kind !== 'slow') {
      log.fault = fault.kind
      log.status = serveFault(fault, res, style, () => ({ status: 200, body: '{}', contentType: 'application/json' }))
      return
    }
    if (fault?.kind === 'slow') await new Promise((resolveDelay) => setTimeout(resolveDelay, fault.delayMs))
    const answer = await forward(options.upstream, path, authorization)
    if (fault?.kind === 'truncated-json') {
      log.fault = fault.kind
      log.status = serveFault(fault, res, style, () => ({
        status: answer.status,
        body: answer.body.toString('utf8'),
        contentType: answer.headers['content-type'] ?? 'application/json'
      }))
      return
    }
    log.status = relay(res, answer)
  }

  const server = http.createServer((req, res) => {
    req.resume()
    handle(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end('proxy: upstream failed')
      } else {
        res.destroy()
      }
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolveListen())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    inject: (fault, match) => faults.inject(fault, match),
    clearFaults: () => faults.clear(),
    dropAuthorization: (times) => {
      drop = times
    },
    requests,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
  }
}
