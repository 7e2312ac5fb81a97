import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { tokenRepo } from '../../shared/data/token-repo.js';
import { accessTokenFormat } from '../../shared/domain/token-format.js';
import type { Api } from '../support/api.js';
import { within } from '../support/eventually.js';
import { captureOutput } from '../support/logs.js';
import { startTestStack } from '../support/stack.js';

/**
 * IP binding against the local stack. Over HTTP the source address is the socket's (127.0.0.1
 * here); other addresses are given through the stack's own gateway in process, the way the server
 * hands it the socket's address: no header can set it.
 */
let stack: LocalStack;
let api: Api;
let owner: string;

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(300));
});

afterAll(async () => {
  await stack.stop();
});

async function boundToken(
  allowedCidrs: string[],
  role = 'reader',
): Promise<{ id: string; secret: string; body: any }> {
  const made = await api.post(owner, '/tokens', {
    name: `bound-${Date.now()}`,
    role,
    allowedCidrs,
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { id: made.body._id, secret: made.body.token, body: made.body };
}

/** `GET /caller-identity` through the stack's gateway as if from `sourceIp`. */
async function identityFrom(sourceIp: string, secret: string): Promise<{ status: number; body: any }> {
  const answer = await stack.gateway.handle({
    method: 'GET',
    path: '/api/v2/caller-identity',
    headers: { authorization: secret },
    sourceIp,
  });
  return { status: answer.status, body: JSON.parse(answer.body) };
}

const refusedByAddress = async () => {
  const metrics = (await (await fetch(`${stack.url}/_local/metrics`)).json()) as {
    metrics: { name: string; dimensions: Record<string, string>; sum: number }[];
  };
  return (
    metrics.metrics.find((m) => m.name === 'Authorizations' && m.dimensions.reason === 'address_refused')
      ?.sum ?? 0
  );
};

describe('a token bound to source address ranges', () => {
  it('works from 127.0.0.1/32 over HTTP, and its representation shows the ranges normalised', async () => {
    const token = await boundToken(['127.0.0.1', '10.0.0.1/8']);
    expect(token.body.allowedCidrs).toEqual(['127.0.0.1/32', '10.0.0.0/8']);
    const identity = await api.get(token.secret, '/caller-identity');
    expect(identity.status).toBe(200);
    expect((await api.get(owner, `/tokens/${token.id}`)).body.allowedCidrs).toEqual([
      '127.0.0.1/32',
      '10.0.0.0/8',
    ]);
  });

  it('is refused from any other address exactly like an invalid token, logged and counted with its own reason', async () => {
    const token = await boundToken(['10.0.0.0/8', '2001:db8::/32']);
    const before = await refusedByAddress();
    let refused: { status: number; body: any } | undefined;
    const { lines, text } = await captureOutput(async () => {
      refused = await api.get(token.secret, '/caller-identity');
    });
    const invalid = await api.get(accessTokenFormat.generate(), '/caller-identity');
    expect(refused!.status).toBe(401);
    expect({ ...refused!.body, id: undefined }).toEqual({ ...invalid.body, id: undefined });
    expect(await refusedByAddress()).toBe(before + 1);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'token refused', reason: 'ADDRESS_REFUSED', sourceIp: '127.0.0.1' }),
    );
    expect(text).not.toContain(token.secret);
  });

  it('trusts no header for the address: X-Forwarded-For and X-Real-IP do not get a bound token in', async () => {
    const token = await boundToken(['198.51.100.0/24']);
    const answer = await fetch(`${stack.url}/api/v2/caller-identity`, {
      headers: {
        Authorization: token.secret,
        'X-Forwarded-For': '198.51.100.7',
        'X-Real-IP': '198.51.100.7',
      },
    });
    expect(answer.status).toBe(401);
    expect((await identityFrom('198.51.100.7', token.secret)).status).toBe(200);
  });

  it('binds IPv6 and IPv4-mapped sources: ::1 works for ::1, ::ffff:127.0.0.1 for 127.0.0.1/32', async () => {
    const v6 = await boundToken(['::1']);
    expect((await identityFrom('::1', v6.secret)).status).toBe(200);
    expect((await identityFrom('::2', v6.secret)).status).toBe(401);
    expect((await identityFrom('127.0.0.1', v6.secret)).status).toBe(401);
    const v4 = await boundToken(['127.0.0.1/32']);
    expect((await identityFrom('::ffff:127.0.0.1', v4.secret)).status).toBe(200);
  });

  it("never serves one address the cache's answer for another, either way", async () => {
    const local = await boundToken(['127.0.0.1/32']);
    expect((await api.get(local.secret, '/caller-identity')).status).toBe(200); // cached for 127.0.0.1
    const runs = stack.gateway.authorizerInvocations;
    expect((await identityFrom('192.0.2.1', local.secret)).status).toBe(401);
    expect(stack.gateway.authorizerInvocations).toBe(runs + 1);
    expect((await api.get(local.secret, '/caller-identity')).status).toBe(200); // still cached for 127.0.0.1
    expect(stack.gateway.authorizerInvocations).toBe(runs + 1);

    const remote = await boundToken(['192.0.2.0/24']);
    expect((await identityFrom('192.0.2.1', remote.secret)).status).toBe(200); // cached for 192.0.2.1
    expect((await api.get(remote.secret, '/caller-identity')).status).toBe(401);
    expect((await identityFrom('192.0.2.2', remote.secret)).status).toBe(200);
  });

  it('is set, changed and removed by JSON Patch on /allowedCidrs, taking effect at once', async () => {
    const { id, secret } = await boundToken(['127.0.0.1/32']);
    expect((await api.get(secret, '/caller-identity')).status).toBe(200);
    const moved = await api.patch(owner, `/tokens/${id}`, [
      { op: 'replace', path: '/allowedCidrs', value: ['10.0.0.0/8'] },
    ]);
    expect(moved.status).toBe(200);
    expect(moved.body.allowedCidrs).toEqual(['10.0.0.0/8']);
    expect((await api.get(secret, '/caller-identity')).status).toBe(401);
    const added = await api.patch(owner, `/tokens/${id}`, [
      { op: 'add', path: '/allowedCidrs/-', value: '127.0.0.0/8' },
    ]);
    expect(added.body.allowedCidrs).toEqual(['10.0.0.0/8', '127.0.0.0/8']);
    expect((await api.get(secret, '/caller-identity')).status).toBe(200);
    const unbound = await api.patch(owner, `/tokens/${id}`, [{ op: 'remove', path: '/allowedCidrs' }]);
    expect(unbound.status).toBe(200);
    expect(unbound.body.allowedCidrs).toBeUndefined();
    expect((await identityFrom('203.0.113.50', secret)).status).toBe(200);
    const rebound = await api.patch(owner, `/tokens/${id}`, [
      { op: 'add', path: '/allowedCidrs', value: ['203.0.113.0/24'] },
    ]);
    expect(rebound.body.allowedCidrs).toEqual(['203.0.113.0/24']);
    expect((await api.get(secret, '/caller-identity')).status).toBe(401);
  });

  it("is narrowed past a cached answer by the tokens stream too, when the handler's own flush did not happen", async () => {
    const { id, secret } = await boundToken(['127.0.0.1/32']);
    // Answered from the cache (once the stream handler's flushes of earlier tests' changes are past).
    await within(5000, async () => {
      expect((await api.get(secret, '/caller-identity')).status).toBe(200);
      const runs = stack.gateway.authorizerInvocations;
      expect((await api.get(secret, '/caller-identity')).status).toBe(200);
      return stack.gateway.authorizerInvocations === runs;
    });
    // The binding moves as a PATCH moves it, but behind the handler's back: no flush at the edge
    // (as when FlushStageAuthorizersCache fails on AWS); only the stream handler can end the answer.
    const stored = (await tokenRepo.get(stack.accountId, id, true))!;
    await tokenRepo.update(stored, {
      ...stored,
      allowedCidrs: ['10.0.0.0/8'],
      lastModified: Date.now(),
      version: stored.version + 1,
    });
    await within(8000, async () => (await api.get(secret, '/caller-identity')).status === 401);
  });

  it("binds a reset's old secret, still in its grace, as the new one: a later PATCH binds both", async () => {
    const open = (await api.post(owner, '/tokens', { name: 'rotating', role: 'reader' })).body;
    const reset = await api.post(owner, `/tokens/${open._id}/reset`, undefined, {
      expiry: String(Date.now() + 3600_000),
    });
    expect(reset.status).toBe(200);
    expect((await api.get(open.token, '/caller-identity')).status).toBe(200); // in grace
    const bound = await api.patch(owner, `/tokens/${open._id}`, [
      { op: 'add', path: '/allowedCidrs', value: ['10.0.0.0/8'] },
    ]);
    expect(bound.status).toBe(200);
    expect((await api.get(open.token, '/caller-identity')).status).toBe(401);
    expect((await api.get(reset.body.token, '/caller-identity')).status).toBe(401);
    expect((await identityFrom('10.9.9.9', open.token)).status).toBe(200);
  });

  it('is changed only by callers allowed updateAccessTokenPolicy on the token, as a rescope is', async () => {
    const target = await boundToken(['127.0.0.1/32']);
    // A token of the owner that may rename tokens, not rescope (or rebind) them.
    const renamer = await api.post(owner, '/tokens', {
      name: 'renamer',
      inlineRole: [
        {
          effect: 'allow',
          actions: ['viewAccessToken', 'updateAccessTokenName'],
          resources: ['member/*:token/*'],
        },
      ],
    });
    expect(renamer.status).toBe(201);
    const unbind = await api.patch(renamer.body.token, `/tokens/${target.id}`, [
      { op: 'remove', path: '/allowedCidrs' },
    ]);
    expect(unbind.status).toBe(403);
    expect(unbind.body.message).toMatch(/updateAccessTokenPolicy/);
    const widen = await api.patch(renamer.body.token, `/tokens/${target.id}`, [
      { op: 'add', path: '/allowedCidrs/-', value: '0.0.0.0/0' },
    ]);
    expect(widen.status).toBe(403);
    expect(
      (
        await api.patch(renamer.body.token, `/tokens/${target.id}`, [
          { op: 'replace', path: '/name', value: 'n' },
        ])
      ).status,
    ).toBe(200);
    expect((await api.get(owner, `/tokens/${target.id}`)).body.allowedCidrs).toEqual(['127.0.0.1/32']);
  });

  it('is inherited by a clone unless the clone says otherwise', async () => {
    const source = await boundToken(['10.0.0.0/8']);
    const inherited = await api.post(owner, `/tokens/${source.id}/clone`, { name: 'clone' });
    expect(inherited.status).toBe(201);
    expect(inherited.body.allowedCidrs).toEqual(['10.0.0.0/8']);
    expect((await api.get(inherited.body.token, '/caller-identity')).status).toBe(401);
    const rebound = await api.post(owner, `/tokens/${source.id}/clone`, {
      name: 'clone',
      allowedCidrs: ['127.0.0.1/32'],
    });
    expect(rebound.body.allowedCidrs).toEqual(['127.0.0.1/32']);
    expect((await api.get(rebound.body.token, '/caller-identity')).status).toBe(200);
    const unbound = await api.post(owner, `/tokens/${source.id}/clone`, { name: 'clone', allowedCidrs: [] });
    expect(unbound.body.allowedCidrs).toBeUndefined();
    expect((await api.get(unbound.body.token, '/caller-identity')).status).toBe(200);
  });

  it.each([
    [{ allowedCidrs: ['10.0.0.0/8', '10.0.0.0/33'] }, /allowedCidrs\.1: "10\.0\.0\.0\/33"/],
    [{ allowedCidrs: ['not-an-address'] }, /allowedCidrs\.0: "not-an-address" is not an IPv4 or IPv6/],
    [{ allowedCidrs: Array.from({ length: 21 }, (_, i) => `10.${i}.0.0/16`) }, /allowedCidrs/],
    [{ allowedCidrs: '10.0.0.0/8' }, /allowedCidrs/],
  ])('refuses %j with a 400 naming the problem, creating nothing', async (fields, message) => {
    const before = (await api.get(owner, '/tokens', { limit: '1000' })).body.totalCount;
    const made = await api.post(owner, '/tokens', { name: 'bad', role: 'reader', ...fields });
    expect(made.status).toBe(400);
    expect(made.body.message).toMatch(message);
    expect((await api.get(owner, '/tokens', { limit: '1000' })).body.totalCount).toBe(before);
  });

  it('refuses a bad range by PATCH or clone with a 400, changing nothing', async () => {
    const { id, secret } = await boundToken(['127.0.0.1/32']);
    const patched = await api.patch(owner, `/tokens/${id}`, [
      { op: 'add', path: '/allowedCidrs/-', value: '::ffff::1' },
    ]);
    expect(patched.status).toBe(400);
    expect(patched.body.message).toMatch(/allowedCidrs\.1: "::ffff::1"/);
    const cloned = await api.post(owner, `/tokens/${id}/clone`, { name: 'c', allowedCidrs: ['1.2.3.4/40'] });
    expect(cloned.status).toBe(400);
    expect((await api.get(owner, `/tokens/${id}`)).body.allowedCidrs).toEqual(['127.0.0.1/32']);
    expect((await api.get(secret, '/caller-identity')).status).toBe(200);
  });
});

/** A call through the stack's gateway as if from `sourceIp`. */
async function callFrom(
  sourceIp: string,
  secret: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const answer = await stack.gateway.handle({
    method,
    path: `/api/v2${path}`,
    headers: { authorization: secret, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    sourceIp,
  });
  return { status: answer.status, body: answer.body === '' ? undefined : JSON.parse(answer.body) };
}

describe('a bound token hands out and binds nothing wider than itself (its holder inside the ranges cannot escape them)', () => {
  const inside = '10.1.2.3';

  it('creates and clones only secrets bound within its ranges', async () => {
    const ci = await boundToken(['10.1.0.0/16']);
    const create = (fields: object) =>
      callFrom(inside, ci.secret, 'POST', '/tokens', { name: 'minted', role: 'reader', ...fields });
    const unbound = await create({});
    expect(unbound.status).toBe(403);
    expect(unbound.body.message).toMatch(/allowedCidrs: the calling token is bound to 10\.1\.0\.0\/16/);
    expect((await create({ allowedCidrs: [] })).status).toBe(403);
    const wider = await create({ allowedCidrs: ['10.1.0.0/16', '10.0.0.0/8'] });
    expect(wider.status).toBe(403);
    expect(wider.body.message).toMatch(/"10\.0\.0\.0\/8" is outside the calling token's ranges/);
    expect((await create({ allowedCidrs: ['::ffff:10.1.0.0/112'] })).status).toBe(201); // 10.1.0.0/16 itself
    const narrower = await create({ allowedCidrs: ['10.1.2.0/24'] });
    expect(narrower.status).toBe(201);
    expect(narrower.body.allowedCidrs).toEqual(['10.1.2.0/24']);

    const clone = (fields: object) =>
      callFrom(inside, ci.secret, 'POST', `/tokens/${ci.id}/clone`, { name: 'c', ...fields });
    expect((await clone({ allowedCidrs: [] })).status).toBe(403);
    expect((await clone({ allowedCidrs: ['0.0.0.0/0'] })).status).toBe(403);
    const inherited = await clone({});
    expect(inherited.status).toBe(201);
    expect(inherited.body.allowedCidrs).toEqual(['10.1.0.0/16']);
    // An unbound token's clone, made with a bound token, is bound within it too.
    const open = (await api.post(owner, '/tokens', { name: 'open', role: 'reader' })).body;
    expect(
      (await callFrom(inside, ci.secret, 'POST', `/tokens/${open._id}/clone`, { name: 'c' })).status,
    ).toBe(403);
  });

  it('cannot unbind or widen itself or another token by PATCH, but may narrow', async () => {
    const ci = await boundToken(['10.1.0.0/16']);
    const patch = (id: string, ops: object[]) => callFrom(inside, ci.secret, 'PATCH', `/tokens/${id}`, ops);
    expect((await patch(ci.id, [{ op: 'remove', path: '/allowedCidrs' }])).status).toBe(403);
    expect((await patch(ci.id, [{ op: 'add', path: '/allowedCidrs/-', value: '0.0.0.0/0' }])).status).toBe(
      403,
    );
    expect((await api.get(owner, `/tokens/${ci.id}`)).body.allowedCidrs).toEqual(['10.1.0.0/16']);
    const narrowed = await patch(ci.id, [{ op: 'replace', path: '/allowedCidrs', value: ['10.1.2.0/24'] }]);
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.allowedCidrs).toEqual(['10.1.2.0/24']);
    // Renaming is not binding: a bound token still renames itself.
    expect((await patch(ci.id, [{ op: 'replace', path: '/name', value: 'ci-2' }])).status).toBe(200);
    // The member's own unbound token, unbound by PATCH from the bound one: refused too.
    const other = await boundToken(['10.1.2.0/24']);
    expect((await patch(other.id, [{ op: 'remove', path: '/allowedCidrs' }])).status).toBe(403);
    expect((await api.get(owner, `/tokens/${other.id}`)).body.allowedCidrs).toEqual(['10.1.2.0/24']);
  });

  it('resets only tokens bound within its ranges (a reset hands out a secret)', async () => {
    const ci = await boundToken(['10.1.0.0/16'], 'admin');
    const open = (await api.post(owner, '/tokens', { name: 'open', role: 'reader' })).body;
    const refused = await callFrom(inside, ci.secret, 'POST', `/tokens/${open._id}/reset`);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/allowedCidrs/);
    expect((await api.get(open.token, '/caller-identity')).status).toBe(200); // its secret unchanged
    const self = await callFrom(inside, ci.secret, 'POST', `/tokens/${ci.id}/reset`);
    expect(self.status).toBe(200);
    expect(self.body.allowedCidrs).toEqual(['10.1.0.0/16']);
  });

  it('invites no one (an invitation hands out a first token that no binding follows); unbound, the same admin may', async () => {
    const ci = await boundToken(['10.1.0.0/16'], 'admin');
    const email = `bound-invite-${Date.now()}@example.com`;
    const refused = await callFrom(inside, ci.secret, 'POST', '/members', [{ email, role: 'reader' }]);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'allowedCidrs: the calling token is bound to 10.1.0.0/16, so it cannot invite members: an invitation hands out a first token that is not bound',
    );
    const listed = await api.get(owner, '/members', { filter: `query:${email}` });
    expect(JSON.stringify(listed.body)).not.toContain(email);
    expect((await api.post(owner, '/members', [{ email, role: 'reader' }])).status).toBe(201);
  });

  it('an unbound token of the same member is not held to any range', async () => {
    const made = await api.post(owner, '/tokens', { name: 'anywhere', role: 'reader' });
    expect(made.status).toBe(201);
    expect(made.body.allowedCidrs).toBeUndefined();
  });
});
