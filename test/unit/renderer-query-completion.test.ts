import { describe, expect, it } from 'vitest'
import { applySuggestion, complete, tokenAt } from '../../src/renderer/src/lib/query-completion'

describe('query bar completion', () => {
  it('finds the token under the caret, counting a quoted run as one token', () => {
    expect(tokenAt('verb:DELETE act', 15)).toEqual({ from: 12, to: 15, token: 'act' })
    expect(tokenAt('actor:"John Sm', 14)).toEqual({ from: 0, to: 14, token: 'actor:"John Sm' })
    expect(tokenAt('a b', 1)).toEqual({ from: 0, to: 1, token: 'a' })
  })

  it('offers qualifiers for a word, keeping a leading minus', () => {
    const result = complete('ac', 2, {})
    expect(result.suggestions.map((s) => s.label)).toEqual(['activity:', 'actor:', 'account:'])
    const negated = complete('-ta', 3, {})
    expect(negated.suggestions.map((s) => s.insert)).toEqual(['-tag:'])
  })

  it('offers known values after a qualifier, prefix matches first, with counts', () => {
    const counts = { actor: new Map([['alice', 12], ['malice', 3]]) }
    const result = complete('actor:ali', 9, { actor: ['malice', 'alice', 'bob'] }, counts)
    expect(result.suggestions.map((s) => [s.label, s.detail])).toEqual([
      ['alice', '12'],
      ['malice', '3']
    ])
    expect(complete('verb:de', 7, {}).suggestions.map((s) => s.insert)).toEqual(['verb:DELETE'])
    expect(complete('repository:acm', 14, { repo: ['acme/api'] }).suggestions.map((s) => s.insert)).toEqual([
      'repository:acme/api'
    ])
  })

  it('quotes a value with spaces', () => {
    const result = complete('actor:Jo', 8, { actor: ['John Smith'] })
    expect(result.suggestions[0]?.insert).toBe('actor:"John Smith"')
  })

  it('replaces the token; a value gets a trailing space, a qualifier does not', () => {
    const text = 'verb:DELETE acti'
    const result = complete(text, text.length, {})
    const qualifier = applySuggestion(text, result, result.suggestions[0]!)
    expect(qualifier).toEqual({ text: 'verb:DELETE activity:', caret: 21 })
    const values = complete(qualifier.text, qualifier.caret, {})
    const value = applySuggestion(qualifier.text, values, values.suggestions.find((s) => s.label === 'delete')!)
    expect(value).toEqual({ text: 'verb:DELETE activity:delete ', caret: 28 })
  })

  it('offers nothing inside a quoted phrase', () => {
    expect(complete('"some', 5, {}).suggestions).toEqual([])
  })
})
