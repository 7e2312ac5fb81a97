import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { DAY_MS } from '../../shared/domain/token-lifecycle.js';
import { DETAIL_TYPES, REVOCATION_REASONS } from '../../shared/events/events.js';
import { revokeInactiveTokens, sendExpiryReminders } from '../../shared/services/lifecycle-sweeper.js';
import { type Api, addMember } from '../support/api.js';
import { eventValidators, schemaErrors } from '../support/event-schemas.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// Every event the local stack publishes, through every kind of change, validates against the JSON
// Schema of its detail-type in docs/events/, and its occurredAt is the change's own time to the
// millisecond: between the wall clock just before the request and just after its answer (DynamoDB
// Local's stream records carry the minute only), or exactly the expiry that ended a token.
let stack: LocalStack;
let api: Api;
let owner: string;

type Event = { id: string; 'detail-type': string; time: string; detail: Record<string, any> };
const events = async (): Promise<Event[]> =>
  ((await (await fetch(`${stack.url}/_local/events`)).json()) as { items: Event[] }).items;

interface Window {
  readonly before: number;
  readonly after: number;
}

/** Runs a change and answers the wall-clock window around it. */
async function timed(change: () => Promise<{ status: number }>): Promise<Window> {
  const before = Date.now();
  const { status } = await change();
  const after = Date.now();
  expect(status).toBeLessThan(300);
  return { before, after };
}

const windows: Record<string, Window> = {};
const ids: Record<string, string> = {};
const exact: Record<string, number> = {};

type Match = (detail: Record<string, any>) => boolean;

/** Each change's event: its detail-type, the change (its window in `windows`), which event it is. */
const IN_WINDOW: [string, string, Match][] = [
  ['Token Created', 'create', (d) => d.tokenId === ids.token],
  ['Token Reset', 'reset', (d) => d.tokenId === ids.token],
  ['Token Revoked', 'reset', (d) => d.tokenId === ids.token && d.reason === 'reset'],
  ['Token Revoked', 'delete', (d) => d.tokenId === ids.token && d.reason === 'deleted'],
  ['Member Permissions Changed', 'role', (d) => d.memberId === ids.writer],
  ['Member Removed', 'remove', (d) => d.memberId === ids.writer],
  ['Token Revoked', 'remove', (d) => d.tokenId === ids.writerToken && d.reason === 'member_removed'],
  ['Member Permissions Changed', 'roleEdit', (d) => d.memberId === ids.holder],
  ['Token Revoked', 'leak', (d) => d.tokenId === ids.leaked && d.reason === 'leaked'],
];

/** Every event the changes below must publish before the lifecycle sweep runs. */
const BEFORE_LIFECYCLE: [string, Match][] = [
  ...IN_WINDOW.map(([type, , match]): [string, Match] => [type, match]),
  ['Token Revoked', (d) => d.tokenId === ids.expiring && d.reason === 'expired'],
  ['Token Revoked', (d) => d.tokenId === ids.graceful && d.reason === 'reset'],
];

/** What the lifecycle sweep publishes, after all of the above. */
const LIFECYCLE: [string, Match][] = [
  ['Token Expiring', (d) => d.tokenId === ids.reminded && d.daysLeft === 7],
  ['Token Revoked', (d) => d.tokenId === ids.idle && d.reason === 'inactive'],
];

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
  const token = async (name: string, extra: Record<string, unknown> = {}) => {
    let id = '';
    const window = await timed(async () => {
      const reply = await api.post(owner, '/tokens', { name, role: 'reader', ...extra });
      id = reply.body._id;
      return reply;
    });
    return { id, window };
  };
  const created = await token('created-reset-deleted');
  ids.token = created.id;
  windows.create = created.window;
  windows.reset = await timed(() => api.post(owner, `/tokens/${ids.token}/reset`));
  windows.delete = await timed(() => api.delete(owner, `/tokens/${ids.token}`));

  const leaked = await api.post(owner, '/tokens', { name: 'leaked', role: 'reader' });
  ids.leaked = leaked.body._id;
  windows.leak = await timed(() => api.post(null, '/tokens/leaked', { tokens: [leaked.body.token] }));

  ids.graceful = (await token('graceful')).id;
  exact.graceEnd = Date.now() + 1500;
  await api.post(owner, `/tokens/${ids.graceful}/reset`, undefined, { expiry: String(exact.graceEnd) });
  exact.expiresAt = Date.now() + 1500;
  ids.expiring = (await token('expiring', { expiresAt: exact.expiresAt })).id;

  const writer = await addMember(api, owner, 'writer');
  ids.writer = writer.memberId;
  ids.writerToken = writer.tokenId;
  windows.role = await timed(() =>
    api.patch(owner, `/members/${writer.memberId}`, [{ op: 'replace', path: '/role', value: 'reader' }]),
  );
  windows.remove = await timed(() => api.delete(owner, `/members/${writer.memberId}`));

  await api.post(owner, '/roles', {
    key: 'schema-checker',
    name: 'Schema checker',
    policy: [{ effect: 'allow', actions: ['createProject'], resources: ['proj/*'] }],
  });
  ids.holder = (await addMember(api, owner, 'reader', ['schema-checker'])).memberId;
  windows.roleEdit = await timed(() =>
    api.patch(owner, '/roles/schema-checker', [{ op: 'replace', path: '/policy', value: [] }]),
  );

  // Every change's events are out (the expiry and the grace end are swept every second).
  await within(15_000, async () => {
    const all = await events();
    return BEFORE_LIFECYCLE.every(([type, match]) =>
      all.some((e) => e['detail-type'] === type && match(e.detail)),
    );
  }).catch(async (error) => {
    const all = await events();
    const missing = BEFORE_LIFECYCLE.filter(
      ([type, match]) => !all.some((e) => e['detail-type'] === type && match(e.detail)),
    );
    throw new Error(
      `${error.message}: missing ${JSON.stringify(missing.map(([type, match]) => `${type} ${match}`))}`,
    );
  });

  // The lifecycle sweep, run as its schedule would, with a clock moved on: a reminder for a token
  // made to live 8 days, 1.5 days on; then, once every event above is out (every unused token of the account goes), an
  // inactive one.
  ids.reminded = (await token('reminded', { expiresAt: Date.now() + 8 * DAY_MS })).id;
  await sendExpiryReminders(Date.now() + 1.5 * DAY_MS);
  const policy = {
    maxLifetimeDays: null,
    requireExpiry: false,
    inactivityDays: 1,
    serviceTokensAllowed: true,
  };
  expect((await api.call(owner, 'PUT', '/account/token-policy', { body: policy })).status).toBe(200);
  ids.idle = (await token('idle')).id;
  expect(await revokeInactiveTokens(Date.now() + 2 * DAY_MS)).toBeGreaterThanOrEqual(1);

  await within(15_000, async () => {
    const all = await events();
    return LIFECYCLE.every(([type, match]) => all.some((e) => e['detail-type'] === type && match(e.detail)));
  });
});

afterAll(async () => {
  await stack.stop();
});

const one = async (type: string, match: Match): Promise<Event> => {
  const found = (await events()).filter((e) => e['detail-type'] === type && match(e.detail));
  expect(found, `${type}: ${found.length} events`).toHaveLength(1);
  return found[0]!;
};

describe('the events of the local stack', () => {
  it('every event published validates against the JSON Schema of its detail-type (docs/events/)', async () => {
    const validators = eventValidators();
    const all = await events();
    const invalid = all.flatMap((event) => schemaErrors(validators, event).map((e) => `${event.id}: ${e}`));
    expect(invalid).toEqual([]);
    // Every detail-type and every revocation reason was among them.
    expect(new Set(all.map((e) => e['detail-type']))).toEqual(new Set(DETAIL_TYPES));
    const reasons = all.filter((e) => e['detail-type'] === 'Token Revoked').map((e) => e.detail.reason);
    expect(new Set(reasons)).toEqual(new Set(REVOCATION_REASONS));
  });

  it.each(IN_WINDOW)(
    '%s (%s): occurredAt is within the request, to the millisecond',
    async (type, change, match) => {
      const event = await one(type, match);
      const { before, after } = windows[change]!;
      expect(event.detail.occurredAt).toBeGreaterThanOrEqual(before);
      expect(event.detail.occurredAt).toBeLessThanOrEqual(after);
      expect(event.time).toBe(new Date(event.detail.occurredAt).toISOString());
    },
  );

  it.each([
    ['an expired token', 'expiring', 'expired', 'expiresAt'],
    ['a secret whose grace ended after a reset', 'graceful', 'reset', 'graceEnd'],
  ] as const)(
    'Token Revoked for %s: occurredAt is exactly the time it ended',
    async (_, token, reason, end) => {
      const event = await one('Token Revoked', (d) => d.tokenId === ids[token] && d.reason === reason);
      expect(event.detail.occurredAt).toBe(exact[end]);
    },
  );

  it("a removed member's tokens are revoked at the time the member was removed", async () => {
    const removed = await one('Member Removed', (d) => d.memberId === ids.writer);
    const revoked = await one('Token Revoked', (d) => d.tokenId === ids.writerToken);
    expect(revoked.detail.occurredAt).toBe(removed.detail.occurredAt);
  });
});
