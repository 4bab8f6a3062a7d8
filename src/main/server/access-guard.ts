import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/**
 * Browser mode's access rules. The server listens on 127.0.0.1 only, but any page the user opens
 * can still send requests there, and DNS rebinding can make a foreign name resolve to it. So:
 * the Host header must name the loopback address we listen on (rebinding gives a foreign host
 * name), and every API call must carry the per-launch token (a foreign page cannot read it: no
 * CORS headers are ever sent, and the token is not in any cookie the browser would attach).
 */

/** A fresh access token: 32 random bytes, URL-safe. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Host header values we answer to: the loopback address and `localhost`, with our port. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false
  const value = host.toLowerCase()
  return value === `127.0.0.1:${port}` || value === `localhost:${port}`
}

/** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
export function tokenMatches(given: string | undefined | null, expected: string): boolean {
  if (given === undefined || given === null) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The token from `Authorization: Bearer …`, if there is one. */
export function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}
