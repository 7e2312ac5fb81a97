/**
 * What the API answers, as zod schemas: the representations that shared/http/views.ts builds (its
 * types are inferred from these), the collections, the other answers and the error body. The
 * OpenAPI document (shared/http/openapi.ts) is generated from them, and the contract tests
 * validate every response against them, so the views, the document and the wire cannot drift.
 * Objects are strict: a field that is not declared here is a field the document does not show.
 * Each `id` is the component's name in the document.
 */
import { z } from 'zod';
import { BUILT_IN_ROLES, TOKEN_ROLES } from '../domain/built-in-roles.js';
import { statementSchema } from '../domain/policy.js';
import { type ErrorCode, STATUS } from '../http/errors.js';

/** A list as the views hold it (their records' lists are read-only). */
const list = <T extends z.ZodType>(item: T) => z.array(item).readonly();

const epochMs = (what: string) => z.number().int().describe(`${what}, in epoch milliseconds`);

export const linkSchema = z
  .strictObject({ href: z.string(), type: z.literal('application/json') })
  .meta({ id: 'Link' });

export const selfLinksSchema = z.strictObject({ self: linkSchema });

/** A collection's links (LaunchDarkly's offset pagination): `prev` and `next` where there are such pages. */
export const pageLinksSchema = z
  .strictObject({
    self: linkSchema,
    first: linkSchema,
    last: linkSchema,
    prev: linkSchema.optional(),
    next: linkSchema.optional(),
  })
  .meta({ id: 'PageLinks' });

export const memberSummarySchema = z
  .strictObject({
    _links: selfLinksSchema,
    _id: z.string(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    role: z.enum(BUILT_IN_ROLES),
    email: z.string(),
  })
  .meta({ id: 'MemberSummary' });

export const tokenSchema = z
  .strictObject({
    _id: z.string(),
    ownerId: z
      .string()
      .describe('Who the token belongs to: its member (personal), or the account (service tokens)'),
    memberId: z.string().describe('Who made it (and, for a personal token, whose rights bound it)'),
    _member: memberSummarySchema.optional(),
    name: z.string(),
    description: z.string().optional(),
    creationDate: epochMs('When it was created'),
    lastModified: epochMs('When it last changed'),
    customRoleIds: list(z.string()),
    inlineRole: list(statementSchema),
    role: z.enum(TOKEN_ROLES).optional(),
    token: z
      .string()
      .describe('The full value once (create, reset, clone, accept); the last four characters otherwise'),
    serviceToken: z.boolean(),
    _links: z.strictObject({ self: linkSchema, parent: linkSchema.optional() }),
    defaultApiVersion: z.number().int(),
    lastUsed: epochMs('Its last authorized call').optional(),
    expiresAt: epochMs('When it stops working').optional(),
    allowedCidrs: z
      .array(z.string())
      .optional()
      .describe(
        'IP binding: the source ranges it may be used from, normalised (`10.0.0.0/8`, `2001:db8::/32`, a single address as /32 or /128); absent: any address',
      ),
  })
  .meta({ id: 'Token' });

export const memberSchema = z
  .strictObject({
    _links: selfLinksSchema,
    _id: z.string(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    role: z.enum(BUILT_IN_ROLES),
    email: z.string(),
    _pendingInvite: z.boolean(),
    _verified: z
      .boolean()
      .describe(
        'Whether the member has signed up (accepted their invitation); there is no separate e-mail check',
      ),
    customRoles: list(z.string()),
    mfa: z
      .enum(['enabled', 'disabled'])
      .describe(
        'Sign-in is delegated to the OpenID Connect provider, which owns MFA: always "disabled" here',
      ),
    _lastSeen: epochMs("The member's last authorized call; 0 when they have never called"),
    _lastSeenMetadata: z.strictObject({ tokenId: z.string().optional() }).optional(),
    creationDate: epochMs('When the member was invited'),
    version: z.number().int(),
    _inviteCode: z.string().optional().describe('The invitation code, once, in the answer to the invitation'),
  })
  .meta({ id: 'Member' });

const accessDecisionSchema = z.strictObject({
  action: z.string(),
  reason: z.strictObject({
    effect: z.enum(['allow', 'deny']),
    resources: list(z.string()),
    actions: list(z.string()),
  }),
});

/** LaunchDarkly's `_access`: which of the resource's actions the caller may take on it now. */
export const accessSchema = z
  .strictObject({ allowed: list(accessDecisionSchema), denied: list(accessDecisionSchema) })
  .meta({ id: 'Access' });

export const roleSchema = z
  .strictObject({
    _id: z.string(),
    _links: selfLinksSchema,
    _access: accessSchema.optional(),
    key: z.string(),
    name: z.string(),
    description: z.string().optional(),
    policy: list(statementSchema),
    basePermissions: z.enum(['reader', 'no_access']),
    creationDate: epochMs('When it was created'),
    lastModified: epochMs('When it last changed'),
  })
  .meta({ id: 'CustomRole' });

export const projectSchema = z
  .strictObject({
    _id: z.string(),
    _links: selfLinksSchema,
    key: z.string(),
    name: z.string(),
    tags: list(z.string()),
    environments: list(z.strictObject({ key: z.string(), name: z.string() })),
    creationDate: epochMs('When it was created'),
  })
  .meta({ id: 'Project' });

export const flagSchema = z
  .strictObject({
    _links: selfLinksSchema,
    key: z.string(),
    name: z.string(),
    description: z.string().optional(),
    tags: list(z.string()),
    environments: z.record(
      z.string(),
      z.strictObject({ on: z.boolean(), lastModified: epochMs('When it was last turned on or off') }),
    ),
    creationDate: epochMs('When it was created'),
    lastModified: epochMs('When it last changed'),
  })
  .meta({ id: 'Flag' });

/** LaunchDarkly's CallerIdentityRep, with what the token's member is now beside the token's scope. */
export const callerIdentitySchema = z
  .strictObject({
    accountId: z.string(),
    authKind: z.literal('token'),
    tokenKind: z
      .enum(['personal', 'service', 'session'])
      .describe('`session`: a console session (`POST /sessions`) rather than an access token'),
    tokenId: z.string(),
    tokenName: z.string(),
    memberId: z.string(),
    serviceToken: z.boolean(),
    role: z
      .enum([...TOKEN_ROLES, 'custom', 'inline'])
      .describe(
        "The token's scope: its built-in role, or `custom` / `inline`. It does not change when the member's role does: see `memberRole`",
      ),
    memberRole: z
      .enum(BUILT_IN_ROLES)
      .optional()
      .describe(
        "The token's member's built-in role now (absent for a service token, which has no member). A token may do only what its scope and its member's current roles both allow: a writer token of a member downgraded to reader says `role: writer`, `memberRole: reader`",
      ),
    memberCustomRoles: list(z.string())
      .optional()
      .describe("The keys of the custom roles the token's member holds now (absent for a service token)"),
  })
  .meta({ id: 'CallerIdentity' });

/** `POST /caller-identity/check`: the effective decision, and which side denied it. */
export const checkAnswerSchema = z
  .strictObject({
    allowed: z.boolean(),
    reason: z.string(),
    deniedBy: z.enum(['token', 'member']).optional(),
  })
  .meta({ id: 'AccessCheck' });

/** A paginated collection, `{items, totalCount, _links}`. */
export const pageSchema = <T extends z.ZodType>(item: T, id: string) =>
  z
    .strictObject({ items: z.array(item), totalCount: z.number().int().min(0), _links: pageLinksSchema })
    .meta({ id });

export const tokensSchema = pageSchema(tokenSchema, 'Tokens');
export const membersSchema = pageSchema(memberSchema, 'Members');
export const rolesSchema = pageSchema(roleSchema, 'CustomRoles');
export const projectsSchema = pageSchema(projectSchema, 'Projects');
export const flagsSchema = pageSchema(flagSchema, 'Flags');

/** `POST /members`: the invited members, each with its `_inviteCode` (once). */
export const invitedMembersSchema = z
  .strictObject({
    items: z.array(memberSchema),
    totalCount: z.number().int().min(0),
    _links: selfLinksSchema,
  })
  .meta({ id: 'InvitedMembers' });

/** `POST /invitations/accept`: the member and their first token, its full value once. */
export const acceptedInvitationSchema = z
  .strictObject({ member: memberSchema, token: tokenSchema })
  .meta({ id: 'AcceptedInvitation' });

/** `POST /sessions`: the session token's value (once), when it ends, and whose it is. */
export const sessionSchema = z
  .strictObject({
    token: z
      .string()
      .describe(
        'The session token, this once: send it as `Authorization` like an access token; it is stored only as a hash',
      ),
    expiresAt: epochMs(
      'When the session ends: 8 hours after sign-in at most, and never after the ID token expires',
    ),
    member: memberSchema,
  })
  .meta({ id: 'Session' });

/** `PATCH /members` (LaunchDarkly's BulkEditMembersRep): who was updated, and `{memberId: message}` per failure. */
export const bulkMembersAnswerSchema = z
  .strictObject({
    members: z.array(z.string()),
    errors: z.array(z.record(z.string(), z.string())),
  })
  .meta({ id: 'BulkEditMembers' });

/** The OpenAPI document itself (`GET /openapi.json`): described, not restated. */
export const openApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })
  .meta({ id: 'OpenApiDocument', description: 'This document: OpenAPI 3.1' });

const ERROR_CODES = Object.keys(STATUS) as [ErrorCode, ...ErrorCode[]];

/** `invalid_request` → `InvalidRequestError`: LaunchDarkly names its error models so (`…ErrorRep`). */
const errorId = (code: ErrorCode) =>
  `${code.replace(/(^|_)(\w)/g, (_, _sep: string, letter: string) => letter.toUpperCase())}Error`.replace(
    /ErrorError$/,
    'Error',
  );

/**
 * Every error is `{code, message, id}` (`id`: the request id, which the logs carry too), and each
 * status has one code (errors.ts), so each status has its own body.
 */
export const ERROR_SCHEMAS = Object.fromEntries(
  ERROR_CODES.map((code) => [
    code,
    z
      .strictObject({
        code: z.literal(code),
        message: z.string().describe('What went wrong; a 400 names the offending field'),
        id: z.string().describe('The request id, also in the logs'),
      })
      .meta({ id: errorId(code) }),
  ]),
) as { [C in ErrorCode]: z.ZodObject<{ code: z.ZodLiteral<C>; message: z.ZodString; id: z.ZodString }> };

export type ErrorBody = z.infer<(typeof ERROR_SCHEMAS)[ErrorCode]>;

/** The code and error body schema of one status. */
export function errorFor(status: number) {
  const code = ERROR_CODES.find((c) => STATUS[c] === status);
  if (code === undefined) throw new Error(`no error code answers ${status}`);
  return { code, schema: ERROR_SCHEMAS[code] };
}
