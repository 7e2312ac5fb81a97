import { withChangeContext } from '../data/change-context.js';
import { type DueReminder, lifecycleRepo } from '../data/lifecycle-repo.js';
import { tokenPolicyRepo } from '../data/token-policy-repo.js';
import { tokenRepo } from '../data/token-repo.js';
import { DAY_MS, reminderAfter, reminderDue } from '../domain/token-lifecycle.js';
import { isInactive } from '../domain/token-policy.js';
import { type AccessEvent, accessEvent } from '../events/events.js';
import { publish as publishEvents } from '../events/publisher.js';

/**
 * The scheduled sweep of tokens' lifecycles (every 15 minutes on AWS, every second locally, like
 * the grace sweeper): expiry reminders and inactivity revocation. It scales with the work due, not
 * with the table: reminders come from the sparse byReminder index (a token is in it only while a
 * reminder is ahead, under the UTC day that reminder is due, and the sweep moves it on or out), and
 * inactive tokens from byActivity, queried only for accounts whose policy sets `inactivityDays`
 * (the sparse byInactivityPolicy index), each read stopping at the cutoff.
 */

export interface LifecycleDependencies {
  readonly lifecycle: typeof lifecycleRepo;
  readonly tokens: Pick<typeof tokenRepo, 'get' | 'revoke'>;
  readonly policies: Pick<typeof tokenPolicyRepo, 'withInactivityLimit'>;
  readonly publish: (events: readonly AccessEvent[]) => Promise<void>;
}

const defaults: LifecycleDependencies = {
  lifecycle: lifecycleRepo,
  tokens: tokenRepo,
  policies: tokenPolicyRepo,
  publish: publishEvents,
};

/** How many days back the sweep looks for reminders still due: a week of the sweep being down. */
const CATCH_UP_DAYS = 8;

/**
 * What a sweep writes is the system's doing, whatever context it was started from: a timer or a
 * promise made while a request ran (locally, where requests and sweeps share one process) carries
 * that request's change context, and would stamp the request's actor and origin on the revocations.
 */
const asSystem = <T>(run: () => Promise<T>): Promise<T> => withChangeContext({ kind: 'system' }, {}, run);

export interface SweepResult {
  readonly reminded: number;
  readonly revoked: number;
}

/** One reminder: claimed (once ever), published, the token moved on; a failed publish gives the claim back. */
async function remind(due: DueReminder, now: number, deps: LifecycleDependencies): Promise<boolean> {
  // The index is eventually consistent: the token as it is now decides (a changed expiry was put
  // back in the index by its own write, and is left to it).
  const token = await deps.tokens.get(due.token.accountId, due.token.tokenId, true);
  if (token === undefined || token.expiresAt !== due.token.expiresAt) return false;
  const expiresAt = token.expiresAt;
  const daysLeft = expiresAt === undefined ? undefined : reminderDue(expiresAt, now);
  if (expiresAt === undefined || daysLeft === undefined) {
    // Expired, or a token moved on since (its item says when): nothing to send now.
    if (expiresAt === undefined || expiresAt <= now) await deps.lifecycle.moveReminder(due, undefined);
    return false;
  }
  let sent = false;
  if (await deps.lifecycle.claimReminder(token, expiresAt, daysLeft, now)) {
    const fields = {
      accountId: token.accountId,
      memberId: token.memberId,
      tokenId: token.tokenId,
      occurredAt: now,
      expiresAt,
      daysLeft,
    };
    // The same token, expiry and threshold give the same id: a consumer drops a repeat by it.
    const event = accessEvent('Token Expiring', fields, [token.tokenId, String(expiresAt), String(daysLeft)]);
    try {
      await deps.publish([event]);
      sent = true;
    } catch (error) {
      await deps.lifecycle.releaseReminder(token, expiresAt, daysLeft);
      throw error;
    }
  }
  await deps.lifecycle.moveReminder(due, reminderAfter(daysLeft, expiresAt));
  return sent;
}

/** Sends the expiry reminders due by `now`: each (token, expiry, threshold) once, however often this runs. */
export function sendExpiryReminders(now = Date.now(), deps = defaults): Promise<number> {
  return asSystem(async () => {
    let reminded = 0;
    for (let back = CATCH_UP_DAYS; back >= 0; back--) {
      for (const due of await deps.lifecycle.dueReminders(now - back * DAY_MS, now)) {
        if (await remind(due, now, deps)) reminded++;
      }
    }
    return reminded;
  });
}

/**
 * Revokes the tokens unused for their account's `inactivityDays` (reason `inactive`), the way a
 * member's removal revokes theirs: the token, its hash items and a revocation record in one
 * transaction, conditional on the token being unchanged and still unused, so the tokens stream
 * handler flushes the authorizer cache and publishes `Token Revoked`.
 */
export function revokeInactiveTokens(now = Date.now(), deps = defaults): Promise<number> {
  return asSystem(async () => {
    let revoked = 0;
    for (const policy of await deps.policies.withInactivityLimit()) {
      if (policy.inactivityDays === undefined) continue;
      const cutoff = now - policy.inactivityDays * DAY_MS;
      // A limit set or tightened lately: no token has had the whole period yet.
      if ((policy.inactivitySince ?? 0) >= cutoff) continue;
      for (const token of await deps.lifecycle.unusedSince(policy.accountId, cutoff)) {
        if (token.session === true || !isInactive(policy, token.lastUsed ?? token.creationDate, now))
          continue;
        if (await deps.tokens.revoke(token, { reason: 'inactive', revokedAt: now }, cutoff)) revoked++;
      }
    }
    return revoked;
  });
}

/** The whole sweep: reminders, then inactivity. */
export async function sweepLifecycles(now = Date.now(), deps = defaults): Promise<SweepResult> {
  const reminded = await sendExpiryReminders(now, deps);
  const revoked = await revokeInactiveTokens(now, deps);
  return { reminded, revoked };
}
