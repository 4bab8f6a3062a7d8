import type { InvestigationView } from '../stores/drawer-store'

/**
 * The command palette's investigation commands for what was typed: a digest opens its lineage,
 * `repository:tag` its history, a `namespace/repository` its tags. Pure, so the recognition is
 * unit-tested; the palette turns each into a command.
 */
export interface InvestigationCommand {
  id: string
  title: string
  keywords: string
  view: InvestigationView
}

/** Query qualifiers (`actor:alice`) look like `name:tag` but are not repositories. */
const QUALIFIERS = new Set(['verb', 'activity', 'actor', 'repo', 'repository', 'tag', 'digest', 'account', 'outcome', 'since', 'until', 'include'])

const DIGEST = /^(?:sha256:)?[0-9a-f]{8,64}$/i
const REPOSITORY = /^[a-z0-9][a-z0-9._\-/]{0,254}$/i
const TAG = /^[\w][\w.-]{0,127}$/

export function investigationCommandsFor(text: string): InvestigationCommand[] {
  const tokens = text.trim().split(/\s+/).filter((token) => token !== '')
  const token = tokens[tokens.length - 1]
  if (token === undefined) return []
  const commands: InvestigationCommand[] = []
  if (DIGEST.test(token) && (token.toLowerCase().startsWith('sha256:') || token.length >= 12)) {
    const digest = token.toLowerCase()
    commands.push({ id: `lineage-${digest}`, title: `Digest lineage of ${token}`, keywords: 'image history digest', view: { kind: 'lineage', digest } })
    return commands
  }
  const colon = token.lastIndexOf(':')
  if (colon > 0) {
    const repository = token.slice(0, colon)
    const tag = token.slice(colon + 1)
    if (!QUALIFIERS.has(repository.toLowerCase()) && REPOSITORY.test(repository) && TAG.test(tag)) {
      commands.push({
        id: `tags-${token}`,
        title: `Tag history of ${token}`,
        keywords: 'was overwritten retag moved',
        view: { kind: 'tags', repository, tag }
      })
      commands.push({
        id: `deletion-${token}`,
        title: `Why was ${token} deleted?`,
        keywords: 'explain deletion cause',
        view: { kind: 'deletion', target: { repository, tag } }
      })
    }
    return commands
  }
  if (token.includes('/') && REPOSITORY.test(token)) {
    commands.push({ id: `repo-${token}`, title: `Tags of ${token}`, keywords: 'tag history state moment', view: { kind: 'tags', repository: token, tag: null } })
  }
  return commands
}
