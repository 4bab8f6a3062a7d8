import { useEffect, type ReactNode } from 'react'
import { useNotifications, type AppNotification } from '../stores/notifications-store'

/** How long a toast stays; errors stay until dismissed. */
const TOAST_MS = 4000

/** Toasts for failed calls and short confirmations. Errors stay until the user dismisses them. */
export function Notifications(): ReactNode {
  const items = useNotifications((state) => state.items)
  const shown = items.filter((item) => item.inline !== true).slice(-4)
  return (
    <div className="toasts" aria-live="polite" aria-relevant="additions" data-testid="notifications">
      {shown.map((item) => (
        <Toast key={item.id} item={item} />
      ))}
    </div>
  )
}

function Toast({ item }: { item: AppNotification }): ReactNode {
  const dismiss = useNotifications((state) => state.dismiss)
  useEffect(() => {
    if (item.tone === 'error') return
    const timer = window.setTimeout(() => dismiss(item.id), TOAST_MS)
    return () => window.clearTimeout(timer)
  }, [item, dismiss])
  return (
    <div
      className={`toast ${item.tone}`}
      role={item.tone === 'error' ? 'alert' : 'status'}
      data-testid="notification"
      data-tone={item.tone}
      data-code={item.code}
    >
      <span className="toast-text">{item.text}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(item.id)}>
        ×
      </button>
    </div>
  )
}
