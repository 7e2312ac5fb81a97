import type { Repositories } from '../data/repositories.js';
import type { TokenPolicyRecord } from '../data/token-policy-repo.js';
import type { TokenRecord } from '../data/token-repo.js';
import { resources } from '../domain/resource.js';
import {
  isInactive,
  lifetimeViolations,
  OPEN_POLICY,
  type PolicyRule,
  type TokenPolicy,
} from '../domain/token-policy.js';
import { ensureAllowed } from './authorize.js';
import type { Principal } from './principal.js';
import { tokenResource } from './token-service.js';

/** A token that breaks the policy as it is now: it keeps working (or, inactive, waits for the sweep). */
export interface TokenPolicyViolation {
  readonly tokenId: string;
  readonly name: string;
  readonly memberId: string;
  readonly serviceToken: boolean;
  readonly rule: PolicyRule;
  readonly message: string;
}

export interface TokenPolicyState {
  readonly policy: TokenPolicy & Partial<Pick<TokenPolicyRecord, 'inactivitySince' | 'lastModified'>>;
  /** Oldest token first; only tokens the caller may view. */
  readonly violations: TokenPolicyViolation[];
}

const isLive = (token: TokenRecord, now: number) =>
  token.session !== true && (token.expiresAt === undefined || token.expiresAt > now);

/** What breaks the policy in one token (each rule once), judged as a new secret of it would be. */
function violationsOf(
  policy: TokenPolicyState['policy'],
  token: TokenRecord,
  now: number,
): TokenPolicyViolation[] {
  const base = {
    tokenId: token.tokenId,
    name: token.name,
    memberId: token.memberId,
    serviceToken: token.serviceToken,
  };
  const found: TokenPolicyViolation[] = lifetimeViolations(
    policy,
    { issuesServiceToken: token.serviceToken, expiresAt: token.expiresAt },
    now,
  ).map((v) => ({ ...base, ...v }));
  if (isInactive(policy, token.lastUsed ?? token.creationDate, now)) {
    found.push({
      ...base,
      rule: 'inactivityDays',
      message: `unused for more than ${policy.inactivityDays} days: the next sweep revokes it`,
    });
  }
  return found;
}

/**
 * The account's token policy: anyone in the account may read it (it is the rule they create tokens
 * under), with the violations among the tokens they may view; only callers allowed
 * `updateTokenPolicy` on `acct` (admins and the owner, by the built-in roles) may change it.
 * Tightening it kills no token at once: the tokens that break it are reported, and an inactivity
 * limit counts from when it was set or tightened.
 */
export function tokenPolicyService({
  tokens,
  tokenPolicies,
}: Pick<Repositories, 'tokens' | 'tokenPolicies'>) {
  async function state(
    principal: Principal,
    stored: TokenPolicyRecord | undefined,
  ): Promise<TokenPolicyState> {
    const policy = stored ?? OPEN_POLICY;
    const now = Date.now();
    const violations = (await tokens.listByAccount(principal.accountId))
      .filter((t) => isLive(t, now) && principal.permissions.allows('viewAccessToken', tokenResource(t)))
      .sort((a, b) => a.creationDate - b.creationDate || a.tokenId.localeCompare(b.tokenId))
      .flatMap((t) => violationsOf(policy, t, now));
    return { policy, violations };
  }

  return {
    async get(principal: Principal): Promise<TokenPolicyState> {
      return state(principal, await tokenPolicies.get(principal.accountId));
    },

    /** Replaces the policy (every field given); answers with the violations it now finds. */
    async put(principal: Principal, next: TokenPolicy): Promise<TokenPolicyState> {
      ensureAllowed(principal, 'updateTokenPolicy', resources.account());
      const current = await tokenPolicies.get(principal.accountId);
      const now = Date.now();
      const tightened =
        next.inactivityDays !== undefined &&
        (current?.inactivityDays === undefined || next.inactivityDays < current.inactivityDays);
      const since = tightened ? now : current?.inactivitySince;
      const record: TokenPolicyRecord = {
        accountId: principal.accountId,
        requireExpiry: next.requireExpiry,
        serviceTokensAllowed: next.serviceTokensAllowed,
        ...(next.maxLifetimeDays !== undefined ? { maxLifetimeDays: next.maxLifetimeDays } : {}),
        ...(next.inactivityDays !== undefined ? { inactivityDays: next.inactivityDays } : {}),
        ...(next.inactivityDays !== undefined && since !== undefined ? { inactivitySince: since } : {}),
        lastModified: now,
        version: (current?.version ?? 0) + 1,
      };
      await tokenPolicies.put(record, current?.version ?? 0);
      return state(principal, record);
    },
  };
}

export type TokenPolicyService = ReturnType<typeof tokenPolicyService>;
