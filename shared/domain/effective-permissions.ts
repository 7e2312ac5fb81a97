import type { Action } from './actions.js';
import {
  type BuiltInRole,
  builtInPolicy,
  compiledBuiltInPolicy,
  roleRank,
  type TokenRole,
} from './built-in-roles.js';
import type { NamedPolicy } from './containment.js';
import { CompiledPolicy, type Policy } from './policy.js';
import { formatResource, type Resource } from './resource.js';

export type BasePermissions = 'reader' | 'no_access';

export interface CustomRole {
  readonly key: string;
  readonly policy: Policy;
  readonly basePermissions: BasePermissions;
}

/** What a token is scoped to: exactly one of a built-in role, custom roles, or an inline policy. */
export type TokenScope =
  | { readonly kind: 'role'; readonly role: TokenRole }
  | { readonly kind: 'customRoles'; readonly roleKeys: readonly string[] }
  | { readonly kind: 'inline'; readonly policy: Policy };

export interface MemberGrant {
  readonly memberId: string;
  readonly role: BuiltInRole;
  readonly customRoles: readonly string[];
}

interface LabelledPolicy {
  readonly label: string;
  readonly policy: CompiledPolicy;
}

export interface PermissionExplanation {
  readonly allowed: boolean;
  readonly reason: string;
}

/**
 * A set of policies that allows a request when any one of them allows it: the union of a member's
 * custom roles, or of a token's. A single built-in role or inline policy is a set of one.
 */
export class PermissionSet {
  constructor(private readonly policies: readonly LabelledPolicy[]) {}

  allows(action: Action, resource: Resource): boolean {
    for (let i = 0; i < this.policies.length; i++)
      if (this.policies[i]!.policy.allows(action, resource)) return true;
    return false;
  }

  explain(action: Action, resource: Resource): PermissionExplanation {
    const denials: string[] = [];
    for (const { label, policy } of this.policies) {
      const { decision, statement } = policy.explain(action, resource);
      if (decision === 'allow')
        return { allowed: true, reason: `allowed by statement ${statement} of ${label}` };
      denials.push(
        decision === 'deny'
          ? `denied by statement ${statement} of ${label}`
          : `no statement of ${label} allows it`,
      );
    }
    if (denials.length === 0) return { allowed: false, reason: 'no role grants anything' };
    return { allowed: false, reason: denials.join('; ') };
  }
}

/** A custom role is one policy: its base permissions' statements together with its own. */
function customRolePolicy(role: CustomRole, self: string | null): Policy {
  const base = role.basePermissions === 'reader' ? builtInPolicy('reader', self) : [];
  return [...base, ...role.policy];
}

/**
 * The custom roles named, as policies. A role that no longer exists (deleted in a race with its
 * last assignment) grants nothing: failing closed, never open.
 */
function customRolePolicies(
  keys: readonly string[],
  roles: ReadonlyMap<string, CustomRole>,
  self: string | null,
): NamedPolicy[] {
  return keys.flatMap((key) => {
    const role = roles.get(key);
    return role === undefined
      ? []
      : [{ label: `custom role "${key}"`, policy: customRolePolicy(role, self) }];
  });
}

/** A member's policies: their built-in role while they have no custom roles, else those roles. */
export function memberPolicies(member: MemberGrant, roles: ReadonlyMap<string, CustomRole>): NamedPolicy[] {
  if (member.customRoles.length > 0) return customRolePolicies(member.customRoles, roles, member.memberId);
  return [{ label: `built-in role "${member.role}"`, policy: builtInPolicy(member.role, member.memberId) }];
}

/** A token scope's policies; `memberId` is null for service tokens. */
export function scopePolicies(
  scope: TokenScope,
  memberId: string | null,
  roles: ReadonlyMap<string, CustomRole>,
): NamedPolicy[] {
  switch (scope.kind) {
    case 'role':
      return [{ label: `token role "${scope.role}"`, policy: builtInPolicy(scope.role, memberId) }];
    case 'customRoles':
      return customRolePolicies(scope.roleKeys, roles, memberId);
    case 'inline':
      return [{ label: "the token's inline policy", policy: scope.policy }];
  }
}

const compiled = (policies: readonly NamedPolicy[]) =>
  new PermissionSet(policies.map(({ label, policy }) => ({ label, policy: new CompiledPolicy(policy) })));

/** A member's permissions now: their built-in role while they have no custom roles, else the union of those. */
export function memberPermissions(
  member: MemberGrant,
  roles: ReadonlyMap<string, CustomRole>,
): PermissionSet {
  if (member.customRoles.length > 0) return compiled(memberPolicies(member, roles));
  return new PermissionSet([
    { label: `built-in role "${member.role}"`, policy: compiledBuiltInPolicy(member.role, member.memberId) },
  ]);
}

/** What a token's own scope allows; `memberId` is null for service tokens. */
export function scopePermissions(
  scope: TokenScope,
  memberId: string | null,
  roles: ReadonlyMap<string, CustomRole>,
): PermissionSet {
  if (scope.kind === 'role')
    return new PermissionSet([
      { label: `token role "${scope.role}"`, policy: compiledBuiltInPolicy(scope.role, memberId) },
    ]);
  return compiled(scopePolicies(scope, memberId, roles));
}

export interface EffectiveDecision {
  readonly allowed: boolean;
  /** Which side denied: the token's own scope, or its member's current permissions. */
  readonly deniedBy?: 'token' | 'member';
  readonly reason: string;
}

/**
 * A token's rights on every request: its own scope AND its member's current permissions, so a
 * token never does more than its member can now. Service tokens (member null) have their scope alone.
 */
export class EffectivePermissions {
  constructor(
    readonly scope: PermissionSet,
    readonly member: PermissionSet | null,
  ) {}

  allows(action: Action, resource: Resource): boolean {
    return (
      this.scope.allows(action, resource) && (this.member === null || this.member.allows(action, resource))
    );
  }

  decide(action: Action, resource: Resource): EffectiveDecision {
    const target = `${action} on ${formatResource(resource)}`;
    const scope = this.scope.explain(action, resource);
    if (!scope.allowed)
      return {
        allowed: false,
        deniedBy: 'token',
        reason: `the token's scope does not allow ${target}: ${scope.reason}`,
      };
    if (this.member !== null) {
      const member = this.member.explain(action, resource);
      if (!member.allowed) {
        return {
          allowed: false,
          deniedBy: 'member',
          reason: `the token's member may not ${target}: ${member.reason}`,
        };
      }
    }
    return { allowed: true, reason: `${target} is allowed: ${scope.reason}` };
  }
}

export interface TokenHolder {
  readonly role: BuiltInRole;
  readonly customRoles: readonly string[];
}

/**
 * The rank rule for creating tokens: a built-in role no higher than the member's own
 * (reader < writer < admin < owner); a custom role only if the member has it or is admin/owner.
 * Returns the reason for refusing, or null.
 */
export function rankRuleViolation(holder: TokenHolder, scope: TokenScope): string | null {
  switch (scope.kind) {
    case 'role':
      return roleRank(scope.role) <= roleRank(holder.role)
        ? null
        : `a member with role "${holder.role}" cannot give a token the higher role "${scope.role}"`;
    case 'customRoles': {
      if (holder.role === 'admin' || holder.role === 'owner') return null;
      const missing = scope.roleKeys.find((key) => !holder.customRoles.includes(key));
      return missing === undefined
        ? null
        : `only a member who has custom role "${missing}", or an admin, can give it to a token`;
    }
    case 'inline':
      return null;
  }
}
