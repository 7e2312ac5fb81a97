import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, Api, addMember, newAccount } from '../support/api.js';
import { expectNoChange } from '../support/store.js';

const api = new Api();
let account: Account;
let owner: string;

beforeAll(async () => {
  account = await newAccount();
  owner = account.ownerToken;
});

const email = (tag: string) => `${tag}-${Math.random().toString(36).slice(2)}@example.com`;

describe('inviting members', () => {
  it('creates members with single-use invitation codes shown only at creation', async () => {
    const reply = await api.post(owner, '/members', [
      { email: email('a'), role: 'writer' },
      { email: email('b') },
    ]);
    expect(reply.status).toBe(201);
    expect(reply.body.items).toHaveLength(2);
    const [a, b] = reply.body.items;
    expect(a).toMatchObject({ role: 'writer', _pendingInvite: true });
    expect(b.role).toBe('reader');
    expect(a._inviteCode).toMatch(/^ati_[0-9A-Za-z]{39}$/);
    const fetched = await api.get(owner, `/members/${a._id}`);
    expect(fetched.body._inviteCode).toBeUndefined();

    const accepted = await api.post(null, '/invitations/accept', {
      code: a._inviteCode,
      tokenName: 'laptop',
    });
    expect(accepted.status).toBe(201);
    expect(accepted.body.member).toMatchObject({ _id: a._id, _pendingInvite: false });
    expect(accepted.body.token).toMatchObject({ name: 'laptop', role: 'writer', memberId: a._id });
    expect(accepted.body.token.token).toMatch(/^atk_/);
    expect((await api.get(accepted.body.token.token, '/members/me')).body._id).toBe(a._id);

    await expectNoChange(account.accountId, async () => {
      const again = await api.post(null, '/invitations/accept', { code: a._inviteCode });
      expect(again.status).toBe(401);
      expect(again.body.code).toBe('unauthorized');
    });
  });

  it('the code is single use even when accepted twice at once', async () => {
    const code = (await api.post(owner, '/members', [{ email: email('race') }])).body.items[0]._inviteCode;
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => api.post(null, '/invitations/accept', { code })),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 401)).toHaveLength(4);
  });

  it.each([
    ['an unknown code', { code: `ati_${'A'.repeat(39)}` }, 401],
    ['a malformed code', { code: 'let-me-in' }, 401],
    ['a missing code', {}, 400],
    ['an unknown field', { code: 'x', admin: true }, 400],
  ])('accepting %s is refused', async (_, body, status) => {
    await expectNoChange(account.accountId, async () => {
      expect((await api.post(null, '/invitations/accept', body)).status).toBe(status);
    });
  });

  it('an invitation is valid for 7 days, and refused once expired', async () => {
    const { memberRepo } = await import('../../shared/data/member-repo.js');
    const { hashSecret } = await import('../../shared/domain/token-format.js');
    const { dynamo } = await import('../../shared/data/clients.js');
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const member = (await api.post(owner, '/members', [{ email: email('late') }])).body.items[0];
    const hash = hashSecret(member._inviteCode);
    const invite = await memberRepo.getInvite(hash);
    expect(invite!.expiresAt - Date.now()).toBeGreaterThan(6.99 * 24 * 3600 * 1000);
    expect(invite!.expiresAt - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600 * 1000);
    // Seven days later (TTL has not removed it yet):
    await dynamo().send(
      new UpdateCommand({
        TableName: process.env.MEMBERS_TABLE,
        Key: { pk: `INVITE#${hash}`, sk: 'INVITE' },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Date.now() - 1 },
      }),
    );
    await expectNoChange(account.accountId, async () => {
      const reply = await api.post(null, '/invitations/accept', { code: member._inviteCode });
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ code: 'unauthorized', message: 'Invalid invitation code' });
    });
  });

  it.each([
    [
      'a duplicate email in one request',
      () => [{ email: 'same@example.com' }, { email: 'SAME@example.com' }],
      400,
      'listed twice',
    ],
    ['an invalid email', () => [{ email: 'not-an-email' }], 400, 'email'],
    ['the owner role', () => [{ email: email('o'), role: 'owner' }], 400, 'exactly one owner'],
    ['an unknown custom role', () => [{ email: email('c'), customRoles: ['ghost'] }], 400, 'ghost'],
    ['an empty list', () => [], 400, 'at least one'],
    ['an object instead of a list', () => ({ email: email('x') }), 400, 'expected array'],
    ['an unknown field', () => [{ email: email('x'), isAdmin: true }], 400, 'isAdmin'],
  ])('%s is refused', async (_, body, status, message) => {
    await expectNoChange(account.accountId, async () => {
      const reply = await api.post(owner, '/members', body());
      expect(reply.status).toBe(status);
      expect(reply.body.message).toContain(message);
    });
  });

  it('an email that is already a member is a 409 and creates nobody', async () => {
    const taken = email('taken');
    expect((await api.post(owner, '/members', [{ email: taken }])).status).toBe(201);
    await expectNoChange(account.accountId, async () => {
      const reply = await api.post(owner, '/members', [{ email: email('fresh') }, { email: taken }]);
      expect(reply.status).toBe(409);
    });
  });

  it('an admin service token can invite members, up to its own role', async () => {
    const svc = (
      await api.post(owner, '/tokens', { name: 'provisioning', role: 'admin', serviceToken: true })
    ).body.token;
    expect((await api.post(svc, '/members', [{ email: email('svc'), role: 'writer' }])).status).toBe(201);
    expect((await api.post(svc, '/members', [{ email: email('svc2'), role: 'admin' }])).status).toBe(201);
    const readerSvc = (await api.post(owner, '/tokens', { name: 'ro', role: 'reader', serviceToken: true }))
      .body.token;
    expect((await api.post(readerSvc, '/members', [{ email: email('svc3') }])).status).toBe(403);
  });

  it('only members allowed createMember invite, and nobody above their own role', async () => {
    const writer = await addMember(api, owner, 'writer');
    expect((await api.post(writer.token, '/members', [{ email: email('w') }])).status).toBe(403);
    const admin = await addMember(api, owner, 'admin');
    expect((await api.post(admin.token, '/members', [{ email: email('ad'), role: 'admin' }])).status).toBe(
      201,
    );
  });
});

describe('reading members', () => {
  it('lists with pagination and gets one, `me` included', async () => {
    const reader = await addMember(api, owner, 'reader');
    const list = await api.get(reader.token, '/members', { limit: '1' });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.totalCount).toBeGreaterThanOrEqual(2);
    expect(list.body._links.next).toBeDefined();
    const me = await api.get(reader.token, '/members/me');
    expect(me.body).toMatchObject({ _id: reader.memberId, role: 'reader', customRoles: [] });
    expect((await api.get(reader.token, '/members/nobody')).status).toBe(404);
  });
});

describe('changing members', () => {
  it('role and custom roles change; other paths are refused', async () => {
    const member = await addMember(api, owner, 'reader');
    await api.post(owner, '/roles', { key: 'viewer-x', name: 'Viewer', policy: [] });
    const reply = await api.patch(owner, `/members/${member.memberId}`, [
      { op: 'replace', path: '/role', value: 'writer' },
      { op: 'add', path: '/customRoles/-', value: 'viewer-x' },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ role: 'writer', customRoles: ['viewer-x'] });
    await expectNoChange(account.accountId, async () => {
      for (const patch of [
        [{ op: 'replace', path: '/email', value: 'evil@example.com' }],
        [{ op: 'replace', path: '/_id', value: 'x' }],
        [{ op: 'replace', path: '/role', value: 'emperor' }],
        [{ op: 'add', path: '/customRoles/-', value: 'ghost' }],
      ]) {
        expect((await api.patch(owner, `/members/${member.memberId}`, patch)).status).toBe(400);
      }
    });
  });

  it('the single owner cannot be removed or demoted, by an admin or by themselves', async () => {
    const admin = await addMember(api, owner, 'admin');
    await expectNoChange(account.accountId, async () => {
      expect((await api.delete(admin.token, `/members/${account.ownerId}`)).status).toBe(403);
      expect(
        (
          await api.patch(admin.token, `/members/${account.ownerId}`, [
            { op: 'replace', path: '/role', value: 'reader' },
          ])
        ).status,
      ).toBe(403);
      expect((await api.delete(owner, `/members/${account.ownerId}`)).status).toBe(403);
      expect(
        (await api.patch(owner, '/members/me', [{ op: 'replace', path: '/role', value: 'admin' }])).status,
      ).toBe(403);
      expect(
        (
          await api.patch(admin.token, `/members/${admin.memberId}`, [
            { op: 'replace', path: '/role', value: 'owner' },
          ])
        ).status,
      ).toBe(403);
    });
  });

  it('the owner alone gives the owner role, and then becomes an admin', async () => {
    const fresh = await newAccount();
    const heir = await addMember(api, fresh.ownerToken, 'admin');
    const reply = await api.patch(fresh.ownerToken, `/members/${heir.memberId}`, [
      { op: 'replace', path: '/role', value: 'owner' },
    ]);
    expect(reply.status).toBe(200);
    expect(reply.body.role).toBe('owner');
    expect((await api.get(heir.token, `/members/${fresh.ownerId}`)).body.role).toBe('admin');
    const members = (await api.get(heir.token, '/members')).body.items;
    expect(members.filter((m: any) => m.role === 'owner')).toHaveLength(1);
  });

  it("a removed member's tokens are 401 at once", async () => {
    const member = await addMember(api, owner, 'writer');
    const extra = (await api.post(member.token, '/tokens', { name: 'second', role: 'reader' })).body.token;
    expect((await api.delete(owner, `/members/${member.memberId}`)).status).toBe(204);
    expect((await api.get(member.token, '/caller-identity')).status).toBe(401);
    expect((await api.get(extra, '/caller-identity')).status).toBe(401);
    expect((await api.get(owner, `/members/${member.memberId}`)).status).toBe(404);
  });

  it("a call the authorizer records between a member change's read and its write is kept, not erased", async () => {
    const { memberRepo } = await import('../../shared/data/member-repo.js');
    const { transact } = await import('../../shared/data/transact.js');
    const member = await addMember(api, owner, 'reader');
    const before = (await memberRepo.get(account.accountId, member.memberId, true))!;
    // The authorizer's record of a call (no new version), after the change read the member.
    const seenAt = Date.now() + 60_000;
    await transact('recently recorded', [
      memberRepo.lastSeenItem(account.accountId, member.memberId, seenAt, member.tokenId),
    ]);
    await memberRepo.update([{ before, after: { ...before, role: 'writer', version: before.version + 1 } }]);
    const stored = (await memberRepo.get(account.accountId, member.memberId, true))!;
    expect(stored).toMatchObject({ role: 'writer', version: before.version + 1, lastSeen: seenAt });
    expect(stored.lastSeenTokenId).toBe(member.tokenId);
    // A change of anything else since the read is still the conflict it was.
    await expect(
      memberRepo.update([{ before, after: { ...before, role: 'admin', version: before.version + 1 } }]),
    ).rejects.toThrow(/changed by another request/);
  });

  it('a writer cannot remove or change members', async () => {
    const writer = await addMember(api, owner, 'writer');
    const other = await addMember(api, owner, 'reader');
    await expectNoChange(account.accountId, async () => {
      expect((await api.delete(writer.token, `/members/${other.memberId}`)).status).toBe(403);
      expect(
        (
          await api.patch(writer.token, `/members/${other.memberId}`, [
            { op: 'replace', path: '/role', value: 'writer' },
          ])
        ).status,
      ).toBe(403);
    });
  });
});
