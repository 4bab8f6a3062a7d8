import { ACTIVITIES, type Activity } from '../../../shared/event'

/**
 * One colour per activity, for the histogram's stacks and the table's activity badges. The
 * destructive ones are warm, the routine ones cool, so a burst of deletes stands out at a glance.
 * Each is a CSS custom property (styles.css sets light and dark values).
 */
export const ACTIVITY_ORDER: readonly Activity[] = ACTIVITIES

export function activityColorVar(activity: string): string {
  return (ACTIVITIES as readonly string[]).includes(activity) ? `var(--act-${activity})` : 'var(--act-other)'
}
