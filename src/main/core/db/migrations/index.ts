import { sql as initial } from './0001-initial'
import { sql as uiSupport } from './0002-ui-support'
import { sql as investigation } from './0003-investigation'
import { sql as queryPerformance } from './0004-query-performance'

/**
 * The archive's migrations, in order. Each is a TS module exporting its SQL as a string so it
 * bundles into the Electron main and runs under tsx without file lookups. A shipped migration is
 * never edited (its hash is recorded in the archive); schema changes are new numbered entries.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'ui-support', sql: uiSupport },
  { version: 3, name: 'investigation', sql: investigation },
  { version: 4, name: 'query-performance', sql: queryPerformance }
]

/** The newest schema version this build can read and write. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0)
