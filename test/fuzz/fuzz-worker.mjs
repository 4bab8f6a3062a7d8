// Runs one fuzz target in a worker thread from TypeScript sources: Node 20 does not carry the
// parent's `--import tsx` hooks into a worker, so the worker registers tsx itself.
import { register } from 'tsx/esm/api'

register()
await import(new URL('./fuzz-worker-main.ts', import.meta.url).href)
