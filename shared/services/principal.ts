import { z } from 'zod';
import { BUILT_IN_ROLES, type BuiltInRole } from '../domain/built-in-roles.js';
import {
  type CustomRole,
  EffectivePermissions,
  memberPermissions,
  scopePermissions,
  type TokenHolder,
  type TokenScope,
} from '../domain/effective-permissions.js';
import { storedPolicySchema } from '../domain/policy.js';
import type { PrincipalData } from './authorizer-context.js';

/** Who is calling: the verified token, its member as they are now, and what the two allow together. */
export interface Principal {
  readonly accountId: string;
  readonly tokenId: string;
  readonly tokenName: string;
  readonly serviceToken: boolean;
  /** The token's owner (personal) or creator (service). */
  readonly memberId: string;
  /** The member as read on this call; null for a service token (its scope alone decides). */
  readonly member: {
    readonly role: BuiltInRole;
    readonly customRoles: readonly string[];
    readonly email: string;
    readonly isOwner: boolean;
  } | null;
  readonly scope: TokenScope;
  /** Definitions of the custom roles that the scope and the member refer to. */
  readonly roles: ReadonlyMap<string, CustomRole>;
  /**
   * When the presented secret stops working (the token's expiry, or the end of a reset's grace):
   * a cached authorizer answer must not outlive it.
   */
  readonly validUntil?: number;
  /** The credential is a console session (`POST /sessions`), not an access token. */
  readonly session?: true;
  /**
   * The calling token's IP binding (normal form, shared/domain/cidr.ts), when it has one: what it
   * hands out or binds stays within it (`ensureBoundWithinCaller` in grant-rules.ts).
   */
  readonly allowedCidrs?: readonly string[];
  readonly permissions: EffectivePermissions;
}

export type { PrincipalData } from './authorizer-context.js';

/**
 * What the caller holds for the rank rules: their member's roles, or for a service token (which
 * has no member) its own scope.
 */
export function holderOf(principal: Principal): TokenHolder {
  if (principal.member !== null) return principal.member;
  const { scope } = principal;
  return {
    role: scope.kind === 'role' ? scope.role : 'reader',
    customRoles: scope.kind === 'customRoles' ? scope.roleKeys : [],
  };
}

export function buildPrincipal(data: PrincipalData): Principal {
  const member =
    data.member === null ? null : memberPermissions({ memberId: data.memberId, ...data.member }, data.roles);
  const scope = scopePermissions(data.scope, data.serviceToken ? null : data.memberId, data.roles);
  return { ...data, permissions: new EffectivePermissions(scope, member) };
}

const scopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('role'), role: z.enum(['reader', 'writer', 'admin']) }),
  z.object({ kind: z.literal('customRoles'), roleKeys: z.array(z.string()) }),
  z.object({ kind: z.literal('inline'), policy: storedPolicySchema }),
]);

const contextSchema = z.object({
  accountId: z.string().min(1),
  tokenId: z.string().min(1),
  tokenName: z.string(),
  serviceToken: z.enum(['true', 'false']),
  memberId: z.string().min(1),
  member: z.string(),
  scope: z.string(),
  roles: z.string(),
  validUntil: z.string().regex(/^\d+$/).optional(),
  session: z.literal('true').optional(),
  allowedCidrs: z.string().min(1).optional(),
});

const memberSchema = z
  .object({
    role: z.enum(BUILT_IN_ROLES),
    customRoles: z.array(z.string()),
    email: z.string(),
    isOwner: z.boolean(),
  })
  .nullable();

const rolesSchema = z.array(
  z.object({ key: z.string(), policy: storedPolicySchema, basePermissions: z.enum(['reader', 'no_access']) }),
);

/** Rebuilds the principal from the context; null when the context is missing or not ours. */
export function principalFromContext(context: unknown): Principal | null {
  const parsed = contextSchema.safeParse(context);
  if (!parsed.success) return null;
  try {
    const c = parsed.data;
    const roles = rolesSchema.parse(JSON.parse(c.roles));
    return buildPrincipal({
      accountId: c.accountId,
      tokenId: c.tokenId,
      tokenName: c.tokenName,
      serviceToken: c.serviceToken === 'true',
      memberId: c.memberId,
      member: memberSchema.parse(JSON.parse(c.member)),
      scope: scopeSchema.parse(JSON.parse(c.scope)),
      roles: new Map(roles.map((r) => [r.key, r])),
      ...(c.validUntil !== undefined ? { validUntil: Number(c.validUntil) } : {}),
      ...(c.session === 'true' ? { session: true as const } : {}),
      ...(c.allowedCidrs !== undefined ? { allowedCidrs: c.allowedCidrs.split(',') } : {}),
    });
  } catch {
    return null;
  }
}
