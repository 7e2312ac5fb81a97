import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { accessTokenFormat, inviteCodeFormat } from '../../shared/domain/token-format.js';
import { LEAK_REPORTS_PER_ADDRESS } from '../../shared/http/routes.js';
import type { Api } from '../support/api.js';
import { within } from '../support/eventually.js';
import { captureOutput } from '../support/logs.js';
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

const newToken = async (fields: Record<string, unknown> = {}) => {
  const made = await api.post(owner, '/tokens', { name: `t-${Date.now()}`, role: 'reader', ...fields });
  expect(made.status).toBe(201);
  return { id: made.body._id as string, secret: made.body.token as string };
};

/** A report over HTTP, with no credentials, as a secret scanner sends it. */
async function report(tokens: unknown): Promise<{ status: number; headers: Headers; text: string }> {
  const answer = await fetch(`${stack.url}/api/v2/tokens/leaked`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tokens }),
  });
  return { status: answer.status, headers: answer.headers, text: await answer.text() };
}

/** The same report through the stack's gateway as if from `sourceIp` (what the server passes it). */
const reportFrom = (sourceIp: string, tokens: string[]) =>
  stack.gateway.handle({
    method: 'POST',
    path: '/api/v2/tokens/leaked',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tokens }),
    sourceIp,
  });

const revokedEvent = async (tokenId: string) => {
  const { items } = (await (await fetch(`${stack.url}/_local/events`)).json()) as { items: any[] };
  return items.find((e) => e['detail-type'] === 'Token Revoked' && e.detail.tokenId === tokenId);
};

describe('POST /tokens/leaked', () => {
  it('revokes a reported live token at once, with a Token Revoked event of reason leaked', async () => {
    const leaked = await newToken();
    const bystander = await newToken();
    expect((await api.get(leaked.secret, '/caller-identity')).status).toBe(200); // cached now
    const answer = await report([`  ${leaked.secret}`, leaked.secret]);
    expect(answer.status).toBe(202);
    expect((await api.get(leaked.secret, '/caller-identity')).status).toBe(401);
    expect((await api.get(owner, `/tokens/${leaked.id}`)).status).toBe(404);
    expect((await api.get(bystander.secret, '/caller-identity')).status).toBe(200);
    await within(15_000, async () => (await revokedEvent(leaked.id)) !== undefined, 100);
    const event = await revokedEvent(leaked.id);
    expect(event.detail).toMatchObject({ reason: 'leaked', tokenId: leaked.id });
    expect(JSON.stringify(event)).not.toContain(leaked.secret);
  });

  it('answers the identical 202 whatever the values are: live, unknown, garbage, another kind of secret', async () => {
    const live = await newToken({ serviceToken: true });
    const answers = [
      await report([live.secret]),
      await report([accessTokenFormat.generate()]),
      await report(['hunter2', 'x'.repeat(256)]),
      await report([inviteCodeFormat.generate(), `${live.secret.slice(0, -1)}x`]),
      await report([live.secret]), // already revoked
    ];
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.text).toBe(answers[0]!.text);
      expect(a.headers.get('content-type')).toBe('application/json');
    }
    expect(JSON.parse(answers[0]!.text)).toEqual({
      message: 'Received: every live access token among the reported values is revoked',
    });
    expect((await api.get(live.secret, '/caller-identity')).status).toBe(401);
  });

  it('revokes the whole token when an old secret still in grace after a reset is reported', async () => {
    const token = await newToken();
    const reset = await api.post(owner, `/tokens/${token.id}/reset`, undefined, {
      expiry: String(Date.now() + 3_600_000),
    });
    expect(reset.status).toBe(200);
    expect((await api.get(token.secret, '/caller-identity')).status).toBe(200); // in grace
    expect((await report([token.secret])).status).toBe(202);
    expect((await api.get(token.secret, '/caller-identity')).status).toBe(401);
    expect((await api.get(reset.body.token, '/caller-identity')).status).toBe(401);
  });

  it.each([
    [{}, /tokens/],
    [{ tokens: [] }, /tokens: at least one value/],
    [{ tokens: Array.from({ length: 101 }, () => 'x') }, /tokens: at most 100 values/],
    [{ tokens: [42] }, /tokens\.0/],
    [{ tokens: ['x'.repeat(257)] }, /tokens\.0/],
    [{ tokens: ['x'], extra: 1 }, /unknown field/],
  ])('refuses the body %j with a 400 naming the problem', async (body, message) => {
    const answer = await fetch(`${stack.url}/api/v2/tokens/leaked`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body).slice(0, 10_000),
    });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { message: string }).message).toMatch(message);
  });

  it('never logs a reported value', async () => {
    const leaked = await newToken();
    const made = accessTokenFormat.generate();
    const { text } = await captureOutput(async () => {
      expect((await report([leaked.secret, made, 'not-a-token-value-xyz'])).status).toBe(202);
    });
    expect(text).not.toContain(leaked.secret);
    expect(text).not.toContain(made);
    expect(text).not.toContain('not-a-token-value-xyz');
  });

  it(`limits each address to ${LEAK_REPORTS_PER_ADDRESS.requests} reports in ${LEAK_REPORTS_PER_ADDRESS.windowSeconds} s, then 429 in the error shape`, async () => {
    const address = '198.51.100.23';
    for (let i = 0; i < LEAK_REPORTS_PER_ADDRESS.requests; i++) {
      const answer = await reportFrom(address, ['garbage']);
      expect(answer.status).toBe(202);
    }
    const refused = await reportFrom(address, ['garbage']);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'rate_limited', id: expect.any(String) });
    // Another address is not limited, nor is another route from that address.
    expect((await reportFrom('198.51.100.24', ['garbage'])).status).toBe(202);
    const other = await stack.gateway.handle({
      method: 'GET',
      path: '/api/v2/caller-identity',
      headers: { authorization: owner },
      sourceIp: address,
    });
    expect(other.status).toBe(200);
  });
});
