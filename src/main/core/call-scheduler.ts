import { methodForChannel, type MethodName } from '../../shared/contract-channels'

/**
 * The summaries of a view (count, facets, histogram): over millions of events they take hundreds
 * of milliseconds to seconds each, and nobody waits on them to read the table.
 */
const SUMMARY_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['countEvents', 'facets', 'histogram'])

interface QueuedCall {
  summary: boolean
  start: () => void
}

/**
 * The order in which API calls start. SQLite calls are synchronous, so the core answers one at a
 * time, and a page of events asked for just after a new filter's summaries (or the previous
 * filter's, still queued) would wait for all of them: seconds for free text over a year of
 * events. Calls that arrive while others run are held, and the next to start is the oldest call
 * that is not a summary, else the oldest summary.
 *
 * Only starts are ordered: an asynchronous call (a connection test, an export) starts and lets
 * the next one start while it waits, as before.
 */
export class CallScheduler {
  private readonly queue: QueuedCall[] = []
  private draining = false

  /** Runs `call` (the dispatch of `channel`) in its turn; resolves or rejects as it does. */
  schedule<T>(channel: string, call: () => Promise<T>): Promise<T> {
    const method = methodForChannel(channel)
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        summary: method !== undefined && SUMMARY_METHODS.has(method),
        start: () => {
          call().then(resolve, reject)
        }
      })
      if (!this.draining) {
        this.draining = true
        // Not now: calls that arrive in the same turn (several requests read at once, several
        // messages from the window) are queued first, so the choice sees all of them.
        setImmediate(() => this.drain())
      }
    })
  }

  private drain(): void {
    const index = this.queue.findIndex((call) => !call.summary)
    const [next] = this.queue.splice(index === -1 ? 0 : index, 1)
    if (next === undefined) {
      this.draining = false
      return
    }
    next.start()
    // The next choice after whatever arrived while this one ran.
    setImmediate(() => this.drain())
  }
}
