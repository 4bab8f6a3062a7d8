/** Small display formatters shared by the table, the drawer and the sync panel. */

const numberFormat = new Intl.NumberFormat('en-US')

export function formatCount(n: number): string {
  return numberFormat.format(n)
}

/** `sha256:4f1c0e9a…` → `4f1c0e9a2b1d` (the algorithm is dropped; 12 hex digits identify an image). */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':')
  const hex = colon >= 0 ? digest.slice(colon + 1) : digest
  return hex.slice(0, 12)
}

/** "3 s", "4 min", "2 h 5 min": for waits and durations. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function formatAgo(then: number, now: number): string {
  const ms = now - then
  if (ms < 45_000) return 'just now'
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`
  const days = Math.round(ms / 86_400_000)
  return days === 1 ? '1 day ago' : `${days} days ago`
}

/** The raw record, pretty-printed; text that is not JSON is shown as it came. */
export function prettyJson(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2)
  } catch {
    return raw
  }
}
