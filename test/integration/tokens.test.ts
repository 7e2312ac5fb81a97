import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, Api, addMember, type Invited, newAccount } from '../support/api.js';
import { within } from '../support/eventually.js';
import { expectNoChange } from '../support/store.js';

const api = new Api();
let account: Account;
let owner: string;
let writer: Invited;
let reader: Invited;

beforeAll(async () => {
  account = await newAccount();
  owner = account.ownerToken;
  writer = await addMember(api, owner, 'writer');
  reader = await addMember(api, owner, 'reader');
});

const TOKEN_VALUE = /^atk_[0-9A-Za-z]{39}$/;

describe('creating tokens', () => {
  it('returns the full value once, then only its last four characters', async () => {
    const created = await api.post(writer.token, '/tokens', {
      name: 'deploy bot',
      description: 'ci',
      role: 'writer',
    });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(TOKEN_VALUE);
    expect(created.body).toMatchObject({
      name: 'deploy bot',
      description: 'ci',
      role: 'writer',
      memberId: writer.memberId,
      serviceToken: false,
    });
    expect(created.body._member).toMatchObject({ _id: writer.memberId, role: 'writer' });
    const fetched = await api.get(writer.token, `/tokens/${created.body._id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.token).toBe(created.body.token.slice(-4));
    const listed = await api.get(writer.token, '/tokens');
    for (const item of listed.body.items) expect(item.token).toHaveLength(4);
    const works = await api.get(created.body.token, '/caller-identity');
    expect(works.body).toMatchObject({ tokenId: created.body._id, tokenKind: 'personal', role: 'writer' });
  });

  it.each([
    ['reader', 'reader', 201],
    ['reader', 'writer', 403],
    ['reader', 'admin', 403],
    ['writer', 'writer', 201],
    ['writer', 'admin', 403],
    ['owner', 'admin', 201],
  ])('a %s may create a %s token: %s', async (who, role, status) => {
    const token = who === 'reader' ? reader.token : who === 'writer' ? writer.token : owner;
    const created = await api.post(token, '/tokens', { name: `${who}-${role}`, role });
    expect(created.status).toBe(status);
    if (status === 403) expect(created.body).toMatchObject({ code: 'forbidden' });
  });

  it('only callers allowed createAccessToken on service-token/* create service tokens, and they outlive their creator', async () => {
    const denied = await api.post(writer.token, '/tokens', {
      name: 'svc',
      role: 'reader',
      serviceToken: true,
    });
    expect(denied.status).toBe(403);
    const admin = await addMember(api, owner, 'admin');
    const svc = await api.post(admin.token, '/tokens', { name: 'svc', role: 'writer', serviceToken: true });
    expect(svc.status).toBe(201);
    expect(svc.body.serviceToken).toBe(true);
    expect((await api.get(svc.body.token, '/caller-identity')).body.tokenKind).toBe('service');
    expect((await api.delete(owner, `/members/${admin.memberId}`)).status).toBe(204);
    expect((await api.get(admin.token, '/caller-identity')).status).toBe(401);
    expect(
      (await api.post(svc.body.token, '/projects', { key: `svc-${Date.now()}`, name: 'by svc' })).status,
    ).toBe(201);
    // Everyone sees the account's service tokens in their list (never the value).
    const listed = await api.get(reader.token, '/tokens');
    expect(listed.body.items.map((t: any) => t._id)).toContain(svc.body._id);
  });

  it('a token scoped by an inline policy is limited by it', async () => {
    const inline = await api.post(writer.token, '/tokens', {
      name: 'test only',
      inlineRole: [
        { effect: 'allow', actions: ['*'], resources: ['proj/*', 'proj/*:env/*', 'proj/*:env/*:flag/*'] },
        { effect: 'deny', actions: ['*'], resources: ['proj/*:env/production:flag/*'] },
      ],
    });
    expect(inline.status).toBe(201);
    expect(inline.body.inlineRole).toHaveLength(2);
    const check = await api.post(inline.body.token, '/caller-identity/check', {
      action: 'updateOn',
      resource: 'proj/web:env/production:flag/f',
    });
    expect(check.body).toMatchObject({ allowed: false, deniedBy: 'token' });
  });

  it.each([
    ['no scope', { name: 'x' }, 'a scope is required'],
    [
      'two scopes',
      { name: 'x', role: 'reader', inlineRole: [{ effect: 'allow', actions: ['*'], resources: ['proj/*'] }] },
      'exactly one scope',
    ],
    ['a missing name', { role: 'reader' }, 'name'],
    ['an empty name', { name: '', role: 'reader' }, 'name'],
    ['an oversized name', { name: 'n'.repeat(257), role: 'reader' }, 'name'],
    ['a name of the wrong type', { name: 42, role: 'reader' }, 'name'],
    ['an unknown role', { name: 'x', role: 'owner' }, 'role'],
    ['an unknown field', { name: 'x', role: 'reader', secret: true }, 'unknown field(s) "secret"'],
    ['a past expiry', { name: 'x', role: 'reader', expiresAt: 1000 }, 'expiresAt'],
    ['an expiry of the wrong type', { name: 'x', role: 'reader', expiresAt: 'tomorrow' }, 'expiresAt'],
    ['a custom role that does not exist', { name: 'x', customRoleIds: ['ghost'] }, 'customRoleIds'],
    [
      'an invalid inline policy',
      { name: 'x', inlineRole: [{ effect: 'allow', actions: ['fly'], resources: ['proj/*'] }] },
      'inlineRole.0.actions.0',
    ],
    ['a body that is not an object', ['x'], 'expected object'],
  ])('%s is a 400 naming the problem, and stores nothing', async (_, body, message) => {
    await expectNoChange(account.accountId, async () => {
      const reply = await api.post(owner, '/tokens', body);
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('invalid_request');
      expect(reply.body.message).toContain(message);
      expect(reply.body.id).toBeTruthy();
    });
  });

  it('malformed JSON is a 400 invalid_request, not a 415', async () => {
    await expectNoChange(account.accountId, async () => {
      const reply = await api.call(owner, 'POST', '/tokens', { rawBody: '{"name": "x", ' });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        code: 'invalid_request',
        message: 'the request body is not valid JSON',
      });
    });
  });
});

describe('listing tokens', () => {
  it('pages with limit and offset, totalCount and _links', async () => {
    const member = await addMember(api, owner, 'writer');
    for (let i = 0; i < 4; i++) await api.post(member.token, '/tokens', { name: `t${i}`, role: 'reader' });
    const first = await api.get(member.token, '/tokens', { limit: '2' });
    const own = first.body.items.filter((t: any) => !t.serviceToken);
    expect(first.body.totalCount).toBeGreaterThanOrEqual(5);
    expect(own.length).toBeLessThanOrEqual(2);
    expect(first.body._links.next.href).toContain('offset=2');
    expect(first.body._links.prev).toBeUndefined();
    const second = await api.get(member.token, '/tokens', { limit: '2', offset: '2' });
    expect(second.body._links.prev.href).toContain('offset=0');
    expect(second.body.items.map((t: any) => t._id)).not.toContain(first.body.items[0]._id);
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ offset: '-1' }, 'offset'],
    [{ showAll: 'yes' }, 'showAll'],
  ])('bad query %j is a 400 naming %s', async (query, field) => {
    const reply = await api.get(owner, '/tokens', query);
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain(field);
  });

  it('shows a member their own tokens only; showAll is for admins', async () => {
    const mine = await api.get(reader.token, '/tokens', { limit: '1000' });
    expect(mine.body.items.every((t: any) => t.serviceToken || t.memberId === reader.memberId)).toBe(true);
    expect((await api.get(reader.token, '/tokens', { showAll: 'true' })).status).toBe(403);
    const all = await api.get(owner, '/tokens', { showAll: 'true', limit: '1000' });
    const owners = new Set(all.body.items.map((t: any) => t.memberId));
    expect(owners.has(reader.memberId) && owners.has(writer.memberId)).toBe(true);
    for (const t of all.body.items) expect(t.token).toHaveLength(4);
  });
});

describe("other members' tokens", () => {
  it('are a 404 to a non-admin for every operation, and change nothing', async () => {
    const id = writer.tokenId;
    await expectNoChange(account.accountId, async () => {
      for (const reply of [
        await api.get(reader.token, `/tokens/${id}`),
        await api.patch(reader.token, `/tokens/${id}`, [{ op: 'replace', path: '/name', value: 'mine now' }]),
        await api.delete(reader.token, `/tokens/${id}`),
        await api.post(reader.token, `/tokens/${id}/reset`),
        await api.post(reader.token, `/tokens/${id}/clone`, { name: 'copy' }),
      ]) {
        expect(reply.status).toBe(404);
        expect(reply.body.code).toBe('not_found');
      }
    });
  });

  it('are visible and manageable by an admin, never their value', async () => {
    const target = await api.post(writer.token, '/tokens', { name: 'to rename', role: 'reader' });
    const seen = await api.get(owner, `/tokens/${target.body._id}`);
    expect(seen.body.token).toBe(target.body.token.slice(-4));
    const renamed = await api.patch(owner, `/tokens/${target.body._id}`, [
      { op: 'replace', path: '/name', value: 'renamed by admin' },
    ]);
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('renamed by admin');
  });
});

describe('patching tokens', () => {
  const fresh = async (body: object = { name: 'patch me', role: 'reader' }) =>
    (await api.post(writer.token, '/tokens', body)).body;

  it('renames, describes, rescopes and sets an expiry', async () => {
    const token = await fresh();
    const later = Date.now() + 3_600_000;
    const reply = await api.patch(writer.token, `/tokens/${token._id}`, [
      { op: 'test', path: '/name', value: 'patch me' },
      { op: 'replace', path: '/name', value: 'patched' },
      { op: 'add', path: '/description', value: 'now described' },
      { op: 'replace', path: '/role', value: 'writer' },
      { op: 'add', path: '/expiresAt', value: later },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      name: 'patched',
      description: 'now described',
      role: 'writer',
      expiresAt: later,
    });
    expect(reply.body.lastModified).toBeGreaterThanOrEqual(token.lastModified);
    const works = await api.post(token.token, '/caller-identity/check', {
      action: 'createProject',
      resource: 'proj/x',
    });
    expect(works.body.allowed).toBe(true);
  });

  it('moves a token from a role to an inline policy in one patch', async () => {
    const token = await fresh();
    const reply = await api.patch(writer.token, `/tokens/${token._id}`, [
      { op: 'remove', path: '/role' },
      {
        op: 'replace',
        path: '/inlineRole',
        value: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
      },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.body.role).toBeUndefined();
    expect(reply.body.inlineRole).toHaveLength(1);
  });

  it.each([
    ['a _ field', [{ op: 'replace', path: '/_id', value: 'x' }], 400, '"/_id" cannot be changed'],
    ['_member', [{ op: 'replace', path: '/_member/role', value: 'admin' }], 400, 'cannot be changed'],
    ['an unknown path', [{ op: 'add', path: '/color', value: 'red' }], 400, '"/color" cannot be changed'],
    ['a read-only field', [{ op: 'replace', path: '/serviceToken', value: true }], 400, 'cannot be changed'],
    ['the token value', [{ op: 'replace', path: '/token', value: 'atk_x' }], 400, 'cannot be changed'],
    [
      'a failed test',
      [
        { op: 'test', path: '/name', value: 'other' },
        { op: 'replace', path: '/name', value: 'x' },
      ],
      409,
      'test operation failed',
    ],
    ['a role above the member', [{ op: 'replace', path: '/role', value: 'admin' }], 403, 'higher role'],
    [
      'two scopes at once',
      [{ op: 'replace', path: '/customRoleIds', value: ['x'] }],
      400,
      'exactly one scope',
    ],
    ['an empty name', [{ op: 'replace', path: '/name', value: '' }], 400, 'name'],
    ['a past expiry', [{ op: 'add', path: '/expiresAt', value: 5 }], 400, 'expiresAt'],
    ['a bad op', [{ op: 'frobnicate', path: '/name' }], 400, 'JSON Patch'],
    ['an empty patch', [], 400, 'at least one operation'],
    ['a patch that is not an array', { name: 'x' }, 400, 'JSON Patch'],
    [
      'an op with unknown fields',
      [{ op: 'replace', path: '/name', value: 'x', extra: 1 }],
      400,
      'JSON Patch',
    ],
    ['removing a missing path', [{ op: 'remove', path: '/description' }], 400, 'patch.0'],
  ])('%s is refused (%s) and changes nothing', async (_, patch, status, message) => {
    const token = await fresh();
    await expectNoChange(account.accountId, async () => {
      const reply = await api.patch(writer.token, `/tokens/${token._id}`, patch);
      expect(reply.status).toBe(status);
      expect(reply.body.message).toContain(message);
    });
  });

  it("a service token's scope cannot be changed", async () => {
    const svc = await api.post(owner, '/tokens', { name: 'svc', role: 'reader', serviceToken: true });
    const reply = await api.patch(owner, `/tokens/${svc.body._id}`, [
      { op: 'replace', path: '/role', value: 'writer' },
    ]);
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain('scope cannot be changed');
    const renamed = await api.patch(owner, `/tokens/${svc.body._id}`, [
      { op: 'replace', path: '/name', value: 'svc 2' },
    ]);
    expect(renamed.status).toBe(200);
  });

  it('20 concurrent patches to one token: each applies or gets 409, and the item reflects exactly the applied ones', async () => {
    const token = await fresh({ name: 'contended', role: 'reader', description: '' });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.patch(writer.token, `/tokens/${token._id}`, [
          { op: 'test', path: '/description', value: '' },
          { op: 'replace', path: '/description', value: `writer ${i}` },
        ]),
      ),
    );
    const applied = replies.filter((r) => r.status === 200);
    const conflicts = replies.filter((r) => r.status === 409);
    expect(applied.length + conflicts.length).toBe(20);
    expect(applied.length).toBe(1);
    const final = await api.get(writer.token, `/tokens/${token._id}`);
    expect(final.body.description).toBe(applied[0]!.body.description);
  });

  it('20 concurrent unconditional patches: the stored version counts exactly the applied ones', async () => {
    const token = await fresh({ name: 'counter', role: 'reader' });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.patch(writer.token, `/tokens/${token._id}`, [
          { op: 'replace', path: '/name', value: `name ${i}` },
        ]),
      ),
    );
    expect(replies.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const applied = replies.filter((r) => r.status === 200);
    expect(applied.length).toBeGreaterThanOrEqual(1);
    const { tokenRepo } = await import('../../shared/data/token-repo.js');
    const stored = await tokenRepo.get(account.accountId, token._id, true);
    expect(stored!.version).toBe(1 + applied.length);
    expect(applied.map((r) => r.body.name)).toContain(stored!.name);
  });
  it("a member's removal revokes a token as it is now: a reset made since it was listed leaves no secret's item behind", async () => {
    const { tokenRepo } = await import('../../shared/data/token-repo.js');
    const { hashSecret } = await import('../../shared/domain/token-format.js');
    const token = await fresh({ name: 'reset meanwhile', role: 'reader' });
    const listed = (await tokenRepo.get(account.accountId, token._id, true))!;
    const reset = await api.post(writer.token, `/tokens/${token._id}/reset`);
    expect(reset.status).toBe(200);
    expect(await tokenRepo.getHash(hashSecret(reset.body.token))).toBeDefined();
    // The stream handler revokes what it listed before the reset.
    expect(await tokenRepo.revoke(listed, { reason: 'member_removed', revokedAt: Date.now() })).toBe(true);
    expect(await tokenRepo.get(account.accountId, token._id, true)).toBeUndefined();
    expect(await tokenRepo.getHash(hashSecret(reset.body.token))).toBeUndefined();
    expect(await tokenRepo.getHash(listed.hash)).toBeUndefined();
    expect((await api.get(reset.body.token, '/caller-identity')).status).toBe(401);
    // Gone already: nothing to revoke.
    expect(await tokenRepo.revoke(listed, { reason: 'member_removed', revokedAt: Date.now() })).toBe(false);
  });

  it("a use the authorizer records between a change's read and its write is kept, not erased", async () => {
    const { tokenRepo } = await import('../../shared/data/token-repo.js');
    const token = await fresh({ name: 'in use', role: 'reader' });
    for (const change of ['rename', 'reset'] as const) {
      const before = (await tokenRepo.get(account.accountId, token._id, true))!;
      // The authorizer's write of a use (no new version), after the change read the token.
      const usedAt = (before.lastUsed ?? 0) + 60_000 + Date.now();
      expect(await tokenRepo.touchLastUsed(before, before.hash, usedAt, 60_000)).toBe(true);
      if (change === 'rename') {
        await tokenRepo.update(before, { ...before, name: 'renamed', version: before.version + 1 });
      } else {
        const { newSecret } = await import('../../shared/services/token-factory.js');
        const { hash, last4 } = newSecret();
        await tokenRepo.replaceSecret(before, { ...before, hash, last4, version: before.version + 1 });
      }
      const stored = (await tokenRepo.get(account.accountId, token._id, true))!;
      expect(stored.version, change).toBe(before.version + 1);
      expect(stored.lastUsed, change).toBe(usedAt);
      expect(stored.name).toBe('renamed');
      // The secret's item, which the authorizer reads, carries the same copy; a reset's old one is gone.
      expect(await tokenRepo.getHash(stored.hash), change).toMatchObject({
        version: stored.version,
        name: 'renamed',
        lastUsed: usedAt,
      });
      if (change === 'reset') expect(await tokenRepo.getHash(before.hash)).toBeUndefined();
    }
    // A change of anything else since the read is still the conflict it was.
    const before = (await tokenRepo.get(account.accountId, token._id, true))!;
    await tokenRepo.update(before, { ...before, description: 'first', version: before.version + 1 });
    await expect(
      tokenRepo.update(before, { ...before, description: 'second', version: before.version + 1 }),
    ).rejects.toThrow(/changed by another request/);
  });
});

describe('reset, clone and delete', () => {
  it('reset returns a new value; the old one works until expiry, then 401', async () => {
    const token = (await api.post(writer.token, '/tokens', { name: 'rotate', role: 'reader' })).body;
    const grace = Date.now() + 1500;
    const reset = await api.post(writer.token, `/tokens/${token._id}/reset`, undefined, {
      expiry: String(grace),
    });
    expect(reset.status).toBe(200);
    expect(reset.body.token).toMatch(TOKEN_VALUE);
    expect(reset.body.token).not.toBe(token.token);
    expect((await api.get(reset.body.token, '/caller-identity')).status).toBe(200);
    expect((await api.get(token.token, '/caller-identity')).status).toBe(200);
    await new Promise((r) => setTimeout(r, grace - Date.now() + 50));
    expect((await api.get(token.token, '/caller-identity')).status).toBe(401);
    expect((await api.get(reset.body.token, '/caller-identity')).status).toBe(200);
  });

  it('reset without expiry ends the old value at once; a second reset ends the secret still in grace', async () => {
    const token = (await api.post(writer.token, '/tokens', { name: 'rotate now', role: 'reader' })).body;
    const first = await api.post(writer.token, `/tokens/${token._id}/reset`, undefined, {
      expiry: String(Date.now() + 60_000),
    });
    const second = await api.post(writer.token, `/tokens/${token._id}/reset`);
    expect((await api.get(token.token, '/caller-identity')).status).toBe(401);
    expect((await api.get(first.body.token, '/caller-identity')).status).toBe(401);
    expect((await api.get(second.body.token, '/caller-identity')).status).toBe(200);
  });

  it('a bad expiry is a 400', async () => {
    const reply = await api.post(writer.token, `/tokens/${writer.tokenId}/reset`, undefined, {
      expiry: 'soon',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain('expiry');
  });

  it('clone makes a new token with the same scope and a new value', async () => {
    const source = (
      await api.post(writer.token, '/tokens', {
        name: 'source',
        inlineRole: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
      })
    ).body;
    const clone = await api.post(writer.token, `/tokens/${source._id}/clone`, { name: 'the clone' });
    expect(clone.status).toBe(201);
    expect(clone.body).toMatchObject({
      name: 'the clone',
      inlineRole: source.inlineRole,
      memberId: writer.memberId,
    });
    expect(clone.body._id).not.toBe(source._id);
    expect(clone.body.token).toMatch(TOKEN_VALUE);
    expect(
      (await api.post(writer.token, `/tokens/${source._id}/clone`, { name: 'x', role: 'admin' })).status,
    ).toBe(400);
  });

  it('a deleted token is 401 from then on, and its id is gone', async () => {
    const token = (await api.post(writer.token, '/tokens', { name: 'doomed', role: 'reader' })).body;
    expect((await api.get(token.token, '/caller-identity')).status).toBe(200);
    expect((await api.delete(writer.token, `/tokens/${token._id}`)).status).toBe(204);
    const after = await api.get(token.token, '/caller-identity');
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 'unauthorized', message: 'Invalid access token' });
    expect((await api.get(writer.token, `/tokens/${token._id}`)).status).toBe(404);
    expect((await api.delete(writer.token, `/tokens/${token._id}`)).status).toBe(404);
  });

  it('an expired token is 401', async () => {
    const token = (
      await api.post(writer.token, '/tokens', { name: 'short', role: 'reader', expiresAt: Date.now() + 800 })
    ).body;
    expect((await api.get(token.token, '/caller-identity')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 900));
    expect((await api.get(token.token, '/caller-identity')).status).toBe(401);
  });
});

describe('usage', () => {
  it("records lastUsed and the member's _lastSeen on use, at most once a minute", async () => {
    const member = await addMember(api, owner, 'reader');
    const token = (await api.post(member.token, '/tokens', { name: 'used', role: 'reader' })).body;
    expect(token.lastUsed).toBeUndefined();
    const before = Date.now();
    expect((await api.get(token.token, '/projects')).status).toBe(200);
    let seen: any;
    await within(2000, async () => {
      seen = (await api.get(owner, `/tokens/${token._id}`)).body;
      return seen.lastUsed !== undefined;
    });
    expect(seen.lastUsed).toBeGreaterThanOrEqual(before);
    expect((await api.get(owner, `/members/${member.memberId}`)).body._lastSeen).toBe(seen.lastUsed);
    expect((await api.get(token.token, '/projects')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect((await api.get(owner, `/tokens/${token._id}`)).body.lastUsed).toBe(seen.lastUsed);
  });
});

describe('tokens and their member', () => {
  it('a writer token of a member downgraded to reader gets 403 on writes and 200 on reads', async () => {
    const member = await addMember(api, owner, 'writer');
    const token = (await api.post(member.token, '/tokens', { name: 'writes', role: 'writer' })).body.token;
    expect((await api.post(token, '/projects', { key: `p-${Date.now()}`, name: 'before' })).status).toBe(201);
    expect(
      (
        await api.patch(owner, `/members/${member.memberId}`, [
          { op: 'replace', path: '/role', value: 'reader' },
        ])
      ).status,
    ).toBe(200);
    const write = await api.post(token, '/projects', { key: `q-${Date.now()}`, name: 'after' });
    expect(write.status).toBe(403);
    expect(write.body.message).toContain('member');
    expect((await api.get(token, '/projects')).status).toBe(200);
  });

  it('a reader token of an admin cannot mint a stronger token', async () => {
    const admin = await addMember(api, owner, 'admin');
    const weak = (await api.post(admin.token, '/tokens', { name: 'weak', role: 'reader' })).body.token;
    const escalate = await api.post(weak, '/tokens', { name: 'strong', role: 'admin' });
    expect(escalate.status).toBe(403);
    const inline = await api.post(weak, '/tokens', {
      name: 'strong',
      inlineRole: [{ effect: 'allow', actions: ['*'], resources: ['acct'] }],
    });
    expect(inline.status).toBe(403);
    expect((await api.post(weak, '/tokens', { name: 'also weak', role: 'reader' })).status).toBe(201);
  });
});
