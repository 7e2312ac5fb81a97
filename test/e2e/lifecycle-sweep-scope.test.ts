import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { lifecycleRepo } from '../../shared/data/lifecycle-repo.js';
import { tokenPolicyRepo } from '../../shared/data/token-policy-repo.js';
import { tokenRepo } from '../../shared/data/token-repo.js';
import { hashSecret } from '../../shared/domain/token-format.js';
import { DAY_MS } from '../../shared/domain/token-lifecycle.js';
import { publish } from '../../shared/events/publisher.js';
import { revokeInactiveTokens, sendExpiryReminders } from '../../shared/services/lifecycle-sweeper.js';
import { newToken } from '../../shared/services/token-factory.js';
import { type Account, type Api, newAccount } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

// What the lifecycle sweep must leave alone, with its clock injected (as token-lifecycle.test.ts):
// console sessions, the tokens of an account whose policy has no inactivity limit (or no longer
// has one), and tokens in use, even when their use lands between the sweep's read and its revoke.

let stack: LocalStack;
let api: Api;
let owner: string;
let other: Account;
const start = Date.now();

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
  other = await newAccount();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

type Event = { 'detail-type': string; detail: Record<string, any> };

async function events(): Promise<Event[]> {
  const response = await fetch(new URL('/_local/events', stack.url));
  return ((await response.json()) as { items: Event[] }).items;
}

const create = async (token: string, body: Record<string, unknown>) => {
  const made = await api.post(token, '/tokens', { name: 'scope', role: 'reader', ...body });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body as { _id: string; token: string };
};

/** The authorizer's own write of use, at `at`. */
async function use(accountId: string, tokenId: string, secret: string, at: number) {
  const record = (await tokenRepo.get(accountId, tokenId, true))!;
  expect(await tokenRepo.touchLastUsed(record, hashSecret(secret), at, 60_000)).toBe(true);
}

const alive = async (accountId: string, tokenId: string) =>
  (await tokenRepo.get(accountId, tokenId, true)) !== undefined;

/** A console session of the account's owner, as `POST /sessions` makes one (its ID token aside). */
async function session(expiresAt: number) {
  const ownerToken = (await tokenRepo.getHash(hashSecret(owner)))!;
  const { token } = newToken(
    {
      accountId: stack.accountId,
      memberId: ownerToken.memberId,
      serviceToken: false,
      session: true,
      name: 'Console session',
      scope: ownerToken.scope,
      expiresAt,
    },
    start,
  );
  await tokenRepo.createSession(token, { hash: hashSecret(randomUUID()), expiresAt });
  return token.tokenId;
}

describe('the lifecycle sweep', () => {
  it('sends no expiry reminder for a console session', async () => {
    const sessionId = await session(start + 8 * 3_600_000);
    await sendExpiryReminders(start + 60_000);
    await sendExpiryReminders(start + 7 * 3_600_000);
    expect((await events()).filter((e) => e.detail.tokenId === sessionId)).toEqual([]);
  });

  it('revokes only what is unused in accounts with a limit: never sessions, tokens in use, or other accounts', async () => {
    const ownerId = (await api.get(owner, '/caller-identity')).body.tokenId as string;
    // The other account sets a limit and lifts it again: it is out of the sweep's way.
    for (const inactivityDays of [30, null]) {
      const set = await api.call(other.ownerToken, 'PUT', '/account/token-policy', {
        body: { maxLifetimeDays: null, requireExpiry: false, inactivityDays, serviceTokensAllowed: true },
      });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
    }
    const otherIdle = await create(other.ownerToken, {});
    const set = await api.call(owner, 'PUT', '/account/token-policy', {
      body: { maxLifetimeDays: null, requireExpiry: false, inactivityDays: 30, serviceTokensAllowed: true },
    });
    expect(set.status).toBe(200);

    const idle = await create(owner, {});
    const service = await create(owner, { serviceToken: true });
    const busy = await create(owner, {});
    const racer = await create(owner, {});
    const sessionId = await session(start + 8 * 3_600_000);
    const now = start + 400 * DAY_MS;
    // In use all along: the owner's token and `busy` were last used as late as the authorizer's
    // once-a-minute write allows.
    await use(stack.accountId, ownerId, owner, now - 59_000);
    await use(stack.accountId, busy._id, busy.token, now - 59_000);

    // `racer` is used after the sweep has read it as unused, before it revokes.
    const deps = {
      lifecycle: {
        ...lifecycleRepo,
        unusedSince: async (accountId: string, cutoff: number) => {
          const found = await lifecycleRepo.unusedSince(accountId, cutoff);
          if (accountId === stack.accountId) {
            expect(found.map((t) => t.tokenId)).toContain(racer._id);
            await use(stack.accountId, racer._id, racer.token, now - 1_000);
          }
          return found;
        },
      },
      tokens: tokenRepo,
      policies: tokenPolicyRepo,
      publish,
    };
    expect(await revokeInactiveTokens(now, deps)).toBeGreaterThanOrEqual(2);

    // Unused access tokens go, service tokens among them (the policy is for every access token).
    expect(await alive(stack.accountId, idle._id)).toBe(false);
    expect(await alive(stack.accountId, service._id)).toBe(false);
    expect(await tokenRepo.revocation(stack.accountId, service._id)).toMatchObject({ reason: 'inactive' });
    // What is in use, the session, and the other account's token stay.
    expect(await alive(stack.accountId, ownerId)).toBe(true);
    expect(await alive(stack.accountId, busy._id)).toBe(true);
    expect(await alive(stack.accountId, racer._id)).toBe(true);
    expect(await alive(stack.accountId, sessionId)).toBe(true);
    expect(await alive(other.accountId, otherIdle._id)).toBe(true);
    expect((await api.get(otherIdle.token, '/caller-identity')).status).toBe(200);
    expect((await api.get(busy.token, '/caller-identity')).status).toBe(200);
  });
});
