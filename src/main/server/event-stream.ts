import type { ServerResponse } from 'node:http'
import type { PushEventName } from '../../shared/contract'

/** Keeps idle connections (and proxies, should one sit between) from timing the stream out. */
const HEARTBEAT_MS = 15_000

/**
 * The pushed events as server-sent events (`GET /api/events`): one `event: <name>` and one
 * `data: <json>` line per event, to every open stream. A slow or gone client is dropped, never
 * waited for: pushes come from syncs, which must not stall on a browser tab.
 */
export class EventStreamHub {
  private readonly clients = new Set<ServerResponse>()
  private readonly heartbeat: ReturnType<typeof setInterval>

  constructor() {
    this.heartbeat = setInterval(() => this.writeAll(': keep-alive\n\n'), HEARTBEAT_MS)
    this.heartbeat.unref()
  }

  /** Takes over the response as an event stream until the client goes away. */
  attach(response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no'
    })
    // `retry` sets EventSource's reconnect delay; the comment line flushes the headers at once.
    response.write('retry: 2000\n: connected\n\n')
    this.clients.add(response)
    response.on('close', () => this.clients.delete(response))
  }

  send(event: PushEventName, payload: unknown): void {
    // JSON.stringify never emits a raw newline, so one data line holds the whole payload.
    this.writeAll(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
  }

  get size(): number {
    return this.clients.size
  }

  close(): void {
    clearInterval(this.heartbeat)
    for (const client of this.clients) client.end()
    this.clients.clear()
  }

  private writeAll(text: string): void {
    for (const client of this.clients) {
      // A client that has not read 1 MiB of events is not keeping up; it reconnects and re-reads state.
      if (client.writableLength > 1024 * 1024) {
        client.destroy()
        this.clients.delete(client)
        continue
      }
      client.write(text)
    }
  }
}
