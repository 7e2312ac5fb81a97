import type { Repositories } from '../data/repositories.js';
import {
  lifetimeViolations,
  OPEN_POLICY,
  type TokenLifetime,
  type TokenPolicy,
} from '../domain/token-policy.js';
import { invalid } from './errors.js';

/**
 * The account's token policy as a rule of handing out secrets, beside the grant rules
 * (grant-rules.ts): every path that returns a secret (create, clone, reset, an invitation's first
 * token) or moves an expiry (PATCH `/expiresAt`) calls `ensureWithinTokenPolicy`, so a rule
 * belongs to the capability, not to a route. Breaking it is a 400 naming the field and the rule.
 * Console sessions are not access tokens and are not governed by it.
 */

/** Where the rules read the account's policy (a repository, passed in by the service). */
export type PolicyLookup = Pick<Repositories['tokenPolicies'], 'get'>;

/** The account's policy (read strongly consistent: a rule just tightened applies at once). */
export async function accountTokenPolicy(policies: PolicyLookup, accountId: string): Promise<TokenPolicy> {
  return (await policies.get(accountId)) ?? OPEN_POLICY;
}

/** Refuses what breaks the policy, naming the first rule broken (400). */
export function ensureLifetimeAllowed(policy: TokenPolicy, lifetime: TokenLifetime, now: number): void {
  const [first] = lifetimeViolations(policy, lifetime, now);
  if (first !== undefined) throw invalid(first.message);
}

/** Reads the account's policy and refuses what breaks it. */
export async function ensureWithinTokenPolicy(
  policies: PolicyLookup,
  accountId: string,
  lifetime: TokenLifetime,
  now: number,
): Promise<void> {
  ensureLifetimeAllowed(await accountTokenPolicy(policies, accountId), lifetime, now);
}
