import {
  API_GLOBAL,
  type ContractArgs,
  type ContractResult,
  type MethodName,
  type PushEventName,
  type PushEvents,
  type RegistryAuditApi
} from '../../shared/contract'
import type { ErrorInfo, Result } from '../../shared/errors'
import { createBrowserApi } from './api-browser-shim'
import { useNotifications } from './stores/notifications-store'

/**
 * The one module that touches the API object (STYLE.md "Renderer"): the Electron preload's
 * `window.registryAudit`, or in browser mode the fetch/SSE shim. Stores call `call()`; every
 * failed call lands in the notifications store, so no failure is silent.
 */

let api: RegistryAuditApi | undefined

/** The API object; created on first use (browser mode takes its access token from the URL then). */
export function connectApi(): RegistryAuditApi {
  if (api !== undefined) return api
  const fromPreload = (window as unknown as Record<string, unknown>)[API_GLOBAL] as RegistryAuditApi | undefined
  api = fromPreload ?? createBrowserApi()
  return api
}

export interface CallOptions {
  /**
   * The caller shows this failure where it happened (a form, the query bar); it is still
   * recorded in the notifications store, but not raised as a toast.
   */
  inline?: boolean
}

/** Calls a contract method; a failure (including a transport exception) is reported and returned. */
export async function call<M extends MethodName>(
  method: M,
  args: ContractArgs<M>,
  options: CallOptions = {}
): Promise<Result<ContractResult<M>>> {
  let result: Result<ContractResult<M>>
  try {
    const fn = connectApi()[method] as unknown as (...a: ContractArgs<M>) => Promise<Result<ContractResult<M>>>
    result = await fn(...args)
  } catch (cause) {
    // The transport itself failed (the browser-mode server went away, a preload bug).
    const message = cause instanceof Error ? cause.message : String(cause)
    result = { ok: false, error: { code: 'NETWORK', message: `The app's core did not answer: ${message}` } }
  }
  if (!result.ok) reportFailure(method, result.error, options)
  return result
}

function reportFailure(method: MethodName, error: ErrorInfo, options: CallOptions): void {
  // A cancellation is what the user asked for, not a failure to report.
  if (error.code === 'CANCELLED') return
  useNotifications.getState().notifyError(method, error, options.inline === true)
}

/** Subscribes to an event the core pushes; returns the function that unsubscribes. */
export function onPush<E extends PushEventName>(event: E, listener: (payload: PushEvents[E]) => void): () => void {
  return connectApi().on(event, listener)
}
