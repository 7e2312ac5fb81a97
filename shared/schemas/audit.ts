/**
 * The audit log's query and representations (LaunchDarkly's AuditLogEntryListingRep,
 * AuditLogEntryRep and their collection), field for field, with this service's additions under `_`
 * names: `_actor` (who acted: a member, a token, the system, or a caller without credentials),
 * `_sourceAddress` and `_userAgent` (where the request came from), `_requestId` (the request id in
 * the logs) and `_cause` (why the system acted, when it acted for another's change).
 */
import { z } from 'zod';
import { linkSchema, selfLinksSchema } from './representations.js';

/** LaunchDarkly's bounds for `limit`: 1 to 20, 10 by default. */
export const AUDIT_DEFAULT_LIMIT = 10;
export const AUDIT_MAX_LIMIT = 20;

const epochMs = z.coerce
  .number({ message: 'must be epoch milliseconds' })
  .int('must be whole epoch milliseconds')
  .min(0, 'must not be negative')
  .max(8_640_000_000_000_000, 'must be a date JavaScript can hold');

export const auditQuerySchema = z.object({
  before: epochMs.optional(),
  after: epochMs.optional(),
  q: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters').optional(),
  limit: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(AUDIT_MAX_LIMIT, `must be at most ${AUDIT_MAX_LIMIT}`)
    .default(AUDIT_DEFAULT_LIMIT),
  spec: z.string().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters').optional(),
});

export const auditAccessSchema = z.strictObject({ action: z.string(), resource: z.string() });

const auditMemberSchema = z.strictObject({
  _links: selfLinksSchema,
  _id: z.string(),
  email: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
});

const auditTokenSchema = z.strictObject({
  _links: selfLinksSchema,
  _id: z.string(),
  name: z.string(),
  ending: z.string().optional().describe('The last four characters of the token (when it still exists)'),
  serviceToken: z.boolean(),
});

const listingFields = {
  _links: z.strictObject({ self: linkSchema, parent: linkSchema }),
  _id: z.string().describe('24 hex digits; they begin with the date, so ids sort by date'),
  _accountId: z.string(),
  date: z.number().int().describe('When the change was made, in epoch milliseconds'),
  accesses: z.array(auditAccessSchema).describe('The actions taken, each with its resource specifier'),
  kind: z.enum(['token', 'member', 'role', 'session', 'account']).or(z.string()),
  name: z.string(),
  description: z.string().describe('Markdown: one `* ` line for each thing the change did'),
  shortDescription: z.string(),
  titleVerb: z.string(),
  title: z.string(),
  member: auditMemberSchema
    .optional()
    .describe('The acting member (absent for a service token or the system)'),
  token: auditTokenSchema.optional().describe('The acting access token (absent for a console session)'),
  target: z.strictObject({ name: z.string(), resources: z.array(z.string()) }),
  _actor: z
    .enum(['member', 'token', 'system', 'anonymous'])
    .describe(
      'Who acted: a member (console session, invitation), a token, the system, or a caller without credentials',
    ),
  _sourceAddress: z.string().optional().describe("The request's source address"),
  _userAgent: z.string().optional().describe("The request's User-Agent (at most 512 characters)"),
  _requestId: z.string().optional().describe('The request id, as in the logs and error bodies'),
  _cause: z
    .string()
    .optional()
    .describe('Why the system acted, when it acted for another change (e.g. `member_removed`)'),
};

export const auditEntryListingSchema = z.strictObject(listingFields).meta({ id: 'AuditLogEntryListing' });

export const auditEntrySchema = z
  .strictObject({
    ...listingFields,
    previousVersion: z.record(z.string(), z.unknown()).optional(),
    currentVersion: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AuditLogEntry' });

export const auditEntriesSchema = z
  .strictObject({
    items: z.array(auditEntryListingSchema),
    _links: z.strictObject({ self: linkSchema, next: linkSchema.optional() }),
  })
  .meta({ id: 'AuditLogEntries' });
