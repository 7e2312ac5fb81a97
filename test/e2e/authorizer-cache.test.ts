import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import type { Api } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
let api: Api;
let owner: string;

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(300));
});

afterAll(async () => {
  await stack.stop();
});

describe("the local gateway's authorizer cache", () => {
  it('reuses one answer for every route until flushed, as API Gateway does', async () => {
    const before = stack.gateway.authorizerInvocations;
    await api.get(owner, '/projects');
    await api.get(owner, '/members');
    await api.get(owner, '/caller-identity');
    expect(stack.gateway.authorizerInvocations - before).toBe(1);
    const flushed = await fetch(`${stack.url}/_local/flush-authorizer-cache`, { method: 'POST' });
    expect(flushed.status).toBe(204);
    await api.get(owner, '/projects');
    expect(stack.gateway.authorizerInvocations - before).toBe(2);
  });

  it('keys the cache on the whole Authorization header: each token is authorized for itself', async () => {
    const other = (await api.post(owner, '/tokens', { name: 'other', role: 'reader' })).body.token;
    const a = await api.get(owner, '/caller-identity');
    const b = await api.get(other, '/caller-identity');
    expect(a.body.tokenId).not.toBe(b.body.tokenId);
  });
});
