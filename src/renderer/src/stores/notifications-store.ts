import { create } from 'zustand'
import type { ErrorInfo } from '../../../shared/errors'
import { describeError } from '../lib/error-advice'

/**
 * The one place every failed call surfaces (STYLE.md "Renderer"): the API module reports each
 * `{ ok: false }` here, so no component swallows an error.
 */
export type NotificationTone = 'error' | 'info' | 'success'

export interface AppNotification {
  id: number
  tone: NotificationTone
  /** Plain words for the user. */
  text: string
  /** The error code when the notification reports a failed call. */
  code?: ErrorInfo['code']
  /** The failed call, for the details line ("events:query"). */
  method?: string
  /** Shown where it happened (a form, the query bar), so it is kept here but not raised as a toast. */
  inline?: boolean
  createdAt: number
}

interface NotificationsState {
  items: AppNotification[]
  /** Adds a notification; an identical one already showing is refreshed instead of repeated. */
  notify: (notification: Omit<AppNotification, 'id' | 'createdAt'>) => number
  notifyError: (method: string, error: ErrorInfo, inline?: boolean) => number
  dismiss: (id: number) => void
  clear: () => void
}

/** At most this many notifications are kept; older ones drop off. */
const MAX_NOTIFICATIONS = 20

let nextId = 1

export const useNotifications = create<NotificationsState>()((set, get) => ({
  items: [],
  notify: (notification) => {
    const id = nextId++
    set((state) => {
      const others = state.items.filter(
        (item) => !(item.text === notification.text && item.tone === notification.tone)
      )
      const items = [...others, { ...notification, id, createdAt: Date.now() }]
      return { items: items.slice(-MAX_NOTIFICATIONS) }
    })
    return id
  },
  notifyError: (method, error, inline = false) =>
    get().notify({
      tone: 'error',
      text: `${describeError(error)} (${error.message})`,
      code: error.code,
      method,
      ...(inline ? { inline } : {})
    }),
  dismiss: (id) => set((state) => ({ items: state.items.filter((item) => item.id !== id) })),
  clear: () => set({ items: [] })
}))
