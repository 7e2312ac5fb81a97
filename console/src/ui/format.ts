const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatDate = (ms: number | undefined, never = 'Never'): string =>
  ms === undefined || ms === 0 ? never : dateTime.format(new Date(ms));

/** A listed token shows its last four characters only. */
export const obscured = (lastFour: string): string => `atk_••••••••${lastFour}`;

export const memberName = (member: { email: string; firstName?: string; lastName?: string }): string =>
  [member.firstName, member.lastName].filter(Boolean).join(' ') || member.email;
