/**
 * A client-side limit of N queries per sliding minute: IBM Cloud Logs answers the eleventh query
 * within a minute with 429 (contract: 10 queries a minute per instance), so the connector paces
 * itself instead of being turned away. The clock and sleep are injected so tests run in
 * simulated time.
 */
export interface QueryLimiter {
  /**
   * Resolves when one more query may be sent, and counts it. Returns the ms waited (0 when the
   * window had room). Rejects with the sleep's error when the signal aborts.
   */
  acquire(signal?: AbortSignal, onWait?: (ms: number) => void): Promise<number>
}

export interface QueryLimiterOptions {
  perWindow: number
  /** Default one minute. */
  windowMs?: number
  now: () => number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

export function createQueryLimiter(options: QueryLimiterOptions): QueryLimiter {
  const windowMs = options.windowMs ?? 60_000
  /** Send times of the queries in the current window, oldest first. */
  const sent: number[] = []
  return {
    async acquire(signal, onWait) {
      if (!Number.isFinite(options.perWindow)) return 0
      let waited = 0
      for (;;) {
        const now = options.now()
        while (sent.length > 0 && sent[0]! <= now - windowMs) sent.shift()
        if (sent.length < options.perWindow) {
          sent.push(now)
          return waited
        }
        const ms = sent[0]! + windowMs - now
        onWait?.(ms)
        await options.sleep(ms, signal)
        waited += ms
      }
    }
  }
}
