import http from 'node:http'
import { contract, type ContractResult, type MethodName } from '../../src/shared/contract'
import type { Result } from '../../src/shared/errors'

/** A browser-mode server's answer, as read off the socket. */
export interface HttpAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * One HTTP request to a server on 127.0.0.1, answered in full. The Host header names the server's
 * own address unless `headers` says otherwise (the host check is one of the things tested).
 */
export function httpRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string }
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${port}`, ...options.headers }
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Calls a contract method of a browser-mode server with its access token; throws on `ok: false`. */
export async function callApi<M extends MethodName>(served: { port: number; token: string }, method: M, input: unknown = {}): Promise<ContractResult<M>> {
  const answer = await httpRequest(served.port, {
    method: 'POST',
    path: `/api/${contract[method].channel}`,
    headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input ?? {})
  })
  const result = JSON.parse(answer.body) as Result<ContractResult<M>>
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`)
  return result.value
}
