import type { PushEventName, PushEvents } from '../../shared/contract'

/** Receives every event the core pushes; each transport forwards them to its UI. */
export type PushListener = <E extends PushEventName>(event: E, payload: PushEvents[E]) => void

/**
 * The core's outgoing events (`sync:progress`, `events:changed`, `export:progress`). A listener
 * that throws is cut off from that one event, never from the core: a closed window or a dropped
 * browser connection must not stop a sync.
 */
export class PushEmitter {
  private readonly listeners = new Set<PushListener>()

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: PushListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  emit<E extends PushEventName>(event: E, payload: PushEvents[E]): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event, payload)
      } catch (error) {
        console.error(`a ${event} listener failed:`, error instanceof Error ? error.message : String(error))
      }
    }
  }
}
