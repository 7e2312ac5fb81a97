import { DAY_MS } from './token-lifecycle.js';

/**
 * An account's token policy (API.md "Token lifecycle"), as GitHub and GitLab let an organization
 * set one: a cap on how long a token may still live, whether every token must expire, when unused
 * tokens are retired, and whether service tokens may be made at all.
 */
export interface TokenPolicy {
  /** At most this many days between now and a token's expiry (absent: no cap). Implies an expiry. */
  readonly maxLifetimeDays?: number;
  /** Every token must have an `expiresAt`. */
  readonly requireExpiry: boolean;
  /** Tokens unused (or, never used, created) this many days ago are revoked (`inactive`). */
  readonly inactivityDays?: number;
  readonly serviceTokensAllowed: boolean;
}

/** An account that never set a policy has this one: nothing is limited. */
export const OPEN_POLICY: TokenPolicy = { requireExpiry: false, serviceTokensAllowed: true };

export const POLICY_RULES = [
  'maxLifetimeDays',
  'requireExpiry',
  'inactivityDays',
  'serviceTokensAllowed',
] as const;
export type PolicyRule = (typeof POLICY_RULES)[number];

export interface PolicyViolation {
  readonly rule: PolicyRule;
  /** Names the field and the rule, e.g. "expiresAt: the account's token policy allows at most 30 days". */
  readonly message: string;
}

/** What a path hands out or changes: a secret of a (service) token, and the expiry it will have. */
export interface TokenLifetime {
  /** A secret of a service token is handed out (create, clone or reset of one). */
  readonly issuesServiceToken: boolean;
  readonly expiresAt: number | undefined;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * The rules a token's lifetime breaks at `now`, first the one to fix first. The one judge of
 * creation, clone, reset, acceptance and expiry changes (shared/services/lifetime-rules.ts), and of
 * existing tokens when the policy is read (their violations).
 */
export function lifetimeViolations(
  policy: TokenPolicy,
  lifetime: TokenLifetime,
  now: number,
): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  if (lifetime.issuesServiceToken && !policy.serviceTokensAllowed)
    found.push({
      rule: 'serviceTokensAllowed',
      message: "serviceToken: the account's token policy allows no service tokens",
    });
  const { maxLifetimeDays } = policy;
  if (lifetime.expiresAt === undefined) {
    if (maxLifetimeDays !== undefined)
      found.push({
        rule: 'maxLifetimeDays',
        message: `expiresAt: the account's token policy allows at most ${plural(maxLifetimeDays, 'day')}, so every token must expire`,
      });
    else if (policy.requireExpiry)
      found.push({
        rule: 'requireExpiry',
        message: "expiresAt: the account's token policy requires an expiry",
      });
  } else if (maxLifetimeDays !== undefined && lifetime.expiresAt > now + maxLifetimeDays * DAY_MS) {
    found.push({
      rule: 'maxLifetimeDays',
      message: `expiresAt: the account's token policy allows at most ${plural(maxLifetimeDays, 'day')}`,
    });
  }
  return found;
}

/** Whether a token last used (or created) at `lastActivity` is past the inactivity limit at `now`. */
export function isInactive(
  policy: TokenPolicy & { readonly inactivitySince?: number },
  lastActivity: number,
  now: number,
): boolean {
  if (policy.inactivityDays === undefined) return false;
  const cutoff = now - policy.inactivityDays * DAY_MS;
  // Tightening the policy gives every token the full period from then on: none dies at once.
  return Math.max(lastActivity, policy.inactivitySince ?? 0) < cutoff;
}

/**
 * The expiry of a token made where nobody chooses one (an invitation's first token): the longest
 * the policy allows, or 30 days where it only requires an expiry; none where it requires nothing.
 */
export function defaultExpiry(policy: TokenPolicy, now: number): number | undefined {
  if (policy.maxLifetimeDays !== undefined) return now + policy.maxLifetimeDays * DAY_MS;
  return policy.requireExpiry ? now + 30 * DAY_MS : undefined;
}
