/**
 * When a token's expiry reminders fall due (API.md "Token lifecycle"): `Token Expiring` goes out
 * once when a token's remaining life reaches 7 days and once when it reaches 1 day. A token gets
 * the reminders of the thresholds it lived past: one created with 3 days to live gets only the
 * 1-day reminder, one created with 20 hours none. A new `expiresAt` starts again.
 */
export const REMINDER_DAYS = [7, 1] as const;
export type ReminderDays = (typeof REMINDER_DAYS)[number];

export const DAY_MS = 24 * 60 * 60 * 1000;

const thresholdTime = (expiresAt: number, days: number) => expiresAt - days * DAY_MS;

/** When the first reminder of a token is due: the first threshold it lives past (none if none). */
export function firstReminderAt(expiresAt: number, creationDate: number): number | undefined {
  for (const days of REMINDER_DAYS) {
    const at = thresholdTime(expiresAt, days);
    if (at > creationDate) return at;
  }
  return undefined;
}

/**
 * The reminder due at `now`: the lowest threshold reached (a sweep that first sees a token with
 * under a day left sends the 1-day reminder only); none once expired or before 7 days are left.
 */
export function reminderDue(expiresAt: number, now: number): ReminderDays | undefined {
  const left = expiresAt - now;
  if (left <= 0) return undefined;
  return [...REMINDER_DAYS].reverse().find((days) => left <= days * DAY_MS);
}

/** When the reminder after the `days` one is due (undefined after the last). */
export function reminderAfter(days: ReminderDays, expiresAt: number): number | undefined {
  const next = REMINDER_DAYS[REMINDER_DAYS.indexOf(days) + 1];
  return next === undefined ? undefined : thresholdTime(expiresAt, next);
}

/**
 * How often the lifecycle sweep runs deployed (an EventBridge schedule); locally, seconds for
 * minutes, as the grace sweeper (every minute deployed, every second locally).
 */
export const LIFECYCLE_SWEEP_MINUTES = 15;
