import type { SourceKind } from '../../../shared/event'
import { dockerHubImport } from './dockerhub-import'
import { harborImport } from './harbor-import'
import { ibmImport } from './ibm-import'
import type { ImportSource, ImportSourceKind } from './import-source'
import { msrImport } from './msr-import'
import { notaryImport } from './notary-import'
import { quayImport } from './quay-import'

/** Every source whose records and exports import, by kind. */
export const IMPORT_SOURCES: Partial<Record<ImportSourceKind, ImportSource>> = {
  dockerhub: dockerHubImport,
  harbor: harborImport,
  ibm: ibmImport,
  msr: msrImport,
  notary: notaryImport,
  quay: quayImport
}

/**
 * The sources whose files import into an account of `kind`: its own; for a `file` account (DESIGN
 * §2: an export someone handed you, no connector), every source, each file read as the one its
 * rows look like.
 */
export function importSourcesFor(kind: SourceKind): ImportSource[] {
  if (kind === 'file') return Object.values(IMPORT_SOURCES)
  const source = IMPORT_SOURCES[kind]
  return source === undefined ? [] : [source]
}
