import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, Api, addMember, newAccount } from '../support/api.js';

const api = new Api();
let account: Account;

beforeAll(async () => {
  account = await newAccount();
});

describe('caller identity', () => {
  it('describes the calling token', async () => {
    const reply = await api.get(account.ownerToken, '/caller-identity');
    expect(reply.body).toMatchObject({
      accountId: account.accountId,
      memberId: account.ownerId,
      tokenKind: 'personal',
      serviceToken: false,
    });
  });

  it("shows the token's scope beside what its member is now: a downgraded member's writer token says writer, and reader", async () => {
    const role = await api.post(account.ownerToken, '/roles', {
      key: `viewer-${randomUUID().slice(0, 8)}`,
      name: 'Viewer',
      policy: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
    });
    expect(role.status).toBe(201);
    const member = await addMember(api, account.ownerToken, 'writer');
    const writerToken = await api.post(member.token, '/tokens', { name: 'ci', role: 'writer' });
    expect((await api.get(writerToken.body.token, '/caller-identity')).body).toMatchObject({
      role: 'writer',
      memberRole: 'writer',
      memberCustomRoles: [],
    });
    const changed = await api.patch(account.ownerToken, `/members/${member.memberId}`, [
      { op: 'replace', path: '/role', value: 'reader' },
      { op: 'replace', path: '/customRoles', value: [role.body.key] },
    ]);
    expect(changed.status).toBe(200);
    const after = await api.get(writerToken.body.token, '/caller-identity');
    expect(after.body).toMatchObject({
      tokenId: writerToken.body._id,
      memberId: member.memberId,
      role: 'writer',
      memberRole: 'reader',
      memberCustomRoles: [role.body.key],
    });
  });

  it("the owner's token names the owner role; a service token has no member, so no member role", async () => {
    const own = await api.get(account.ownerToken, '/caller-identity');
    expect(own.body).toMatchObject({ memberRole: 'owner', memberCustomRoles: [] });
    const service = await api.post(account.ownerToken, '/tokens', {
      name: 'deploys',
      role: 'writer',
      serviceToken: true,
    });
    const identity = await api.get(service.body.token, '/caller-identity');
    expect(identity.body).toMatchObject({ serviceToken: true, tokenKind: 'service', role: 'writer' });
    expect(identity.body).not.toHaveProperty('memberRole');
    expect(identity.body).not.toHaveProperty('memberCustomRoles');
  });

  it('check gives the effective decision and which side denied', async () => {
    const member = await addMember(api, account.ownerToken, 'reader');
    const writerToken = await api.post(account.ownerToken, '/tokens', { name: 'w', role: 'writer' });
    const allowed = await api.post(writerToken.body.token, '/caller-identity/check', {
      action: 'updateOn',
      resource: 'proj/a:env/test:flag/f',
    });
    expect(allowed.body.allowed).toBe(true);
    const byMember = await api.post(member.token, '/caller-identity/check', {
      action: 'updateOn',
      resource: 'proj/a:env/test:flag/f',
    });
    expect(byMember.body).toMatchObject({ allowed: false, deniedBy: 'token' });
    await api.patch(account.ownerToken, `/members/${member.memberId}`, [
      { op: 'replace', path: '/role', value: 'no_access' },
    ]);
    const none = await api.post(member.token, '/caller-identity/check', {
      action: 'viewProject',
      resource: 'proj/a',
    });
    expect(none.body).toMatchObject({ allowed: false, deniedBy: 'member' });
  });

  it.each([
    [{ action: 'fly', resource: 'proj/a' }, 'action'],
    [{ action: 'viewProject', resource: 'planet/mars' }, 'resource'],
    [{ action: 'viewProject' }, 'resource'],
    // Beyond what any stored resource can be: it names nothing, so no decision is made on it.
    [{ action: 'viewProject', resource: `proj/${'k'.repeat(101)}` }, 'no key has more than 100'],
    [{ action: 'viewProject', resource: `proj/p;${'t'.repeat(65)}` }, 'no tag has more than 64'],
  ])('a bad check %j is a 400 naming %s', async (body, field) => {
    const reply = await api.post(account.ownerToken, '/caller-identity/check', body);
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain(field);
  });
});

describe('the check answers as the real request would', () => {
  it("adds the stored resource's tags: the owner's `owner` tag, a project's tags", async () => {
    const admin = await addMember(api, account.ownerToken, 'admin');
    const check = (token: string, action: string, resource: string) =>
      api.post(token, '/caller-identity/check', { action, resource });
    const owner = await check(admin.token, 'deleteMember', `member/${account.ownerId}`);
    expect(owner.body.allowed).toBe(false);
    expect((await api.delete(admin.token, `/members/${account.ownerId}`)).status).toBe(403);
    expect((await check(admin.token, 'deleteMember', `member/${admin.memberId}`)).body.allowed).toBe(true);

    expect(
      (await api.post(account.ownerToken, '/projects', { key: 'tagged', name: 'Tagged', tags: ['prod'] }))
        .status,
    ).toBe(201);
    const noProd = await api.post(account.ownerToken, '/tokens', {
      name: 'no prod',
      inlineRole: [
        { effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] },
        { effect: 'deny', actions: ['viewProject'], resources: ['proj/*;prod'] },
      ],
    });
    expect((await check(noProd.body.token, 'viewProject', 'proj/tagged')).body.allowed).toBe(false);
    expect((await api.get(noProd.body.token, '/projects/tagged')).status).toBe(404);
    expect((await check(noProd.body.token, 'viewProject', 'proj/untagged')).body.allowed).toBe(true);
  });

  it('a resource whose tags, named and stored, are more than anything carries is a 400 that says so', async () => {
    const stored = Array.from({ length: 50 }, (_, i) => `s${i}`);
    const key = `full-${randomUUID().slice(0, 8)}`;
    const created = await api.post(account.ownerToken, '/projects', { key, name: 'Full', tags: stored });
    expect(created.status).toBe(201);
    const check = (resource: string) =>
      api.post(account.ownerToken, '/caller-identity/check', { action: 'viewProject', resource });
    expect((await check(`proj/${key};s0,s1`)).status).toBe(200);
    const more = await check(`proj/${key};extra`);
    expect(more.status).toBe(400);
    expect(more.body.message).toBe(
      'resource: with the tags stored on it, proj has 51 tags; no proj carries more than 50',
    );
  });
});
