/** Matching for the command palette: every typed word must appear in the title or keywords. */
export interface PaletteCommand {
  id: string
  title: string
  /** Extra words that find the command ("switch", the account's kind). */
  keywords?: string
  /** Shown at the right (a shortcut). */
  hint?: string
  run: () => void
}

export function filterCommands(commands: readonly PaletteCommand[], text: string): PaletteCommand[] {
  const words = text.toLowerCase().split(/\s+/).filter((word) => word !== '')
  if (words.length === 0) return [...commands]
  const scored: Array<{ command: PaletteCommand; score: number }> = []
  for (const command of commands) {
    const title = command.title.toLowerCase()
    const haystack = `${title} ${command.keywords?.toLowerCase() ?? ''}`
    if (!words.every((word) => haystack.includes(word))) continue
    // Titles that start with what was typed come first, then title matches, then keyword matches.
    const first = words[0] ?? ''
    const score = title.startsWith(first) ? 0 : title.split(/\s+/).some((part) => part.startsWith(first)) ? 1 : 2
    scored.push({ command, score })
  }
  return scored.sort((a, b) => a.score - b.score).map((entry) => entry.command)
}
