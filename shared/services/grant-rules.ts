import type { Repositories } from '../data/repositories.js';
import { type BuiltInRole, roleRank } from '../domain/built-in-roles.js';
import { rangeOutside } from '../domain/cidr.js';
import { type NamedPolicy, policiesWithin } from '../domain/containment.js';
import {
  type CustomRole,
  memberPolicies,
  rankRuleViolation,
  scopePolicies,
  type TokenHolder,
  type TokenScope,
} from '../domain/effective-permissions.js';
import { forbidden, invalid } from './errors.js';
import { holderOf, type Principal } from './principal.js';

/**
 * The rules for handing out rights, in one place. Every path that returns a secret (create, clone,
 * reset, accept) or changes what a secret may do (rescope) calls `ensureMayIssue`; every path that
 * changes what a member may do (invite, role and custom-role changes) calls `ensureMayGrant`.
 *
 * - Rank rule: a built-in role no higher than the holder's own; a custom role only if the holder
 *   has it or is an admin/owner.
 * - Born within: below admin, a scope (or grant) that allows anything the holder may not do now is
 *   refused, checked by `policiesWithin` (sound: what it accepts is truly within).
 * - Caller-token rule: a token narrower than its member hands out nothing beyond its own scope.
 * - Admins and owners calling with an admin-scoped token may issue any scope: the intersection with
 *   the member still bounds every request, and ownership changes are guarded in code, not by policy.
 */

/** Where the rules read custom role definitions (a repository, passed in by the service). */
export type RoleLookup = Pick<Repositories['roles'], 'getMany'>;

export interface Holder extends TokenHolder {
  readonly memberId: string;
}

const isAdmin = (holder: TokenHolder) =>
  holder.customRoles.length === 0 && (holder.role === 'admin' || holder.role === 'owner');

/** An admin or owner (or an admin service token) calling with an admin-scoped token. */
function hasFullStrength(principal: Principal): boolean {
  const adminToken = principal.scope.kind === 'role' && principal.scope.role === 'admin';
  return adminToken && (principal.member === null || isAdmin(principal.member));
}

/** Definitions of the custom roles named; a role that does not exist is a 400 naming the field. */
export async function customRoleDefinitions(
  roleLookup: RoleLookup,
  accountId: string,
  keys: readonly string[],
  field: string,
): Promise<Map<string, CustomRole>> {
  if (keys.length === 0) return new Map();
  const found = await roleLookup.getMany(accountId, keys);
  const roles = new Map(
    found.map((r) => [r.key, { key: r.key, policy: r.policy, basePermissions: r.basePermissions }]),
  );
  const missing = keys.find((key) => !roles.has(key));
  if (missing !== undefined) throw invalid(`${field}: custom role "${missing}" does not exist`);
  return roles;
}

function ensureWithin(inner: NamedPolicy[], outer: NamedPolicy[], whose: string): void {
  const result = policiesWithin(inner, outer);
  if (result.within) return;
  if (result.tooComplex) {
    throw invalid(
      `the scope is too large to check against what ${whose} may do; split it into smaller policies`,
    );
  }
  throw forbidden(
    `statement ${result.statement} of ${result.label} allows ${result.action} on ${result.resource}, which ${whose} may not do`,
  );
}

const selfOf = (principal: Principal) => (principal.serviceToken ? null : principal.memberId);

/** The caller's own side: their member (below admin) and their token both bound what they hand out. */
function ensureWithinCaller(principal: Principal, inner: NamedPolicy[]): void {
  if (hasFullStrength(principal)) return;
  const { member } = principal;
  if (member !== null && !isAdmin(member)) {
    ensureWithin(
      inner,
      memberPolicies({ memberId: principal.memberId, ...member }, principal.roles),
      'the member',
    );
  }
  ensureWithin(
    inner,
    scopePolicies(principal.scope, selfOf(principal), principal.roles),
    'the calling token',
  );
}

/** A token of `holder` with this scope is born within them: the rank rule, and below admin, containment. */
export function ensureBornWithin(
  holder: Holder,
  scope: TokenScope,
  roles: ReadonlyMap<string, CustomRole>,
  whose = 'the member',
): void {
  const violation = rankRuleViolation(holder, scope);
  if (violation !== null) throw forbidden(`${whose}: ${violation}`);
  if (isAdmin(holder)) return;
  ensureWithin(scopePolicies(scope, holder.memberId, roles), memberPolicies(holder, roles), whose);
}

/**
 * Whoever calls may hand a secret with this scope to `owner` (the caller's own member unless an
 * admin rescopes another member's token; null for a service token).
 */
export async function ensureMayIssue(
  roleLookup: RoleLookup,
  principal: Principal,
  scope: TokenScope,
  owner: Holder | null,
): Promise<void> {
  // The caller's own member's roles came with the principal (read by the authorizer on this call);
  // only the scope's roles (which must exist) and another member's roles are read here.
  const othersRoles = owner !== null && owner.memberId !== principal.memberId ? owner.customRoles : [];
  const keys = [...(scope.kind === 'customRoles' ? scope.roleKeys : []), ...othersRoles];
  const roles = new Map([
    ...principal.roles,
    ...(await customRoleDefinitions(roleLookup, principal.accountId, keys, 'customRoleIds')),
  ]);
  const violation = rankRuleViolation(holderOf(principal), scope);
  if (violation !== null) throw forbidden(violation);
  ensureWithinCaller(principal, scopePolicies(scope, owner?.memberId ?? null, roles));
  if (owner !== null && owner.memberId !== principal.memberId) {
    ensureBornWithin(owner, scope, roles, "the token's member");
  }
}

export interface Grant {
  readonly role: BuiltInRole;
  readonly customRoles: readonly string[];
}

/**
 * An invitation or a role change never grants beyond the granter: the grant is judged as if the
 * granter held it (a reader's own-token rights are about "self", whoever that is), against the
 * granter's member and token. The owner role itself is guarded by the callers (owner only).
 */
export async function ensureMayGrant(
  roleLookup: RoleLookup,
  principal: Principal,
  grant: Grant,
  fields: { readonly role: string; readonly customRoles: string },
): Promise<void> {
  const roles = await customRoleDefinitions(
    roleLookup,
    principal.accountId,
    grant.customRoles,
    fields.customRoles,
  );
  if (grant.role !== 'owner' && roleRank(grant.role) > roleRank(holderOf(principal).role)) {
    throw forbidden(`${fields.role}: nobody can give a member a role above their own`);
  }
  const granted = memberPolicies(
    { memberId: principal.memberId, ...grant },
    new Map([...principal.roles, ...roles]),
  );
  ensureWithinCaller(principal, granted);
}

/**
 * Defining a custom role (create, or an edit of its policy or base) never reaches beyond its
 * author: everyone who holds the role gets it at once, the author included, so below admin the
 * role (judged as if the author held it) must be within what the author may do now.
 */
export function ensureMayDefineRole(principal: Principal, role: CustomRole): void {
  const roles = new Map([...principal.roles, [role.key, role]]);
  ensureWithinCaller(
    principal,
    memberPolicies({ memberId: principal.memberId, role: 'no_access', customRoles: [role.key] }, roles),
  );
}

/**
 * A token bound to source ranges hands out and binds nothing wider than itself, as a narrow token
 * hands out no wider scope: the secret it creates, clones or resets, and the ranges it sets by
 * PATCH, lie within its own ranges (no binding at all is wider than any). Else whoever holds it
 * inside its ranges (a CI runner taken over) could mint a secret that works from anywhere, or
 * unbind itself. Every path that hands out a secret or sets a binding calls this (403): create,
 * clone, reset and PATCH (token-service.ts), and invitations (member-service.ts), whose first token
 * no binding follows, so a bound token invites no one.
 */
export function ensureBoundWithinCaller(
  principal: Principal,
  cidrs: readonly string[] | undefined,
  unbound = 'what it hands out or binds must be bound within them',
): void {
  const own = principal.allowedCidrs;
  if (own === undefined) return;
  const ranges = own.join(', ');
  if (cidrs === undefined)
    throw forbidden(`allowedCidrs: the calling token is bound to ${ranges}, so ${unbound}`);
  const outside = rangeOutside(cidrs, own);
  if (outside !== undefined)
    throw forbidden(`allowedCidrs: "${outside}" is outside the calling token's ranges (${ranges})`);
}
