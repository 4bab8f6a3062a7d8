import { randomBytes, sign, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { errcodeBody } from './sim-faults'

/**
 * A Docker-registry token service on loopback for a notary-server started by
 * ../shared/tools/notary-stack/start.sh with --token-auth: it signs JWTs exactly as mint-token.sh
 * does (RS256 with the stack's CA key, the CA certificate in `x5c`, issuer `notary-test-issuer`),
 * so the real server accepts them.
 *
 * `GET /auth/token?service=S&scope=T:N:A[&scope=…]` with HTTP Basic credentials answers
 * `{token, access_token, expires_in, issued_at}` (the distribution token spec); `aud` is the
 * requested service, `access` one entry per scope with every action asked (like DTR, the service
 * grants what is asked and leaves enforcement to the server). Wrong or missing credentials get
 * 401 with a Basic challenge and the errcode envelope. It serves HTTPS with the stack's own server
 * certificate, so the account's CA file (the stack's root-ca.crt) covers it too.
 *
 * Standalone: `node --import tsx test/sim/notary-token-service.ts --dir DIR --user NAME:PASSWORD
 * [--port 0] [--ttl 300]` prints `{"url":"https://127.0.0.1:PORT/auth/token"}` when ready.
 */

export interface TokenServiceOptions {
  /** The notary-stack folder (certs/root-ca.crt, root-ca.key, server.crt, server.key). */
  dir: string
  /** Accepted users and their passwords (or access tokens). */
  users: Record<string, string>
  /** Token lifetime in seconds; default 300. */
  ttlSeconds?: number
  /** Default `notary-test-issuer`, the issuer start.sh configures. */
  issuer?: string
  port?: number
}

export interface TokenServiceRequest {
  username: string | undefined
  service: string | undefined
  scopes: string[]
  status: number
}

export interface NotaryTokenService {
  /** The realm URL: `https://127.0.0.1:PORT/auth/token`. */
  url: string
  readonly issued: number
  /** Every token issued, for "no secret in a message" checks. */
  readonly tokens: string[]
  readonly requests: TokenServiceRequest[]
  /** Mints a token directly (for bearer mode), as mint-token.sh does. */
  mint(access: Array<{ type: string; name: string; actions: string[] }>, options?: { subject?: string; audience?: string; ttlSeconds?: number }): string
  close(): Promise<void>
}

/** `repository:127.0.0.1:5000/team/app:pull,push` → type, name (which may hold colons), actions. */
export function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':')
  const last = scope.lastIndexOf(':')
  if (first <= 0 || last <= first) return undefined
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter((a) => a !== '') }
}

function pemToDerBase64(pem: string): string {
  return pem
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '')
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

export async function startNotaryTokenService(options: TokenServiceOptions): Promise<NotaryTokenService> {
  const certs = join(options.dir, 'certs')
  const caCert = readFileSync(join(certs, 'root-ca.crt'), 'utf8')
  const caKey = readFileSync(join(certs, 'root-ca.key'), 'utf8')
  const x5c = pemToDerBase64(caCert)
  const issuer = options.issuer ?? 'notary-test-issuer'
  const ttl = options.ttlSeconds ?? 300
  const tokens: string[] = []
  const requests: TokenServiceRequest[] = []
  const sockets = new Set<Socket>()

  const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const mint: NotaryTokenService['mint'] = (access, mintOptions = {}) => {
    const now = Math.floor(Date.now() / 1000)
    const header = b64url({ typ: 'JWT', alg: 'RS256', x5c: [x5c] })
    const payload = b64url({
      iss: issuer,
      sub: mintOptions.subject ?? 'tester',
      aud: mintOptions.audience ?? 'notary-server',
      exp: now + (mintOptions.ttlSeconds ?? ttl),
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access
    })
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), caKey).toString('base64url')
    const token = `${header}.${payload}.${signature}`
    tokens.push(token)
    return token
  }

  const reply = (res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void => {
    const body = JSON.stringify(value)
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers })
    res.end(body)
  }

  const server = https.createServer(
    { key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')) },
    (req, res) => {
      req.resume()
      const url = new URL(req.url ?? '/', 'https://token.invalid')
      const log: TokenServiceRequest = {
        username: undefined,
        service: url.searchParams.get('service') ?? undefined,
        scopes: url.searchParams.getAll('scope'),
        status: 0
      }
      requests.push(log)
      if (req.method !== 'GET' || url.pathname !== '/auth/token') {
        log.status = 404
        return reply(res, 404, errcodeBody('NOT_FOUND', 'not found'))
      }
      const match = /^Basic (\S+)$/i.exec(req.headers.authorization ?? '')
      const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : ''
      const colon = decoded.indexOf(':')
      const username = colon > 0 ? decoded.slice(0, colon) : undefined
      const password = colon > 0 ? decoded.slice(colon + 1) : ''
      log.username = username
      const expected = username === undefined ? undefined : options.users[username]
      if (expected === undefined || !sameText(expected, password)) {
        log.status = 401
        return reply(res, 401, errcodeBody('UNAUTHORIZED', 'authentication required'), {
          'www-authenticate': 'Basic realm="notary-test-token-service"'
        })
      }
      const access = log.scopes.map(parseScope).filter((scope) => scope !== undefined)
      const token = mint(access, { subject: username, ...(log.service ? { audience: log.service } : {}) })
      log.status = 200
      reply(res, 200, { token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() })
    }
  )
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `https://127.0.0.1:${port}/auth/token`,
    get issued() {
      return requests.filter((request) => request.status === 200).length
    },
    tokens,
    requests,
    mint,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
  }
}

async function main(argv: string[]): Promise<void> {
  const args = new Map<string, string[]>()
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!
    if (!key.startsWith('--')) throw new Error(`unexpected argument ${key}`)
    args.set(key.slice(2), [...(args.get(key.slice(2)) ?? []), argv[++i] ?? ''])
  }
  const dir = args.get('dir')?.[0]
  if (!dir) throw new Error('usage: notary-token-service.ts --dir DIR --user NAME:PASSWORD [--port 0] [--ttl 300]')
  const users: Record<string, string> = {}
  for (const spec of args.get('user') ?? []) {
    const colon = spec.indexOf(':')
    if (colon <= 0) throw new Error(`--user wants NAME:PASSWORD, got ${spec}`)
    users[spec.slice(0, colon)] = spec.slice(colon + 1)
  }
  const service = await startNotaryTokenService({
    dir: resolve(dir),
    users,
    port: Number(args.get('port')?.[0] ?? 0),
    ...(args.has('ttl') ? { ttlSeconds: Number(args.get('ttl')?.[0]) } : {})
  })
  process.stdout.write(`${JSON.stringify({ url: service.url })}\n`)
  const stop = (): void => {
    void service.close().then(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}
