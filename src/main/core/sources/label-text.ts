/**
 * Cleaning of the free text a source puts in an event (descriptions, resource names) before it
 * becomes part of a one-line label: the normalisers of every source share these rules so that a
 * label never spans lines, never reorders itself on screen and never grows without bound.
 */

// Control characters (C0, DEL, C1): a newline or escape sequence in a label would break a table
// row or a terminal line.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g

// Controls plus the bidirectional embedding, override and isolate characters, which can make a
// label read differently from what it holds ("Trojan Source").
// eslint-disable-next-line no-control-regex
const CONTROLS_AND_BIDI = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g

/** Runs of white space (newlines included) become one space; ends trimmed. */
export function foldSpace(value: string): string {
  return value.replace(/\s+/g, ' ').trim()
}

/** `value` cut to at most `max` characters, the last one an ellipsis when it was cut. */
export function clipText(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value
}

/** Control characters replaced by a space and the ends trimmed (inner white space kept). */
export function withoutControls(value: string): string {
  return value.replace(CONTROLS, ' ').trim()
}

/**
 * A label part on one line: control and bidi-override characters replaced by a space, white space
 * folded, at most `max` characters (default 300).
 */
export function oneLineLabel(value: string, max = 300): string {
  return clipText(foldSpace(value.replace(CONTROLS_AND_BIDI, ' ')), max)
}
