import type { SomeFuzzTarget } from './fuzz-target'
import { importTargets } from './import-targets'
import { SOURCE_PAGE_TARGETS } from './source-page-targets'
import { TEXT_PARSER_TARGETS } from './text-parser-targets'

/** Every fuzz target, in report order: the sources' page parsers, the typed-in text parsers, file import. */
export function allFuzzTargets(): SomeFuzzTarget[] {
  return [...SOURCE_PAGE_TARGETS, ...TEXT_PARSER_TARGETS, ...importTargets()]
}
