import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import type { FacetCounts } from '../../../shared/contract'
import { applySuggestion, complete, type CompletionResult, type KnownValues } from '../lib/query-completion'
import { useEvents } from '../stores/events-store'
import { useUi } from '../stores/ui-store'
import { useView } from '../stores/view-store'

/** Facet fields under the qualifier names the bar uses. */
const FACET_QUALIFIERS: Record<keyof FacetCounts, string> = {
  verb: 'verb',
  activity: 'activity',
  actor: 'actor',
  repository: 'repo',
  account: 'account',
  outcome: 'outcome'
}

function knownFromFacets(facets: FacetCounts | null): {
  known: KnownValues
  counts: Record<string, ReadonlyMap<string, number>>
} {
  const known: Record<string, string[]> = {}
  const counts: Record<string, Map<string, number>> = {}
  if (facets !== null) {
    for (const [field, name] of Object.entries(FACET_QUALIFIERS) as Array<[keyof FacetCounts, string]>) {
      known[name] = facets[field].map((entry) => entry.value)
      counts[name] = new Map(facets[field].map((entry) => [entry.value, entry.count]))
    }
  }
  return { known, counts }
}

/**
 * The qualifier query bar (`verb:DELETE repo:team/* -actor:ci-bot "free text"`). Enter applies
 * it; a syntax error is shown under the bar and the previous view stays. Completion offers
 * qualifiers, then known values from the facets of the current view.
 */
export function QueryBar(): ReactNode {
  const committed = useView((state) => state.text)
  const commitText = useView((state) => state.commitText)
  const facets = useEvents((state) => state.facets)
  const focusRequest = useUi((state) => state.focusQueryRequest)
  const [draft, setDraft] = useState(committed)
  const [error, setError] = useState<{ message: string; position: number } | null>(null)
  const [completion, setCompletion] = useState<CompletionResult | null>(null)
  const [active, setActive] = useState(0)
  const [navigated, setNavigated] = useState(false)
  const inputRef = useRef<HTMLInputElement>(null)
  const listId = useId()
  const { known, counts } = useMemo(() => knownFromFacets(facets), [facets])

  // The view changed elsewhere (a value click, the hash): show its text.
  useEffect(() => {
    setDraft(committed)
    setError(null)
  }, [committed])

  useEffect(() => {
    if (focusRequest > 0) {
      inputRef.current?.focus()
      inputRef.current?.select()
    }
  }, [focusRequest])

  const refreshCompletion = (text: string, caret: number): void => {
    const result = complete(text, caret, known, counts)
    setCompletion(result.suggestions.length > 0 ? result : null)
    setActive(0)
    setNavigated(false)
  }

  const apply = (): void => {
    setCompletion(null)
    const result = commitText(draft)
    if (result.ok) {
      setError(null)
      // The store normalises the text; the effect above shows it unless it is unchanged.
      setDraft(result.value.text)
    } else {
      setError({ message: result.message, position: result.position })
    }
  }

  const accept = (index: number): void => {
    const suggestion = completion?.suggestions[index]
    if (completion === null || suggestion === undefined) return
    const next = applySuggestion(draft, completion, suggestion)
    setDraft(next.text)
    requestAnimationFrame(() => {
      inputRef.current?.setSelectionRange(next.caret, next.caret)
      if (suggestion.kind === 'qualifier') refreshCompletion(next.text, next.caret)
      else setCompletion(null)
    })
  }

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    const open = completion !== null
    switch (event.key) {
      case 'ArrowDown':
        if (open) {
          event.preventDefault()
          setActive((active + 1) % completion.suggestions.length)
          setNavigated(true)
        }
        return
      case 'ArrowUp':
        if (open) {
          event.preventDefault()
          setActive((active - 1 + completion.suggestions.length) % completion.suggestions.length)
          setNavigated(true)
        }
        return
      case 'Tab':
        if (open) {
          event.preventDefault()
          accept(active)
        }
        return
      case 'Enter':
        event.preventDefault()
        // Enter takes a suggestion only once the user moved into the menu; otherwise it applies.
        if (open && navigated) accept(active)
        else apply()
        return
      case 'Escape':
        event.preventDefault()
        event.stopPropagation()
        if (open) setCompletion(null)
        else {
          setDraft(committed)
          setError(null)
          inputRef.current?.blur()
        }
        return
    }
  }

  const activeId = completion !== null ? `${listId}-${active}` : undefined

  return (
    <div className="query-bar">
      <div className={`query-input-wrap${error !== null ? ' has-error' : ''}`}>
        <svg className="query-icon" viewBox="0 0 16 16" aria-hidden="true">
          <circle cx="7" cy="7" r="4.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M10.5 10.5 14 14" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </svg>
        <input
          ref={inputRef}
          className="query-input"
          data-testid="query-input"
          role="combobox"
          aria-label="Filter events"
          aria-expanded={completion !== null}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={activeId}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? `${listId}-error` : undefined}
          spellCheck={false}
          autoComplete="off"
          placeholder='Filter: verb:DELETE repo:team/* -actor:ci-bot "text"   ( / )'
          value={draft}
          onChange={(event) => {
            setDraft(event.target.value)
            refreshCompletion(event.target.value, event.target.selectionStart ?? event.target.value.length)
          }}
          onKeyDown={onKeyDown}
          onFocus={(event) => refreshCompletion(event.target.value, event.target.selectionStart ?? event.target.value.length)}
          onClick={(event) =>
            refreshCompletion(event.currentTarget.value, event.currentTarget.selectionStart ?? event.currentTarget.value.length)
          }
          onBlur={() => setCompletion(null)}
        />
        {draft !== '' && (
          <button
            type="button"
            className="query-clear"
            aria-label="Clear the query"
            data-testid="query-clear"
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => {
              setDraft('')
              setError(null)
              commitText('')
            }}
          >
            ×
          </button>
        )}
      </div>
      {completion !== null && (
        <ul className="completion" id={listId} role="listbox" data-testid="query-completion">
          {completion.suggestions.map((suggestion, index) => (
            <li
              key={`${suggestion.kind}:${suggestion.label}`}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : undefined}
              data-testid="completion-option"
              data-value={suggestion.label}
              onMouseDown={(event) => {
                event.preventDefault()
                accept(index)
              }}
            >
              <span className="completion-label">{suggestion.label}</span>
              {suggestion.detail !== undefined && <span className="completion-detail">{suggestion.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      {error !== null && (
        <p className="query-error" id={`${listId}-error`} role="alert" data-testid="query-error">
          {error.message}
        </p>
      )}
    </div>
  )
}
