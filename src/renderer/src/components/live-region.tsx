import { useEffect, useState, type ReactNode } from 'react'
import { formatCount } from '../lib/format'
import { useEvents } from '../stores/events-store'

/** Announces result counts to screen readers when a view's count arrives. */
export function LiveRegion(): ReactNode {
  const count = useEvents((state) => state.count)
  const status = useEvents((state) => state.status)
  const [message, setMessage] = useState('')
  useEffect(() => {
    if (status === 'error') setMessage('The events could not be loaded')
    else if (count !== null) {
      setMessage(`${formatCount(count.count)}${count.exact ? '' : ' or more'} ${count.count === 1 ? 'event' : 'events'} match`)
    }
  }, [count, status])
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="live-region">
      {message}
    </div>
  )
}
