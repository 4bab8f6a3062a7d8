import { describe } from 'vitest'
import { fuzzEach } from '../fuzz/ci-fuzz'
import { eraseInput } from '../fuzz/fuzz-target'
import { createImportFileTarget } from '../fuzz/import-targets'

// importFile end to end on hostile files (issue 6 §5), CI size: each input written to a temp file
// and imported into a real SQLite archive; scripts/fuzz.ts runs the same target at 100,000.
describe('fuzzing file import into a real archive', () => {
  fuzzEach([eraseInput(createImportFileTarget())])
})
