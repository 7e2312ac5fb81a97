/**
 * The events' schemas (API.md "Revocation events"), in zod: the types of events.ts are inferred
 * from them, consumers parse with them (examples/revocation-consumer/), and `npm run
 * event-schemas` turns each into a JSON Schema in docs/events/, which the stack registers in an
 * EventBridge schema registry (infra/constructs/event-schemas.ts).
 *
 * Each schema is the whole event as a consumer's target receives it: EventBridge's envelope,
 * which may gain fields (`replay-name` on a replay from the archive), around our `detail`, which
 * holds exactly the fields documented (an undocumented field fails the published-events test).
 * The JSON Schemas are draft-04, the dialect EventBridge's registry takes (`JSONSchemaDraft4`).
 */
import { z } from 'zod';
import { type DetailType, EVENT_SOURCE, REVOCATION_REASONS } from './events.js';

const eventId = z
  .guid()
  .describe(
    'The same for the same change however often it is delivered: consumers drop a repeat by it. On AWS, EventBridge gives the envelope an `id` of its own; this one is the id to deduplicate by.',
  );
const accountId = z.string().min(1).describe('The account the change happened in.');
const tokenId = z.string().min(1).describe('The access token concerned.');
const occurredAt = z
  .number()
  .int()
  .nonnegative()
  .describe(
    "When the change happened, in epoch milliseconds: stamped on the item by the write that made the change (for an expiry, the expiry time itself), not the stream record's approximate time.",
  );

const tokenDetail = z.object({
  eventId,
  accountId,
  memberId: z
    .string()
    .min(1)
    .describe("The token's member (for a service token, the member who created it)."),
  tokenId,
  occurredAt,
});

const memberDetail = z.object({
  eventId,
  accountId,
  memberId: z.string().min(1).describe('The member concerned.'),
  occurredAt,
});

const DETAIL_SCHEMAS = {
  'Token Created': tokenDetail.describe('A token was created (also by a clone, or accepting an invitation).'),
  'Token Revoked': tokenDetail
    .extend({
      reason: z
        .enum(REVOCATION_REASONS)
        .describe(
          "`deleted`: the token was deleted; `member_removed`: its member was removed (occurredAt is the removal); `expired`: its expiresAt passed (occurredAt is expiresAt); `reset`: one secret of the token ended (a reset without grace, or the end of a grace period: occurredAt is that end), the token itself lives on with its new secret. `leaked`: its value was reported at `POST /tokens/leaked` (occurredAt is the report). `inactive`: it was unused for the account policy's `inactivityDays` (occurredAt is the revocation).",
        ),
    })
    .describe('A token, or one secret of it (reason `reset`), stopped working.'),
  'Token Reset': tokenDetail.describe(
    'A token got a new secret (its old one ends at once or after a grace period).',
  ),
  'Member Removed': memberDetail.describe(
    'A member was removed; each of their personal tokens is revoked too.',
  ),
  'Member Permissions Changed': memberDetail.describe(
    "A member's role or custom roles changed, or a custom role they hold was edited (up or down).",
  ),
  'Token Expiring': tokenDetail
    .extend({
      expiresAt: z
        .number()
        .int()
        .nonnegative()
        .describe('When the token stops working, in epoch milliseconds.'),
      daysLeft: z
        .literal([7, 1])
        .describe(
          'The threshold reached: 7 when 7 days or less are left, 1 when 1 day or less (a token gets the reminders of the thresholds it lived past; a new expiresAt starts again).',
        ),
    })
    .describe(
      'A token expires soon: sent once when 7 days are left and once when 1 day is left (occurredAt is when the sweep found it due).',
    ),
} as const satisfies Record<DetailType, z.ZodObject>;

function eventSchema<T extends DetailType>(detailType: T) {
  return z
    .looseObject({
      version: z.string().optional().describe("EventBridge's envelope version (absent locally)."),
      id: z.string().min(1).describe("EventBridge's id of this event (locally, `detail.eventId`)."),
      'detail-type': z.literal(detailType),
      source: z.literal(EVENT_SOURCE),
      account: z.string().optional().describe('The AWS account of the bus (absent locally).'),
      time: z.iso
        .datetime()
        .describe('`detail.occurredAt` as a date; EventBridge keeps it to the second, so use occurredAt.'),
      region: z.string().optional().describe('The AWS region of the bus (absent locally).'),
      resources: z.array(z.string()).optional(),
      'replay-name': z.string().optional().describe('Set when the event is replayed from the archive.'),
      detail: DETAIL_SCHEMAS[detailType],
    })
    .meta({ title: `${EVENT_SOURCE}: ${detailType}`, description: DETAIL_SCHEMAS[detailType].description });
}

/** One zod schema per detail-type, of the whole event (envelope and detail). */
export const EVENT_SCHEMAS = {
  'Token Created': eventSchema('Token Created'),
  'Token Revoked': eventSchema('Token Revoked'),
  'Token Reset': eventSchema('Token Reset'),
  'Member Removed': eventSchema('Member Removed'),
  'Member Permissions Changed': eventSchema('Member Permissions Changed'),
  'Token Expiring': eventSchema('Token Expiring'),
} as const satisfies { [T in DetailType]: ReturnType<typeof eventSchema<T>> };

export type AccessEventOf<T extends DetailType> = z.infer<(typeof EVENT_SCHEMAS)[T]>;
export type DetailOf<T extends DetailType> = z.infer<(typeof DETAIL_SCHEMAS)[T]>;

/** Any event of this service: parse with it, then narrow on `detail-type`. */
export const accessEventSchema = z.discriminatedUnion('detail-type', [
  EVENT_SCHEMAS['Token Created'],
  EVENT_SCHEMAS['Token Revoked'],
  EVENT_SCHEMAS['Token Reset'],
  EVENT_SCHEMAS['Member Removed'],
  EVENT_SCHEMAS['Member Permissions Changed'],
  EVENT_SCHEMAS['Token Expiring'],
]);

/** `Token Revoked` → `token-revoked`: the schema's file name in docs/events/ (`.json`). */
export const schemaFileName = (detailType: DetailType) =>
  `${detailType.toLowerCase().replace(/ /g, '-')}.json`;

/** `Token Revoked` → `access-tokens@TokenRevoked`: the schema's name in the registry, as EventBridge names its own. */
export const registrySchemaName = (detailType: DetailType) =>
  `${EVENT_SOURCE}@${detailType.replace(/ /g, '')}`;

/** The JSON Schema (draft-04) of one detail-type's events. */
export function eventJsonSchema(detailType: DetailType): Record<string, unknown> {
  return z.toJSONSchema(EVENT_SCHEMAS[detailType], { target: 'draft-4' }) as Record<string, unknown>;
}

/** docs/events/<file>: what `npm run event-schemas` writes, and the staleness test expects. */
export const eventJsonSchemaText = (detailType: DetailType) =>
  `${JSON.stringify(eventJsonSchema(detailType), null, 2)}\n`;
