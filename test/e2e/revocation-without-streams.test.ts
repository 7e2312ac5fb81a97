import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { tokenRepo } from '../../shared/data/token-repo.js';
import { type Api, addMember } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

// The handler that commits a change of rights flushes the authorizer cache before it answers, so
// the change shows on the very next request: here with the stream handlers replaced by no-ops (no
// stream flush at all) and a one-hour cache, nothing else could make it show.
let stack: LocalStack;
let api: Api;
let owner: string;

const noStreams = async () => ({ batchItemFailures: [] });

beforeAll(async () => {
  ({
    stack,
    api,
    ownerToken: owner,
  } = await startTestStack(3600, { members: noStreams, tokens: noStreams, roles: noStreams }));
});

afterAll(async () => {
  await stack.stop();
});

let n = 0;
const status = async (token: string, method = 'GET', path = '/projects', body?: unknown) =>
  (await api.call(token, method, path, body !== undefined ? { body } : {})).status;
const write = (token: string) => status(token, 'POST', '/projects', { key: `p-${n++}`, name: 'P' });

/** Asserts that `probe` answers `expected` from a cached authorizer answer (the authorizer did not run). */
async function fromCache(probe: () => Promise<number>, expected: number): Promise<void> {
  await probe();
  const before = stack.gateway.authorizerInvocations;
  expect(await probe()).toBe(expected);
  expect(stack.gateway.authorizerInvocations).toBe(before);
}

const replace = (path: string, value: unknown) => [{ op: 'replace', path, value }];

describe('a change of rights shows on the very next request, without the streams (cache TTL 1 h)', () => {
  it('control: a change made behind the handlers’ back stays hidden by the cache', async () => {
    const token = (await api.post(owner, '/tokens', { name: 'control', role: 'reader' })).body;
    await fromCache(() => status(token.token), 200);
    const record = await tokenRepo.get(stack.accountId, token._id, true);
    await tokenRepo.delete(record!);
    expect(await status(token.token)).toBe(200);
    // Until someone's change of rights flushes the cache.
    const other = (await api.post(owner, '/tokens', { name: 'other', role: 'reader' })).body;
    expect((await api.delete(owner, `/tokens/${other._id}`)).status).toBe(204);
    expect(await status(token.token)).toBe(401);
  });

  it('a deleted token is 401', async () => {
    const token = (await api.post(owner, '/tokens', { name: 'doomed', role: 'reader' })).body;
    await fromCache(() => status(token.token), 200);
    expect((await api.delete(owner, `/tokens/${token._id}`)).status).toBe(204);
    expect(await status(token.token)).toBe(401);
  });

  it('a token rescoped from writer to reader may no longer write, and writes again once rescoped back', async () => {
    const token = (await api.post(owner, '/tokens', { name: 'rescoped', role: 'writer' })).body;
    await fromCache(() => write(token.token), 201);
    expect((await api.patch(owner, `/tokens/${token._id}`, replace('/role', 'reader'))).status).toBe(200);
    expect(await write(token.token)).toBe(403);
    expect((await api.patch(owner, `/tokens/${token._id}`, replace('/role', 'writer'))).status).toBe(200);
    expect(await write(token.token)).toBe(201);
  });

  it('a reset token: the old secret is 401, the new one works', async () => {
    const token = (await api.post(owner, '/tokens', { name: 'reset', role: 'reader' })).body;
    await fromCache(() => status(token.token), 200);
    const reset = await api.post(owner, `/tokens/${token._id}/reset`);
    expect(reset.status).toBe(200);
    expect(await status(token.token)).toBe(401);
    expect(await status(reset.body.token)).toBe(200);
  });

  it("a removed member's token is 401", async () => {
    const member = await addMember(api, owner, 'writer');
    await fromCache(() => status(member.token), 200);
    expect((await api.delete(owner, `/members/${member.memberId}`)).status).toBe(204);
    expect(await status(member.token)).toBe(401);
  });

  it("a downgraded member's writer token may no longer write, and writes again after promotion", async () => {
    const member = await addMember(api, owner, 'writer');
    const token = (await api.post(member.token, '/tokens', { name: 'w', role: 'writer' })).body.token;
    await fromCache(() => write(token), 201);
    expect((await api.patch(owner, `/members/${member.memberId}`, replace('/role', 'reader'))).status).toBe(
      200,
    );
    expect(await write(token)).toBe(403);
    expect((await api.patch(owner, `/members/${member.memberId}`, replace('/role', 'writer'))).status).toBe(
      200,
    );
    expect(await write(token)).toBe(201);
  });

  it("editing a custom role reaches its holders' cached tokens; so does taking it from a member", async () => {
    const maker = (key: string) => ({
      key,
      name: key,
      policy: [{ effect: 'allow', actions: ['createProject'], resources: ['proj/*'] }],
    });
    expect((await api.post(owner, '/roles', maker('edited-maker'))).status).toBe(201);
    expect((await api.post(owner, '/roles', maker('taken-maker'))).status).toBe(201);
    const edited = await addMember(api, owner, 'reader', ['edited-maker']);
    const taken = await addMember(api, owner, 'reader', ['taken-maker']);
    await fromCache(() => write(edited.token), 201);
    await fromCache(() => write(taken.token), 201);

    expect((await api.patch(owner, '/roles/edited-maker', replace('/policy', []))).status).toBe(200);
    expect(await write(edited.token)).toBe(403);

    await fromCache(() => write(taken.token), 201);
    expect((await api.patch(owner, `/members/${taken.memberId}`, replace('/customRoles', []))).status).toBe(
      200,
    );
    expect(await write(taken.token)).toBe(403);
  });
});
