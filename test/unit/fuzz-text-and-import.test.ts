import { describe } from 'vitest'
import { fuzzEach } from '../fuzz/ci-fuzz'
import { eraseInput } from '../fuzz/fuzz-target'
import { csvReaderTarget, importRowTarget, jsonDocumentReaderTarget, jsonLinesReaderTarget } from '../fuzz/import-targets'
import { TEXT_PARSER_TARGETS } from '../fuzz/text-parser-targets'

// What users type (query, times) and what files hold (the import readers and row readers); the
// end-to-end importFile target writes a real archive and runs in test/integration.
describe('fuzzing the query and time parsers and the import readers', () => {
  fuzzEach([
    ...TEXT_PARSER_TARGETS,
    eraseInput(jsonLinesReaderTarget),
    eraseInput(jsonDocumentReaderTarget),
    eraseInput(csvReaderTarget),
    eraseInput(importRowTarget)
  ])
})
