import { z } from 'zod';
import { POLICY_RULES } from '../domain/token-policy.js';
import { linkSchema, pageLinksSchema } from './representations.js';

/** Ten years: a limit beyond it is no limit, and a mistyped one is refused rather than stored. */
const MAX_DAYS = 3650;

const days = (what: string) =>
  z
    .number({ message: 'must be a whole number of days, or null' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(MAX_DAYS, `must be at most ${MAX_DAYS} days`)
    .nullable()
    .meta({ description: `${what}; null: no limit` });

/** `PUT /account/token-policy`: the whole policy, every field given (null lifts a limit). */
export const tokenPolicyBodySchema = z
  .strictObject({
    maxLifetimeDays: days(
      "At most this many days between now and a token's expiry, on every create, clone, reset and expiry change (it implies an expiry)",
    ),
    requireExpiry: z.boolean().meta({ description: 'Every token must have an expiresAt' }),
    inactivityDays: days(
      'Tokens unused (never used: since created) for this many days are revoked, reason `inactive`',
    ),
    serviceTokensAllowed: z
      .boolean()
      .meta({ description: 'Whether service tokens may be created, cloned or reset' }),
  })
  .meta({ id: 'TokenPolicyInput' });

export type TokenPolicyBody = z.infer<typeof tokenPolicyBodySchema>;

export const tokenPolicyViolationSchema = z
  .strictObject({
    tokenId: z.string(),
    name: z.string(),
    memberId: z.string().meta({ description: "The token's member (a service token's creator)" }),
    serviceToken: z.boolean(),
    rule: z.enum(POLICY_RULES),
    message: z.string(),
  })
  .meta({ id: 'TokenPolicyViolation' });

export const tokenPolicySchema = z
  .strictObject({
    maxLifetimeDays: z.number().int().nullable(),
    requireExpiry: z.boolean(),
    inactivityDays: z.number().int().nullable(),
    serviceTokensAllowed: z.boolean(),
    inactivitySince: z.number().int().optional().meta({
      description: 'Since when the inactivity limit counts (epoch ms): when it was set or tightened',
    }),
    lastModified: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Absent while the account never set a policy' }),
    violations: z
      .strictObject({
        items: z.array(tokenPolicyViolationSchema),
        totalCount: z.number().int(),
        _links: pageLinksSchema,
      })
      .meta({
        description:
          'Live tokens (that the caller may view) breaking the policy as it is now, oldest first, a page of them (`limit`, `offset`); tightening the policy kills none of them',
      }),
    _links: z.strictObject({ self: linkSchema }),
  })
  .meta({ id: 'TokenPolicy' });

export type TokenPolicyView = z.infer<typeof tokenPolicySchema>;
