import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { type Api, addMember } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

// API.md's token rules, over HTTP against a running local stack, with only the tokens it hands out.
let stack: LocalStack;
let api: Api;
let owner: string;

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
});

afterAll(async () => {
  await stack.stop();
});

describe('token rules over HTTP', () => {
  it('the owner token from the first start works, raw or as Bearer', async () => {
    expect((await api.get(owner, '/caller-identity')).status).toBe(200);
    expect((await api.get(`Bearer ${owner}`, '/caller-identity')).body.memberId).toBeTruthy();
  });

  it('a writer token of a member downgraded to reader gets 403 on writes and 200 on reads', async () => {
    const member = await addMember(api, owner, 'writer');
    const token = (await api.post(member.token, '/tokens', { name: 'w', role: 'writer' })).body.token;
    expect((await api.post(token, '/projects', { key: 'before', name: 'Before' })).status).toBe(201);
    await api.patch(owner, `/members/${member.memberId}`, [
      { op: 'replace', path: '/role', value: 'reader' },
    ]);
    expect((await api.post(token, '/projects', { key: 'after', name: 'After' })).status).toBe(403);
    expect((await api.get(token, '/projects')).status).toBe(200);
    expect((await api.get(token, '/projects/before')).status).toBe(200);
  });

  it('a token can never do more than its member: an admin-role token of a writer cannot manage members', async () => {
    const member = await addMember(api, owner, 'writer');
    expect((await api.post(member.token, '/tokens', { name: 'a', role: 'admin' })).status).toBe(403);
    const check = await api.post(member.token, '/caller-identity/check', {
      action: 'deleteMember',
      resource: 'member/x',
    });
    expect(check.body.allowed).toBe(false);
  });

  it('a deleted token gets 401', async () => {
    const token = (await api.post(owner, '/tokens', { name: 'gone', role: 'reader' })).body;
    expect((await api.get(token.token, '/projects')).status).toBe(200);
    expect((await api.delete(owner, `/tokens/${token._id}`)).status).toBe(204);
    const reply = await api.get(token.token, '/projects');
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 'unauthorized', message: 'Invalid access token' });
  });

  it('an inline policy keeps a token out of production', async () => {
    await api.post(owner, '/projects', { key: 'shop', name: 'Shop' });
    await api.post(owner, '/flags/shop', { key: 'sale', name: 'Sale' });
    const token = (
      await api.post(owner, '/tokens', {
        name: 'staging bot',
        inlineRole: [
          { effect: 'allow', actions: ['*'], resources: ['proj/*:env/*:flag/*'] },
          { effect: 'deny', actions: ['*'], resources: ['proj/*:env/production:flag/*'] },
        ],
      })
    ).body.token;
    expect(
      (
        await api.patch(token, '/flags/shop/sale', [
          { op: 'replace', path: '/environments/test/on', value: true },
        ])
      ).status,
    ).toBe(200);
    const prod = await api.patch(token, '/flags/shop/sale', [
      { op: 'replace', path: '/environments/production/on', value: true },
    ]);
    expect(prod.status).toBe(403);
    expect(prod.body.code).toBe('forbidden');
  });

  it("a removed member's tokens are 401; service tokens they made keep working", async () => {
    const admin = await addMember(api, owner, 'admin');
    const svc = (await api.post(admin.token, '/tokens', { name: 'svc', role: 'reader', serviceToken: true }))
      .body.token;
    await api.delete(owner, `/members/${admin.memberId}`);
    expect((await api.get(admin.token, '/projects')).status).toBe(401);
    expect((await api.get(svc, '/projects')).status).toBe(200);
  });

  it('only admins create service tokens; a reader creates reader tokens only', async () => {
    const reader = await addMember(api, owner, 'reader');
    expect(
      (await api.post(reader.token, '/tokens', { name: 's', role: 'reader', serviceToken: true })).status,
    ).toBe(403);
    expect((await api.post(reader.token, '/tokens', { name: 'w', role: 'writer' })).status).toBe(403);
    expect((await api.post(reader.token, '/tokens', { name: 'r', role: 'reader' })).status).toBe(201);
  });

  it('only the owner and admins see a token; nobody sees its value again', async () => {
    const a = await addMember(api, owner, 'writer');
    const b = await addMember(api, owner, 'writer');
    const created = (await api.post(a.token, '/tokens', { name: 'mine', role: 'reader' })).body;
    expect((await api.get(b.token, `/tokens/${created._id}`)).status).toBe(404);
    const admin = await api.get(owner, `/tokens/${created._id}`);
    expect(admin.status).toBe(200);
    expect(admin.body.token).toBe(created.token.slice(-4));
    const all = await api.get(owner, '/tokens', { showAll: 'true', limit: '1000' });
    expect(JSON.stringify(all.body)).not.toContain(created.token);
  });

  it('an unauthenticated call never reaches a handler', async () => {
    for (const token of [null, '', 'Bearer', 'atk_short']) {
      const reply = await api.get(token, '/members');
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ code: 'unauthorized', message: 'Invalid access token' });
    }
  });
});
