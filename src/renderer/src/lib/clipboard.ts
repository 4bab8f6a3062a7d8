import { useNotifications } from '../stores/notifications-store'

/** Copies text, telling the user whether it worked (a clipboard may be refused by the browser). */
export async function copyText(text: string, what: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    useNotifications.getState().notify({ tone: 'success', text: `Copied ${what}` })
    return true
  } catch {
    useNotifications.getState().notify({
      tone: 'error',
      text: `Could not copy ${what}: the clipboard is not available here. Select the text and copy it instead.`
    })
    return false
  }
}
