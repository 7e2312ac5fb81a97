import { z } from 'zod';
import { TOKEN_ROLES } from '../domain/built-in-roles.js';
import { MAX_ALLOWED_CIDRS, parseCidr } from '../domain/cidr.js';
import type { TokenScope } from '../domain/effective-permissions.js';
import { type Policy, policySchema } from '../domain/policy.js';
import { descriptionSchema, keySchema, nameSchema } from './common.js';

const scopeFields = {
  role: z.enum(TOKEN_ROLES).optional(),
  customRoleIds: z.array(keySchema).max(50).optional(),
  inlineRole: policySchema.optional(),
};

interface ScopeFields {
  role?: (typeof TOKEN_ROLES)[number];
  customRoleIds?: string[];
  inlineRole?: Policy;
}

/** The scope a body names: exactly one of `role`, non-empty `customRoleIds`, non-empty `inlineRole`. */
export function scopeOf(fields: ScopeFields): TokenScope | string {
  const given = [
    fields.role !== undefined ? 'role' : null,
    fields.customRoleIds !== undefined && fields.customRoleIds.length > 0 ? 'customRoleIds' : null,
    fields.inlineRole !== undefined && fields.inlineRole.length > 0 ? 'inlineRole' : null,
  ].filter((f) => f !== null);
  if (given.length !== 1) {
    return given.length === 0
      ? 'a scope is required: exactly one of "role", "customRoleIds" or "inlineRole"'
      : `exactly one scope is allowed, got ${given.map((g) => `"${g}"`).join(' and ')}`;
  }
  if (fields.role !== undefined) return { kind: 'role', role: fields.role };
  if (fields.customRoleIds !== undefined && fields.customRoleIds.length > 0)
    return { kind: 'customRoles', roleKeys: [...new Set(fields.customRoleIds)] };
  return { kind: 'inline', policy: fields.inlineRole ?? [] };
}

/**
 * LaunchDarkly's REST API versions a token may default to (its `defaultApiVersion`). This service
 * speaks one version; the field is stored and returned so that clients written for LaunchDarkly keep
 * working, and requests with any of these versions are answered the same way.
 */
export const API_VERSIONS = [20160426, 20191212, 20220603, 20240415] as const;

export const apiVersionSchema = z
  .number()
  .int()
  .refine((v) => (API_VERSIONS as readonly number[]).includes(v), {
    message: `must be one of ${API_VERSIONS.join(', ')}`,
  });

/**
 * IP binding: the source ranges a token may be used from (absent or empty: anywhere). Each is
 * checked here so that a 400 names the bad one (`allowedCidrs.2: "10.0.0.0/33": …`); the service
 * stores them in normal form (shared/domain/cidr.ts).
 */
export const allowedCidrsSchema = z
  .array(
    z
      .string()
      .max(64)
      .superRefine((text, ctx) => {
        const parsed = parseCidr(text);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
      }),
  )
  .max(MAX_ALLOWED_CIDRS)
  .describe(
    `Source addresses the token may be used from: at most ${MAX_ALLOWED_CIDRS} IPv4 or IPv6 CIDR ranges or addresses (stored normalised: \`10.0.0.1/8\` becomes \`10.0.0.0/8\`, a bare address a /32 or /128). A call from any other address is refused like an invalid token. Absent or empty: any address.`,
  );

export const createTokenSchema = z.strictObject({
  name: nameSchema,
  description: descriptionSchema.optional(),
  ...scopeFields,
  serviceToken: z.boolean().optional(),
  expiresAt: z.number().int().positive().optional(),
  defaultApiVersion: apiVersionSchema.optional(),
  allowedCidrs: allowedCidrsSchema.optional(),
});

/** The writable fields of a token's representation after a PATCH. */
export const editableTokenSchema = z.object({
  name: nameSchema,
  description: descriptionSchema.optional(),
  ...scopeFields,
  expiresAt: z.number().int().positive().nullable().optional(),
  defaultApiVersion: apiVersionSchema,
  allowedCidrs: allowedCidrsSchema.optional(),
});

export const cloneTokenSchema = z.strictObject({
  name: nameSchema,
  description: descriptionSchema.optional(),
  /** Absent: the source's ranges (a clone is never less bound than its source unless asked); `[]`: none. */
  allowedCidrs: allowedCidrsSchema.optional(),
  /** A clone does not take its source's expiry; absent: none (if the account's token policy allows). */
  expiresAt: z.number().int().positive().optional(),
});

export const listTokensQuerySchema = z.object({
  showAll: z.enum(['true', 'false'], { message: 'must be "true" or "false"' }).optional(),
});

export const resetQuerySchema = z.object({
  expiry: z.coerce
    .number({ message: 'must be epoch milliseconds' })
    .int('must be epoch milliseconds')
    .min(0)
    .optional(),
});
