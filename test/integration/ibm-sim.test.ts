import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { httpRequest } from '../../src/main/core/net/http-client'
import { createConnector } from '../../src/main/core/sources/index'
import { parseSseText } from '../../src/main/core/sources/ibm-sse'
import { createManualClock } from '../sim/dockerhub'
import { startIbmSim, type IbmSim } from '../sim/ibm'
import { generateIbmLogs } from '../sim/ibm-events'
import { MemoryArchive, testContext, walkInto } from './connector-behaviour'

/** The IBM simulator itself: faithful to the contract's wire format, and usable standalone. */

let sim: IbmSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const QUERY = "source logs | filter $l.applicationname == 'ibm-audit-event' && $d.action.startsWith('container-registry.')"
const NOW = Date.parse('2025-06-01T12:00:00Z')

async function token(s: IbmSim, apiKey = s.apiKey): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await httpRequest({
    method: 'POST',
    url: `${s.url}/identity/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: apiKey }).toString()
  })
  return { status: response.status, json: JSON.parse(response.body.toString()) as Record<string, unknown> }
}

async function query(s: IbmSim, bearer: string, metadata: Record<string, unknown>, text = QUERY) {
  const response = await httpRequest({
    method: 'POST',
    url: `${s.url}/v1/query`,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: text, metadata: { syntax: 'dataprime', tier: 'frequent_search', ...metadata } })
  })
  const body = response.body.toString()
  const messages = response.headers['content-type'] === 'text/event-stream' ? parseSseText(body).events.map((data) => JSON.parse(data) as Record<string, unknown>) : []
  return { status: response.status, headers: response.headers, body, messages }
}

describe('IBM simulator', () => {
  it('issues IAM tokens for the API key only, with expiration and expires_in', async () => {
    const clock = createManualClock(NOW)
    sim = await startIbmSim({ clock })
    const ok = await token(sim)
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, expiration: NOW / 1000 + 3600 })
    const bad = await token(sim, 'nope')
    expect(bad).toMatchObject({ status: 400, json: { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' } })
  })

  it('answers a query as an event stream with user_data as a JSON string and a limit warning', async () => {
    const clock = createManualClock(NOW)
    sim = await startIbmSim({ clock, events: 50, seed: 2, endTime: NOW - 60_000, queriesPerMinute: Number.POSITIVE_INFINITY })
    const bearer = String((await token(sim)).json['access_token'])
    const all = await query(sim, bearer, { start_date: new Date(NOW - 10 * 86_400_000).toISOString(), end_date: new Date(NOW).toISOString(), limit: 1000 })
    expect(all.status).toBe(200)
    expect(all.body.startsWith(': success\n\n')).toBe(true)
    expect(all.messages[0]).toHaveProperty('query_id.query_id')
    const rows = all.messages.flatMap((m) => ((m['result'] as { results?: Array<{ user_data: string }> } | undefined)?.results ?? []))
    expect(rows).toHaveLength(sim.registryEvents.length)
    expect(typeof rows[0]!.user_data).toBe('string')
    expect(JSON.parse(rows[0]!.user_data)).toHaveProperty('eventTime')
    expect(all.messages.some((m) => 'warning' in m)).toBe(false)

    const limited = await query(sim, bearer, { start_date: new Date(NOW - 10 * 86_400_000).toISOString(), end_date: new Date(NOW).toISOString(), limit: 7 })
    const limitedRows = limited.messages.flatMap((m) => ((m['result'] as { results?: unknown[] } | undefined)?.results ?? []))
    expect(limitedRows).toHaveLength(7)
    expect(limited.messages).toContainEqual({ warning: { number_of_results_limit_warning: { number_of_results_limit: 7 } } })
  })

  it('selects on the logged time, half-open, and caps rows at the tier limit', async () => {
    const clock = createManualClock(NOW)
    const logs = generateIbmLogs(3, 1, { endTime: NOW - 60_000, foreignShare: 0 })
    sim = await startIbmSim({ clock, logs, queriesPerMinute: Number.POSITIVE_INFINITY })
    const bearer = String((await token(sim)).json['access_token'])
    const at = logs[1]!.loggedAt
    const rowsOf = async (start: number, end: number): Promise<number> =>
      (await query(sim!, bearer, { start_date: new Date(start).toISOString(), end_date: new Date(end).toISOString() })).messages.flatMap(
        (m) => ((m['result'] as { results?: unknown[] } | undefined)?.results ?? [])
      ).length
    expect(await rowsOf(at, at + 1)).toBe(1)
    expect(await rowsOf(at - 1, at)).toBe(0)
  })

  it('allows ten queries a minute, then 429 in the API error form without Retry-After', async () => {
    const clock = createManualClock(NOW)
    sim = await startIbmSim({ clock, events: 5 })
    const bearer = String((await token(sim)).json['access_token'])
    const range = { start_date: new Date(NOW - 3_600_000).toISOString(), end_date: new Date(NOW).toISOString() }
    for (let i = 0; i < 10; i++) expect((await query(sim, bearer, range)).status).toBe(200)
    const refused = await query(sim, bearer, range)
    expect(refused.status).toBe(429)
    expect(refused.headers['retry-after']).toBeUndefined()
    expect(JSON.parse(refused.body)).toMatchObject({ errors: [{ code: 'too_many_requests' }], status_code: 429 })
    clock.advance(60_000)
    expect((await query(sim, bearer, range)).status).toBe(200)
  })

  it('fails unsupported DataPrime inside the stream, and unauthenticated queries with 401', async () => {
    sim = await startIbmSim({ clock: createManualClock(NOW) })
    const bearer = String((await token(sim)).json['access_token'])
    const range = { start_date: new Date(NOW - 3_600_000).toISOString(), end_date: new Date(NOW).toISOString() }
    const compiled = await query(sim, bearer, range, 'source logs | filter $d.action ~ /x/')
    expect(compiled.status).toBe(200)
    expect(compiled.messages.at(-1)).toMatchObject({ error: { message: expect.stringContaining('Compilation error') } })
    expect((await query(sim, 'forged', range)).status).toBe(401)
  })

  it('runs standalone, printing its URL when ready, with /_sim control, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/sim/ibm.ts', '--events', '25', '--seed', '3', '--port', '0', '--queries-per-minute', '1000'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit']
    })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve)
        child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)))
      })
      const ready = JSON.parse(line) as { url: string; events: number; iamUrl: string; logsEndpoint: string }
      expect(ready.events).toBe(25)
      // Logged a minute ago, so a run that starts now surely covers them.
      const added = generateIbmLogs(3, 99, { endTime: Date.now() - 60_000, foreignShare: 0 })
      await httpRequest({ method: 'POST', url: `${ready.url}/_sim/events`, body: JSON.stringify({ logs: added }) })
      await httpRequest({ method: 'POST', url: `${ready.url}/_sim/faults`, body: JSON.stringify({ fault: { kind: 'server-error', status: 502 } }) })
      // A connector walks the standalone simulator, through the injected 502.
      const connector = createConnector(
        { id: 1, name: 'icr', kind: 'ibm', url: ready.logsEndpoint, options: { region: 'us-south', iamUrl: ready.iamUrl }, created_at: 0, updated_at: 0 },
        { sleep: async () => {}, queriesPerMinute: Number.POSITIVE_INFINITY }
      )
      const archive = new MemoryArchive()
      await walkInto(connector, 'events', archive, testContext('ibm-apikey-SIMULATOR-0123456789abcdefABCDEF'))
      expect(archive.events.size).toBe(28)
      const requests = JSON.parse((await httpRequest({ method: 'GET', url: `${ready.url}/_sim/requests` })).body.toString()) as {
        requests: Array<{ status: number }>
      }
      expect(requests.requests.some((request) => request.status === 502)).toBe(true)
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })
})
