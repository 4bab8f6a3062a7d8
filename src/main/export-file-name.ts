/** `registry-audit-2026-01-31-1042.csv`: local time, so files sort by date in a downloads folder. */
export function suggestedExportName(format: string, now: Date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}`
  return `registry-audit-${stamp}.${format}`
}
