import { z } from 'zod';
import { keySchema } from './common.js';

const assignableRole = z.enum(['no_access', 'reader', 'writer', 'admin', 'owner']);

/** Fields of LaunchDarkly's NewMemberForm that this service has no use for: accepted only when empty. */
const emptyOnly = <T extends z.ZodType>(schema: T, why: string) =>
  schema
    .optional()
    .refine(
      (v) => v === undefined || (Array.isArray(v) ? v.length === 0 : Object.keys(v as object).length === 0),
      {
        message: why,
      },
    );

export const inviteSchema = z
  .array(
    z.strictObject({
      email: z.email('must be an email address').max(254, 'must be at most 254 characters'),
      firstName: z.string().max(100).optional(),
      lastName: z.string().max(100).optional(),
      role: assignableRole.optional(),
      customRoles: z.array(keySchema).max(50).optional(),
      // LaunchDarkly's request model has these; they are not unknown, but not supported either.
      password: z
        .string()
        .optional()
        .refine((v) => v === undefined, {
          message: 'is not supported: members sign in through the OpenID Connect provider',
        }),
      teamKeys: emptyOnly(z.array(z.string()), 'teams are not supported; give custom roles instead'),
      roleAttributes: emptyOnly(
        z.record(z.string(), z.array(z.string())),
        'role attributes are not supported',
      ),
    }),
  )
  .min(1, 'must list at least one member')
  .max(25, 'at most 25 members per request');

export const editableMemberSchema = z.object({
  role: assignableRole,
  customRoles: z.array(keySchema).max(50),
});

export const acceptSchema = z.strictObject({
  code: z.string().min(1, 'must not be empty').max(200),
  tokenName: z.string().trim().min(1).max(256).optional(),
});

/** `{"never": true}`, `{"noData": true}` or `{"before": <ms>}`, as LaunchDarkly's filters take it. */
export const lastSeenFilterSchema = z.union([
  z.strictObject({ never: z.literal(true) }),
  z.strictObject({ noData: z.literal(true) }),
  z.strictObject({ before: z.number().int().min(0) }),
]);

const memberIds = z.array(z.string().min(1).max(100)).min(1, 'must list at least one member').max(1000);

const allMembersFilters = {
  filterLastSeen: lastSeenFilterSchema.optional(),
  filterQuery: z.string().max(256).optional(),
  filterRoles: z.string().max(1024).optional(),
  ignoredMemberIDs: z.array(z.string().min(1).max(100)).max(1000).optional(),
};

/** LaunchDarkly's semantic-patch instructions for `PATCH /members` (roles and custom roles). */
export const membersInstructionSchema = z.discriminatedUnion('kind', [
  // LaunchDarkly's documentation names this kind both ways (heading and example): both are taken.
  z.strictObject({
    kind: z.enum(['replaceMembersRoles', 'replaceMemberRoles']),
    value: assignableRole,
    memberIDs: memberIds,
  }),
  z.strictObject({ kind: z.literal('replaceAllMembersRoles'), value: assignableRole, ...allMembersFilters }),
  z.strictObject({
    kind: z.literal('replaceMembersCustomRoles'),
    values: z.array(keySchema).max(50),
    memberIDs: memberIds,
  }),
  z.strictObject({
    kind: z.literal('replaceAllMembersCustomRoles'),
    values: z.array(keySchema).max(50),
    ...allMembersFilters,
  }),
]);

export type MembersInstruction = z.infer<typeof membersInstructionSchema>;

export const membersPatchSchema = z.strictObject({
  comment: z.string().max(1024).optional(),
  instructions: z.array(membersInstructionSchema).min(1, 'needs at least one instruction').max(20),
});

export const listMembersQuerySchema = z.object({
  filter: z.string().max(1024).optional(),
  sort: z
    .enum(['displayName', '-displayName', 'lastSeen', '-lastSeen'], {
      message: 'must be displayName or lastSeen, optionally with a leading "-"',
    })
    .optional(),
  expand: z.string().max(256).optional(),
});
