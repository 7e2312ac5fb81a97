import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { tokenRepo } from '../../shared/data/token-repo.js';
import { hashSecret } from '../../shared/domain/token-format.js';
import { DAY_MS } from '../../shared/domain/token-lifecycle.js';
import { EVENT_SCHEMAS } from '../../shared/events/event-schemas.js';
import { revokeInactiveTokens, sendExpiryReminders } from '../../shared/services/lifecycle-sweeper.js';
import type { Api } from '../support/api.js';
import { eventValidators, schemaErrors } from '../support/event-schemas.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// The lifecycle sweep with a controllable clock (`now` injected), against a local stack of its own
// (its own tables, so nothing of another test file is swept): the same sweep functions the
// schedule runs, publishing to the stack's event sink, whose events are read back as a consumer does.

let stack: LocalStack;
let api: Api;
let owner: string;
const validators = eventValidators();

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

type Event = { 'detail-type': string; detail: Record<string, any> };

async function events(): Promise<Event[]> {
  const response = await fetch(new URL('/_local/events', stack.url));
  return ((await response.json()) as { items: Event[] }).items;
}

const about = (all: Event[], type: string, tokenId: string) =>
  all.filter((e) => e['detail-type'] === type && e.detail.tokenId === tokenId);

const create = async (body: Record<string, unknown>) => {
  const made = await api.post(owner, '/tokens', { name: 'lifecycle', role: 'reader', ...body });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body as { _id: string; token: string; creationDate: number };
};

describe('expiry reminders', () => {
  it('go out at 7 days and at 1 day before expiry, once each however often the sweep runs', async () => {
    const start = Date.now();
    const expiresAt = start + 10 * DAY_MS;
    const token = await create({ expiresAt });
    const reminders = async () => about(await events(), 'Token Expiring', token._id);

    // 8 days left: nothing yet.
    await sendExpiryReminders(start + 2 * DAY_MS);
    expect(await reminders()).toEqual([]);
    // Under 7 days left: the 7-day reminder, once, though the sweep runs three times (twice at once).
    const seven = expiresAt - 7 * DAY_MS + 60_000;
    await Promise.all([sendExpiryReminders(seven), sendExpiryReminders(seven)]);
    await sendExpiryReminders(seven + 3_600_000);
    expect((await reminders()).map((e) => e.detail.daysLeft)).toEqual([7]);
    // Under a day left: the 1-day reminder, once.
    const one = expiresAt - DAY_MS + 60_000;
    await sendExpiryReminders(one);
    await sendExpiryReminders(one + 60_000);
    await sendExpiryReminders(expiresAt - 1_000);
    const sent = await reminders();
    expect(sent.map((e) => e.detail.daysLeft)).toEqual([7, 1]);
    for (const event of sent) {
      expect(event.detail).toMatchObject({ expiresAt, tokenId: token._id });
      expect(schemaErrors(validators, event)).toEqual([]);
      expect(EVENT_SCHEMAS['Token Expiring'].safeParse(event).success).toBe(true);
    }
    // Each has its own deterministic id.
    expect(new Set(sent.map((e) => e.detail.eventId)).size).toBe(2);
  });

  it('a token created with 3 days to live gets only the 1-day reminder; one with 20 hours none', async () => {
    const start = Date.now();
    const short = await create({ expiresAt: start + 3 * DAY_MS });
    const shorter = await create({ expiresAt: start + 20 * 3_600_000 });
    await sendExpiryReminders(start + 60_000);
    await sendExpiryReminders(start + 2 * DAY_MS + 60_000);
    await sendExpiryReminders(start + 19 * 3_600_000);
    const all = await events();
    expect(about(all, 'Token Expiring', short._id).map((e) => e.detail.daysLeft)).toEqual([1]);
    expect(about(all, 'Token Expiring', shorter._id)).toEqual([]);
  });

  it('a new expiresAt starts again; a rename does not send a reminder twice', async () => {
    const start = Date.now();
    const token = await create({ expiresAt: start + 10 * DAY_MS });
    await sendExpiryReminders(start + 4 * DAY_MS);
    const renamed = await api.patch(owner, `/tokens/${token._id}`, [
      { op: 'replace', path: '/name', value: 'x' },
    ]);
    expect(renamed.status).toBe(200);
    await sendExpiryReminders(start + 4 * DAY_MS + 60_000);
    expect(about(await events(), 'Token Expiring', token._id)).toHaveLength(1);
    const later = start + 20 * DAY_MS;
    const moved = await api.patch(owner, `/tokens/${token._id}`, [
      { op: 'replace', path: '/expiresAt', value: later },
    ]);
    expect(moved.status).toBe(200);
    await sendExpiryReminders(later - 6 * DAY_MS);
    const sent = about(await events(), 'Token Expiring', token._id);
    expect(sent.map((e) => [e.detail.daysLeft, e.detail.expiresAt])).toEqual([
      [7, start + 10 * DAY_MS],
      [7, later],
    ]);
  });
});

describe('inactivity', () => {
  it('revokes tokens unused for inactivityDays (reason inactive, through the stream handler), and only those', async () => {
    const set = await api.call(owner, 'PUT', '/account/token-policy', {
      body: { maxLifetimeDays: null, requireExpiry: false, inactivityDays: 30, serviceTokensAllowed: true },
    });
    expect(set.status).toBe(200);
    const start = Date.now();
    const idle = await create({});
    const used = await create({});
    // `used` was used 20 days from now (the authorizer's own write of use, with that clock).
    const record = (await tokenRepo.get(stack.accountId, used._id, true))!;
    expect(await tokenRepo.touchLastUsed(record, hashSecret(used.token), start + 20 * DAY_MS, 60_000)).toBe(
      true,
    );

    // The limit counts from when it was set: nothing is revoked before 30 days have passed.
    expect(await revokeInactiveTokens(start + 29 * DAY_MS)).toBe(0);
    expect(await revokeInactiveTokens(start + 31 * DAY_MS)).toBeGreaterThanOrEqual(1);
    // A second run changes nothing more of these two.
    await revokeInactiveTokens(start + 31 * DAY_MS);
    expect((await api.get(idle.token, '/caller-identity')).status).toBe(401);
    expect((await api.get(used.token, '/caller-identity')).status).toBe(200);
    expect(await tokenRepo.revocation(stack.accountId, idle._id)).toMatchObject({ reason: 'inactive' });

    let revoked: Event[] = [];
    await within(15_000, async () => {
      revoked = about(await events(), 'Token Revoked', idle._id);
      return revoked.length > 0;
    });
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.detail).toMatchObject({ reason: 'inactive', occurredAt: start + 31 * DAY_MS });
    expect(schemaErrors(validators, revoked[0])).toEqual([]);
    expect(about(await events(), 'Token Revoked', used._id)).toEqual([]);

    // 30 days after its last use, the used one goes too.
    await revokeInactiveTokens(start + 51 * DAY_MS);
    expect((await api.get(used.token, '/caller-identity')).status).toBe(401);
  });
});
