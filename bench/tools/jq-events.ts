import { spawnSync } from 'node:child_process'
import { existsSync, renameSync, rmSync } from 'node:fs'
import { Archive } from '../../src/main/core/db/archive'
import { ftsTerms, globPattern } from '../../src/main/core/db/event-query-sql'
import { exportEvents } from '../../src/main/core/export/export-events'
import type { EventQuery, EventSort, ValueFilter } from '../../src/shared/query'

/**
 * jq as the admin's fallback: every event as NDJSON (the app's own export: the normalised fields
 * and the raw record) and a jq program per question that selects, sorts and takes the first
 * page, as someone answering it over an API dump would write it. Time comparisons use the ISO
 * timestamps as strings (fixed width, UTC: their order is time order); free text is a substring
 * test over the nine text fields FTS indexes.
 */

export function jqAvailable(): boolean {
  return spawnSync('jq', ['--version'], { encoding: 'utf8' }).status === 0
}

/** Writes every event of the archive as NDJSON (newest first) unless the file is there. */
export async function eventsAsNdjson(archiveFile: string, out: string): Promise<{ ms: number; cached: boolean }> {
  if (existsSync(out)) return { ms: 0, cached: true }
  const started = performance.now()
  const archive = Archive.open(archiveFile, { readonly: true })
  try {
    const partial = `${out}.tmp`
    rmSync(partial, { force: true })
    await exportEvents(archive.iterateEvents({ includePull: true }), partial, { format: 'ndjson', timeZone: 'UTC' })
    renameSync(partial, out)
  } finally {
    archive.close()
  }
  return { ms: Math.round(performance.now() - started), cached: false }
}

const json = (value: unknown): string => JSON.stringify(value)

function listTest(field: string, filter: ValueFilter | undefined, match: (value: string) => string = (v) => `. == ${json(v)}`): string[] {
  const tests: string[] = []
  const value = `(.${field} // "")`
  if (filter?.any !== undefined && filter.any.length > 0) tests.push(`(${value} | ${filter.any.map((v) => `(${match(v)})`).join(' or ')})`)
  if (filter?.none !== undefined && filter.none.length > 0) tests.push(`(${value} | (${filter.none.map((v) => `(${match(v)})`).join(' or ')}) | not)`)
  return tests
}

function isoBound(ms: number): string {
  return new Date(ms).toISOString()
}

/** The jq program answering a first-page question: the page's ids in order. */
export function jqProgram(query: EventQuery, sort: EventSort, limit: number): string {
  const tests: string[] = []
  tests.push(...listTest('account', query.account))
  if (query.since !== undefined) tests.push(`.occurred_at >= ${json(isoBound(query.since))}`)
  if (query.until !== undefined) tests.push(`.occurred_at < ${json(isoBound(query.until))}`)
  for (const field of ['verb', 'activity', 'actor', 'tag', 'outcome'] as const) tests.push(...listTest(field, query[field]))
  const pullIncluded = query.includePull === true || (query.activity?.any?.includes('pull') ?? false)
  if (!pullIncluded) tests.push('.activity != "pull"')
  tests.push(
    ...listTest('repository', query.repository, (v) =>
      v.includes('*') ? `test(${json(`^${globPattern(v).split('*').map(escapeRegex).join('.*')}$`)})` : `. == ${json(v)}`
    )
  )
  tests.push(...listTest('digest', query.digest, (v) => `startswith(${json(v)})`))
  const bare = (phrase: string): string => phrase.slice(1, -2).replace(/""/g, '"').toLowerCase()
  const text = (term: string): string =>
    `([.label, .action, .actor, .repository, .tag, .digest, .target, .client_ip, .user_agent] | map(. // "" | ascii_downcase | contains(${json(term)})) | any)`
  for (const term of ftsTerms(query.text, 'text').map(bare)) tests.push(text(term))
  const notText = ftsTerms(query.notText, 'notText').map(bare)
  if (notText.length > 0) tests.push(`((${notText.map(text).join(' or ')}) | not)`)
  const key = sort.key === 'occurred_at' ? '' : `.k, `
  const project = `{${sort.key === 'occurred_at' ? '' : `k: (.${sort.key} // ""), `}t: .occurred_at, id: .id}`
  const order = sort.dir === 'desc' ? ' | reverse' : ''
  return `[inputs | select(${tests.length > 0 ? tests.join(' and ') : 'true'}) | ${project}] | sort_by(${key}.t, .id)${order} | .[:${limit}] | map(.id)`
}

function escapeRegex(text: string): string {
  // globPattern wrapped [ ] ? in brackets; those are regex classes already.
  return text.replace(/[.+^${}()|\\]/g, '\\$&')
}

/** Runs a jq program over the NDJSON file once: wall ms and the ids it printed. */
export function runJq(file: string, program: string): { wallMs: number; ids: number[] } {
  const started = performance.now()
  const result = spawnSync('jq', ['-n', '-c', program, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const wallMs = performance.now() - started
  if (result.status !== 0) throw new Error(`jq failed: ${result.stderr.slice(0, 500)}`)
  return { wallMs, ids: JSON.parse(result.stdout) as number[] }
}
