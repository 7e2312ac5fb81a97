import {
  type BuiltInRole,
  builtInPolicy,
  compiledBuiltInPolicy,
  roleRank,
  type TokenRole,
} from './built-in-roles.js';
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

  allows(action: string, resource: Resource): boolean {
    for (let i = 0; i < this.policies.length; i++)
      if (this.policies[i]!.policy.allows(action, resource)) return true;
    return false;
  }

  explain(action: string, resource: Resource): PermissionExplanation {
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
function customRolePolicy(role: CustomRole, self: string | null): CompiledPolicy {
  const base = role.basePermissions === 'reader' ? builtInPolicy('reader', self) : [];
  return new CompiledPolicy([...base, ...role.policy]);
}

/**
 * The union of custom roles. A role that no longer exists (deleted in a race with its last
 * assignment) grants nothing: failing closed, never open.
 */
function customRoleSet(keys: readonly string[], roles: ReadonlyMap<string, CustomRole>, self: string | null) {
  return new PermissionSet(
    keys.flatMap((key) => {
      const role = roles.get(key);
      return role === undefined
        ? []
        : [{ label: `custom role "${key}"`, policy: customRolePolicy(role, self) }];
    }),
  );
}

/** A member's permissions now: their built-in role while they have no custom roles, else the union of those. */
export function memberPermissions(
  member: MemberGrant,
  roles: ReadonlyMap<string, CustomRole>,
): PermissionSet {
  if (member.customRoles.length > 0) return customRoleSet(member.customRoles, roles, member.memberId);
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
  switch (scope.kind) {
    case 'role':
      return new PermissionSet([
        { label: `token role "${scope.role}"`, policy: compiledBuiltInPolicy(scope.role, memberId) },
      ]);
    case 'customRoles':
      return customRoleSet(scope.roleKeys, roles, memberId);
    case 'inline':
      return new PermissionSet([
        { label: "the token's inline policy", policy: new CompiledPolicy(scope.policy) },
      ]);
  }
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

  allows(action: string, resource: Resource): boolean {
    return (
      this.scope.allows(action, resource) && (this.member === null || this.member.allows(action, resource))
    );
  }

  decide(action: string, resource: Resource): EffectiveDecision {
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

/**
 * A token cannot hand out more than it has itself, even when its member could: a token whose scope
 * is narrower than its member may create (or rescope to) only a built-in role no higher than its
 * own, some of its own custom roles, or its own inline policy. Without this a reader token of an
 * admin could mint an admin token. Returns the reason for refusing, or null.
 */
export function callerTokenViolation(
  callerScope: TokenScope,
  holder: TokenHolder,
  scope: TokenScope,
): string | null {
  if (callerScope.kind === 'role') {
    // An admin token is as strong as an owner's token can be: no token holds the owner role.
    const memberRank = Math.min(roleRank(holder.role), roleRank('admin'));
    const asStrongAsMember =
      holder.customRoles.length === 0
        ? roleRank(callerScope.role) >= memberRank
        : callerScope.role === 'admin';
    if (asStrongAsMember) return null;
    if (scope.kind === 'role' && roleRank(scope.role) <= roleRank(callerScope.role)) return null;
    return `a token with role "${callerScope.role}" can only give a token a built-in role no higher than its own`;
  }
  if (callerScope.kind === 'customRoles') {
    const own = callerScope.roleKeys;
    if (scope.kind === 'customRoles' && scope.roleKeys.every((key) => own.includes(key))) return null;
    return 'a token scoped by custom roles can only give a token some of its own custom roles';
  }
  if (scope.kind === 'inline' && JSON.stringify(scope.policy) === JSON.stringify(callerScope.policy))
    return null;
  return 'a token scoped by an inline policy can only give a token that same policy';
}
