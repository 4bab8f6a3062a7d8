import { randomBytes } from 'node:crypto'
import type { ContractParsedInput } from '../../shared/contract'

/** How long a download URL stays valid after export:run handed it out. */
const TICKET_TTL_MS = 5 * 60_000

interface Ticket {
  request: ContractParsedInput<'runExport'>
  filename: string
  expires: number
}

/**
 * Browser mode's exports: export:run (an authenticated POST) stores the request under a random
 * one-time ticket and answers with `/api/export/<ticket>`; the browser then downloads that URL with
 * a plain GET, which cannot carry the access token in a header. The ticket is as unguessable as
 * the token, works once, and only for a few minutes, so the launch token itself never appears in
 * a URL that lands in the download history.
 */
export class ExportDownloads {
  private readonly tickets = new Map<string, Ticket>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Stores the request; returns the ticket to put in the URL. */
  issue(request: ContractParsedInput<'runExport'>, filename: string): string {
    this.sweep()
    const ticket = randomBytes(32).toString('base64url')
    this.tickets.set(ticket, { request, filename, expires: this.now() + TICKET_TTL_MS })
    return ticket
  }

  /** The request behind a ticket, removing it: a ticket works once. */
  redeem(ticket: string): Omit<Ticket, 'expires'> | undefined {
    this.sweep()
    const found = this.tickets.get(ticket)
    if (found === undefined) return undefined
    this.tickets.delete(ticket)
    return { request: found.request, filename: found.filename }
  }

  private sweep(): void {
    const now = this.now()
    for (const [ticket, entry] of this.tickets) if (entry.expires <= now) this.tickets.delete(ticket)
  }
}
