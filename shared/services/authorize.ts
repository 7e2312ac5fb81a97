import type { Action } from '../domain/actions.js';
import type { Resource } from '../domain/resource.js';
import { countAuthorization } from '../observability/metrics.js';
import { forbidden, notFound } from './errors.js';
import type { Principal } from './principal.js';

/**
 * 403 with the effective decision's reason (which side denied) unless the action is allowed; the
 * refusal is counted as an `Authorizations` denial by that side.
 */
export function ensureAllowed(principal: Principal, action: Action, resource: Resource): void {
  const decision = principal.permissions.decide(action, resource);
  if (decision.allowed) return;
  countAuthorization({
    outcome: 'deny',
    reason: decision.deniedBy === 'member' ? 'member_denied' : 'scope_denied',
  });
  throw forbidden(decision.reason);
}

/** 404, as if it did not exist, unless the caller may view it: ids cannot be probed. */
export function ensureVisible(principal: Principal, action: Action, resource: Resource, what: string): void {
  if (!principal.permissions.allows(action, resource)) throw notFound(what);
}
