import { beforeEach, describe, expect, it } from 'vitest'
import { useNotifications } from '../../src/renderer/src/stores/notifications-store'

describe('the notifications store', () => {
  beforeEach(() => useNotifications.getState().clear())

  it('turns a failed call into plain words with the fix and the core’s message', () => {
    useNotifications.getState().notifyError('startSync', { code: 'AUTH_FAILED', message: 'hub: authentication failed (401)' })
    const [item] = useNotifications.getState().items
    expect(item).toMatchObject({
      tone: 'error',
      code: 'AUTH_FAILED',
      method: 'startSync',
      text: 'Token rejected — update the token in the account settings. (hub: authentication failed (401))'
    })
    expect(item?.inline).toBeUndefined()
  })

  it('marks failures shown where they happened, so they are kept but not raised as toasts', () => {
    useNotifications.getState().notifyError('addAccount', { code: 'CONFLICT', message: 'exists' }, true)
    expect(useNotifications.getState().items[0]?.inline).toBe(true)
  })

  it('refreshes a repeated notification instead of stacking copies, and keeps only the latest twenty', () => {
    const { notify } = useNotifications.getState()
    const first = notify({ tone: 'error', text: 'same' })
    const second = notify({ tone: 'error', text: 'same' })
    expect(second).not.toBe(first)
    expect(useNotifications.getState().items.map((item) => item.id)).toEqual([second])
    for (let i = 0; i < 30; i += 1) notify({ tone: 'info', text: `n${i}` })
    const items = useNotifications.getState().items
    expect(items).toHaveLength(20)
    expect(items.at(-1)?.text).toBe('n29')
    useNotifications.getState().dismiss(items[0]!.id)
    expect(useNotifications.getState().items).toHaveLength(19)
  })
})
