import fc from 'fast-check'

/**
 * Generators of hostile input for the fuzz targets: text and values a broken or malicious server
 * (or a doctored export file) could send, and JSON text built from them, cheaply and
 * deterministically (fast-check seeds), including what JSON.stringify itself cannot build: objects
 * with an own `__proto__` key, and nesting deeper than any recursive code here survives.
 */

/** Text that has broken viewers, terminals, spreadsheets and parsers somewhere. */
export const HOSTILE_TEXTS: readonly string[] = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '\u202eevil.exe\u202c',
  '\u2066\u2067\u2068\u2069\u200f',
  '\u0000',
  'a\u0000b',
  '\u001b[31mred\u001b[0m\u001b]0;title\u0007',
  '\r\n\t\u000b\u000c\u0085\u2028\u2029',
  '=cmd|\' /C calc\'!A0',
  '+1+1',
  '-2+3',
  '@SUM(A1)',
  '\t=1',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '\ud800',
  '\udfff\ud800',
  '\ufeff',
  '\uffff\ufffe',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  'Z̶̢̛̫͎a̸͚̓l̶̰̈́g̴̱͝o̵̰͑',
  '9999-12-31T23:59:59.999Z',
  '0000-01-01T00:00:00Z',
  '2024-02-30T25:61:61Z',
  '1970-01-01T00:00:00+99:99',
  '-271821-04-20T00:00:00Z',
  'NaN',
  'Infinity',
  '1e309',
  '-0',
  'null',
  'undefined',
  'true',
  '{}',
  '[]',
  'sha256:',
  'sha256:' + 'f'.repeat(64),
  'a/b/c/d/e/f/g:tag@sha256:abc',
  ':',
  '::::',
  ' ',
  ''
]

/** Keys that reach an object's prototype when code assigns them naively. */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'valueOf']

/** A value a placeholder in the JSON text stands for: nesting too deep for recursion to build. */
export interface DeepNesting {
  readonly deep: number
  readonly kind: 'array' | 'object'
}

/** A string too long to be a field, marked so the text builder can repeat it without holding it twice. */
export interface HugeText {
  readonly huge: number
  readonly unit: string
}

const DEEP = Symbol('deep')
const HUGE = Symbol('huge')

function deep(depth: number, kind: 'array' | 'object'): DeepNesting {
  return Object.assign(Object.create(null) as object, { deep: depth, kind, [DEEP]: true }) as DeepNesting
}

function huge(length: number, unit: string): HugeText {
  return Object.assign(Object.create(null) as object, { huge: length, unit, [HUGE]: true }) as HugeText
}

function isDeep(value: unknown): value is DeepNesting {
  return typeof value === 'object' && value !== null && DEEP in value
}

function isHuge(value: unknown): value is HugeText {
  return typeof value === 'object' && value !== null && HUGE in value
}

/** Hostile text: the list above, mixtures of it, arbitrary UTF-16 (lone surrogates included). */
export function hostileText(maxLength = 60): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...HOSTILE_TEXTS), weight: 4 },
    { arbitrary: fc.string({ unit: fc.constantFrom(...HOSTILE_TEXTS), maxLength: 4 }), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength }), weight: 3 },
    { arbitrary: fc.string({ maxLength }), weight: 2 }
  )
}

/** Nesting from a few levels to far beyond any recursion limit, biased to the small end. */
const depthArb = fc.oneof(
  { arbitrary: fc.integer({ min: 2, max: 200 }), weight: 3 },
  { arbitrary: fc.integer({ min: 200, max: 5_000 }), weight: 2 },
  { arbitrary: fc.integer({ min: 5_000, max: 60_000 }), weight: 1 }
)

/** A string of 50 KB to 1.5 MB: past every per-field and per-record limit, within one body. */
const hugeArb = fc
  .tuple(fc.integer({ min: 50_000, max: 1_500_000 }), fc.constantFrom('A', '<script>x</script>', '\u202e', 'é', '\\', '"'))
  .map(([length, unit]) => huge(length, unit))

/** Small JSON values whose keys and strings are hostile. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(true, false, null, 0, -0, 1e308, 2 ** 53 + 2, -(2 ** 63), 5e-324),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileText(12)), tie('value')), { maxLength: 4 })
      .map((entries) => ownObject(entries))
  )
})).value

/**
 * A value of the wrong type for whatever field it lands in. Deep and huge values are rare (an input
 * holds several mutations): each costs milliseconds, the rest microseconds.
 */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileText(), weight: 24 },
  { arbitrary: hostileJson, weight: 24 },
  { arbitrary: fc.tuple(depthArb, fc.constantFrom('array' as const, 'object' as const)).map(([d, k]) => deep(d, k)), weight: 1 },
  { arbitrary: hugeArb, weight: 1 }
)

/** An object whose keys are set as own properties, `__proto__` included (as JSON.parse does). */
export function ownObject(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  return out
}

/**
 * One change to a JSON value: walk down by `path` (each number picks a key or an index of the
 * container there, modulo its size), then replace or delete what is there, or add `key`.
 */
export interface Mutation {
  path: number[]
  action: 'replace' | 'delete' | 'add' | 'wrap'
  key: string
  value: unknown
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  action: fc.constantFrom('replace' as const, 'replace' as const, 'delete' as const, 'add' as const, 'wrap' as const),
  key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileText(16)),
  value: wrongValue
})

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null && !isDeep(value) && !isHuge(value)
}

/** Applies mutations to a value in place (the value must be a fresh copy); returns the new root. */
export function applyMutations(root: unknown, mutations: readonly Mutation[]): unknown {
  let out = root
  for (const mutation of mutations) out = applyMutation(out, mutation)
  return out
}

function applyMutation(root: unknown, mutation: Mutation): unknown {
  if (!isContainer(root)) return mutation.action === 'wrap' ? [root] : mutation.value
  let container: Record<string, unknown> | unknown[] = root
  let slot: string | number | undefined
  for (let i = 0; i < mutation.path.length; i++) {
    const keys: Array<string | number> = Array.isArray(container) ? container.map((_, index) => index) : Object.keys(container)
    if (keys.length === 0) {
      slot = undefined
      break
    }
    slot = keys[mutation.path[i]! % keys.length]!
    const child = (container as Record<string | number, unknown>)[slot]
    if (i < mutation.path.length - 1 && isContainer(child)) container = child
    else break
  }
  const target = container as Record<string | number, unknown>
  switch (mutation.action) {
    case 'add':
      if (Array.isArray(container)) container.push(mutation.value)
      else Object.defineProperty(container, mutation.key, { value: mutation.value, enumerable: true, writable: true, configurable: true })
      break
    case 'delete':
      if (slot === undefined) break
      if (Array.isArray(container)) container.splice(Number(slot), 1)
      else delete target[slot]
      break
    case 'wrap':
      if (slot !== undefined) target[slot] = [target[slot]]
      break
    case 'replace':
      if (slot === undefined) return mutation.value
      Object.defineProperty(container, slot, { value: mutation.value, enumerable: true, writable: true, configurable: true })
      break
  }
  return root
}

/**
 * JSON text of a value that may hold deep-nesting and huge-text markers: the markers are written
 * as placeholders by JSON.stringify and then expanded in the text, so neither recursion nor a
 * second copy of a megabyte string is needed to build it.
 */
export function toJsonText(value: unknown, indent?: number): string {
  const expansions: string[] = []
  const text = JSON.stringify(
    value,
    (_key, inner: unknown) => {
      if (isDeep(inner)) {
        expansions.push(inner.kind === 'array' ? `${'['.repeat(inner.deep)}${']'.repeat(inner.deep)}` : `${'{"a":'.repeat(inner.deep)}1${'}'.repeat(inner.deep)}`)
        return `\u0001${expansions.length - 1}\u0001`
      }
      if (isHuge(inner)) {
        expansions.push(JSON.stringify(inner.unit.repeat(Math.ceil(inner.huge / inner.unit.length))))
        return `\u0001${expansions.length - 1}\u0001`
      }
      return inner
    },
    indent
  )
  if (expansions.length === 0) return text ?? 'null'
  return (text ?? 'null').replace(/"\\u0001(\d+)\\u0001"/g, (_, index: string) => expansions[Number(index)]!)
}

/** Damage done to a body's bytes after it was written. */
export type Corruption =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; bits: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'bom' }
  | { kind: 'latin1' }

export const corruptionArb: fc.Arbitrary<Corruption> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 12 },
  { arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'bom' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'latin1' as const }), weight: 1 }
)

/** The bytes of `text` (UTF-8) with the corruption applied. */
export function corrupt(text: string, corruption: Corruption): Buffer {
  if (corruption.kind === 'latin1') return Buffer.from(text, 'latin1')
  const bytes = Buffer.from(text, 'utf8')
  switch (corruption.kind) {
    case 'none':
      return bytes
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])
    case 'truncate':
      return bytes.subarray(0, bytes.length === 0 ? 0 : corruption.at % bytes.length)
    case 'flip': {
      if (bytes.length === 0) return bytes
      const copy = Buffer.from(bytes)
      const at = corruption.at % copy.length
      copy[at] = copy[at]! ^ corruption.bits
      return copy
    }
    case 'insert': {
      const at = bytes.length === 0 ? 0 : corruption.at % bytes.length
      return Buffer.concat([bytes.subarray(0, at), corruption.bytes, bytes.subarray(at)])
    }
  }
}

/** JSON-looking soup: tokens of JSON and of the sources' field names, in any order. */
export const jsonTokenSoup: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(
    '{', '}', '[', ']', ',', ':', '"', '\\', '\\u', '\\ud800', '\\u0000', 'null', 'true', 'false', '-', '0', '1e999', '-1e-999',
    '9007199254740993', ' ', '\n', '"logs"', '"events"', '"records"', '"result"', '"results"', '"user_data"', '"timestamp"',
    '"id"', '"ID"', '"publishedAt"', '"CreatedAt"', '"GUN"', '"kind"', '"datetime"', '"op_time"', '"__proto__"', '"data"',
    '"2024-01-01T00:00:00Z"', '"Mon, 01 Jan 2024 00:00:00 -0000"', 'data: ', 'event: ', ': ', '\r\n'
  ),
  maxLength: 120
})

/** Arbitrary bytes, short and long. */
export const rawBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 4096 }), weight: 1 }
)
