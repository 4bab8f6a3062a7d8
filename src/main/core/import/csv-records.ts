import { quoteForMessage } from '../../../shared/time'
import { parseBoundedJson, TOO_DEEP_MESSAGE } from '../bounded-json'

/**
 * A CSV of a source's records: a header row naming the record's fields, one record per row. Each
 * row is turned back into the record the source's API would have sent, so it normalises, and
 * hashes, like a synced one:
 * - an empty cell is a field the record does not have;
 * - declared fields get their type back (`id` a number, `operation_result` a boolean), and object
 *   fields are JSON text in the cell (`{"tag":"1.2"}`) or spread over dotted columns (`data.tag`,
 *   text unless the shape types them);
 * - fields are put in the source's documented order, then any other column, as text.
 */

export type CsvFieldType = 'string' | 'integer' | 'boolean' | 'object'

export interface CsvShape {
  /**
   * The record's fields in the source's own order; a dotted name (`performer.is_robot`) types a
   * field of an object field when it comes as its own column.
   */
  fields: ReadonlyArray<{ name: string; type: CsvFieldType }>
  /** Fields a header must name to be taken for this source's records. */
  required: readonly string[]
}

/**
 * Why a header cannot be read as the shape's records, or undefined when it can. Columns without a
 * name (a spreadsheet's trailing comma) are left out.
 */
export function csvHeaderProblem(shape: CsvShape, header: readonly string[]): string | undefined {
  const named = header.filter((name) => name !== '')
  const missing = shape.required.filter((name) => !named.includes(name))
  if (missing.length > 0) return `the header row lacks ${missing.map((name) => quoteForMessage(name)).join(', ')}`
  const seen = new Set<string>()
  for (const name of named) {
    // Header names are the file's text: quoted, cut and escaped in the reason.
    if (seen.has(name)) return `the header row names ${quoteForMessage(name)} twice`
    seen.add(name)
  }
  for (const name of named) {
    const dot = name.indexOf('.')
    if (dot > 0 && seen.has(name.slice(0, dot))) return `the header row names both ${quoteForMessage(name.slice(0, dot))} and ${quoteForMessage(name)}`
  }
  return undefined
}

interface Column {
  index: number
  /** Field path: ['data', 'tag'] for `data.tag`. */
  path: string[]
  type: CsvFieldType
}

/**
 * A function turning one CSV row (its cells) into the record; it throws an Error whose message is
 * the reason when a cell cannot be read. Call only with a header {@link csvHeaderProblem} accepts.
 */
export function csvRecordReader(shape: CsvShape, header: readonly string[]): (cells: readonly string[]) => Record<string, unknown> {
  const types = new Map(shape.fields.map((field) => [field.name, field.type]))
  const order = new Map(shape.fields.map((field, index) => [field.name, index]))
  const columns: Column[] = header.flatMap((name, index): Column[] => {
    if (name === '') return []
    const declared = types.get(name)
    // A declared dotted field (`performer.is_robot`) is a typed field of an object field.
    if (declared !== undefined) return [{ index, path: name.split('.'), type: declared }]
    const dot = name.indexOf('.')
    if (dot > 0 && types.get(name.slice(0, dot)) === 'object') return [{ index, path: name.split('.'), type: 'string' }]
    return [{ index, path: [name], type: 'string' }]
  })
  // Documented fields first, in the documented order; other columns after, in header order.
  const rank = (column: Column): number => order.get(column.path[0]!) ?? shape.fields.length + column.index
  columns.sort((a, b) => rank(a) - rank(b) || a.index - b.index)

  return (cells) => {
    if (cells.length !== header.length) {
      throw new Error(`has ${cells.length} field${cells.length === 1 ? '' : 's'}; the header row has ${header.length}`)
    }
    const record: Record<string, unknown> = {}
    for (const column of columns) {
      const cell = cells[column.index]!
      if (cell === '') continue
      const value = cellValue(cell, column)
      let target = record
      // Own properties only, set as JSON.parse sets them: a header such as `data.__proto__.x` must
      // make a field named __proto__, not reach Object.prototype through the inherited accessor.
      for (const part of column.path.slice(0, -1)) {
        const inner = Object.hasOwn(target, part) ? target[part] : undefined
        if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) setOwn(target, part, {})
        target = target[part] as Record<string, unknown>
      }
      setOwn(target, column.path.at(-1)!, value)
    }
    return record
  }
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

function cellValue(cell: string, column: Column): unknown {
  const name = column.path.join('.')
  switch (column.type) {
    case 'string':
      return cell
    case 'integer': {
      const value = Number(cell)
      if (!/^-?\d+$/.test(cell.trim()) || !Number.isSafeInteger(value)) throw new Error(`column ${quoteForMessage(name)}: ${quoteForMessage(cell)} is not a whole number`)
      return value
    }
    case 'boolean': {
      const text = cell.trim().toLowerCase()
      if (text === 'true') return true
      if (text === 'false') return false
      throw new Error(`column ${quoteForMessage(name)}: ${quoteForMessage(cell)} is not true or false`)
    }
    case 'object': {
      let value: unknown
      try {
        value = parseBoundedJson(cell)
      } catch (error) {
        const tooDeep = (error as Error).message === TOO_DEEP_MESSAGE
        throw new Error(`column ${quoteForMessage(name)}: ${tooDeep ? TOO_DEEP_MESSAGE : 'not a JSON object'}`)
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`column ${quoteForMessage(name)}: not a JSON object`)
      return value
    }
  }
}

