import type { TokenPolicyView } from '../schemas/token-policy.js';
import type { TokenPolicyState } from '../services/token-policy-service.js';
import { paginate } from './pagination.js';
import { API_BASE } from './routes.js';

const PATH = `${API_BASE}/account/token-policy`;

/** The policy's representation: every field (null for no limit) and a page of its violations. */
export function tokenPolicyView(
  { policy, violations }: TokenPolicyState,
  page: { limit: number; offset: number },
): TokenPolicyView {
  return {
    maxLifetimeDays: policy.maxLifetimeDays ?? null,
    requireExpiry: policy.requireExpiry,
    inactivityDays: policy.inactivityDays ?? null,
    serviceTokensAllowed: policy.serviceTokensAllowed,
    ...(policy.inactivitySince !== undefined ? { inactivitySince: policy.inactivitySince } : {}),
    ...(policy.lastModified !== undefined ? { lastModified: policy.lastModified } : {}),
    violations: paginate(violations, page, PATH),
    _links: { self: { href: PATH, type: 'application/json' } },
  };
}
