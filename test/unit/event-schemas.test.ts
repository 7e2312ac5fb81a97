import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accessEventSchema, eventJsonSchemaText, schemaFileName } from '../../shared/events/event-schemas.js';
import { accessEvent, DETAIL_TYPES } from '../../shared/events/events.js';
import {
  DRAFT_04,
  EVENTS_FOLDER,
  eventValidators,
  schemaErrors,
  schemaFile,
  unsharedKeywords,
} from '../support/event-schemas.js';

const validators = eventValidators();
const revoked = accessEvent(
  'Token Revoked',
  { accountId: 'a1', memberId: 'm1', tokenId: 't1', reason: 'deleted', occurredAt: 1_767_322_212_345 },
  ['record-1', 't1'],
);
const withDetail = (detail: Record<string, unknown>) => ({
  ...revoked,
  detail: { ...revoked.detail, ...detail },
});

describe('the event schemas', () => {
  it.each(DETAIL_TYPES)(
    'docs/events holds the JSON Schema of %s that the code generates (else run `npm run event-schemas`)',
    (detailType) => {
      const file = readFileSync(new URL(schemaFileName(detailType), EVENTS_FOLDER), 'utf8');
      expect(
        file === eventJsonSchemaText(detailType),
        `docs/events is stale: run \`npm run event-schemas\``,
      ).toBe(true);
    },
  );

  it('docs/events holds one schema per detail-type and nothing else', () => {
    expect(readdirSync(EVENTS_FOLDER).sort()).toEqual(DETAIL_TYPES.map(schemaFileName).sort());
  });

  it.each(DETAIL_TYPES)(
    '%s: a draft-04 schema of the whole event, using only keywords that draft-07 reads alike',
    (detailType) => {
      const schema = schemaFile(detailType);
      expect(schema.$schema).toBe(DRAFT_04);
      expect(unsharedKeywords(schema)).toEqual([]);
      expect(schema).toMatchObject({
        required: expect.arrayContaining(['id', 'detail-type', 'source', 'time', 'detail']),
        properties: { 'detail-type': { enum: [detailType] }, source: { enum: ['access-tokens'] } },
      });
    },
  );

  it('an event built as the stream handlers build it validates, against the JSON Schema and the zod schema', () => {
    expect(schemaErrors(validators, revoked)).toEqual([]);
    expect(accessEventSchema.parse(revoked)).toEqual(revoked);
    // EventBridge's own envelope fields, and one it may add, are allowed around the detail.
    const delivered = {
      version: '0',
      ...revoked,
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      account: '123456789012',
      region: 'eu-west-1',
      resources: [],
      time: '2026-01-02T02:50:12Z',
      'replay-name': 'replay-1',
    };
    expect(schemaErrors(validators, delivered)).toEqual([]);
  });

  // A consumer's zod parse drops a detail field it does not know, so that adding one does not break it.
  it.each([
    ['a reason the schema does not list', withDetail({ reason: 'stolen' }), '/detail/reason', false],
    ['no occurredAt', withDetail({ occurredAt: undefined }), '/detail', false],
    ['an occurredAt in seconds', withDetail({ occurredAt: 1_767_322_212.345 }), '/detail/occurredAt', false],
    ['a field the detail does not document', withDetail({ token: 'atk_x' }), '/detail', true],
    ['an eventId that is not a UUID', withDetail({ eventId: 'e-1' }), '/detail/eventId', false],
    ['another source', { ...revoked, source: 'someone-else' }, '/source', false],
  ])('an event with %s does not validate', (_, built, path, zodAccepts) => {
    const event = JSON.parse(JSON.stringify(built));
    const errors = schemaErrors(validators, event);
    expect(
      errors.some((e) => e.startsWith(`${path} `)),
      errors.join('; '),
    ).toBe(true);
    expect(accessEventSchema.safeParse(event).success).toBe(zodAccepts);
  });

  it('Token Revoked needs a reason; the other detail-types have none', () => {
    const { reason: _reason, ...detail } = revoked.detail;
    const created = { ...revoked, 'detail-type': 'Token Created', detail };
    expect(schemaErrors(validators, created)).toEqual([]);
    expect(schemaErrors(validators, { ...created, 'detail-type': 'Token Revoked' })).toEqual([
      "/detail must have required property 'reason'",
    ]);
    expect(schemaErrors(validators, { ...revoked, 'detail-type': 'Token Created' })).toEqual([
      '/detail must NOT have additional properties',
    ]);
  });
});
