import { describe } from 'vitest'
import { fuzzEach } from '../fuzz/ci-fuzz'
import { SOURCE_PAGE_TARGETS } from '../fuzz/source-page-targets'

// Every source's page parser as its connector runs it, on hostile and almost-valid answers.
describe('fuzzing the sources’ page parsers', () => {
  fuzzEach(SOURCE_PAGE_TARGETS)
})
