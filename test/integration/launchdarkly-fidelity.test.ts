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

const semantic = (instructions: unknown[]) => ({ comment: 'bulk', instructions });

describe('tokens, as LaunchDarkly represents them', () => {
  it('stores and returns defaultApiVersion; an unknown version is a 400 naming the field', async () => {
    const created = await api.post(owner, '/tokens', {
      name: 'pinned',
      role: 'reader',
      defaultApiVersion: 20220603,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ defaultApiVersion: 20220603, ownerId: account.ownerId });
    expect((await api.get(owner, `/tokens/${created.body._id}`)).body.defaultApiVersion).toBe(20220603);
    const patched = await api.patch(owner, `/tokens/${created.body._id}`, [
      { op: 'replace', path: '/defaultApiVersion', value: 20240415 },
    ]);
    expect(patched.body.defaultApiVersion).toBe(20240415);
    await expectNoChange(account.accountId, async () => {
      const bad = await api.post(owner, '/tokens', { name: 'x', role: 'reader', defaultApiVersion: 1 });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/^defaultApiVersion: /);
    });
  });

  it('a token without one reports the version this service speaks; _member carries its _links', async () => {
    const created = await api.post(owner, '/tokens', { name: 'default', role: 'reader' });
    expect(created.body.defaultApiVersion).toBe(20240415);
    expect(created.body._member._links.self.href).toBe(`/api/v2/members/${account.ownerId}`);
    expect(created.body._links.parent.href).toBe(`/api/v2/members/${account.ownerId}`);
  });

  it('a service token is owned by the account', async () => {
    const service = await api.post(owner, '/tokens', { name: 'svc', role: 'reader', serviceToken: true });
    expect(service.body).toMatchObject({ ownerId: account.accountId, memberId: account.ownerId });
  });
});

describe('members, as LaunchDarkly represents them', () => {
  it('a member who never called has _lastSeen 0; after a call, the token used is in _lastSeenMetadata', async () => {
    const invited = await api.post(owner, '/members', [{ email: `fresh-${Date.now()}@example.com` }]);
    const fresh = invited.body.items[0];
    expect(fresh).toMatchObject({ _lastSeen: 0, _pendingInvite: true, _verified: false, mfa: 'disabled' });
    const member = await addMember(api, owner, 'reader');
    await api.get(member.token, '/caller-identity');
    const seen = (await api.get(owner, `/members/${member.memberId}`)).body;
    expect(seen._lastSeen).toBeGreaterThan(0);
    expect(seen).toMatchObject({
      _verified: true,
      _pendingInvite: false,
      _lastSeenMetadata: { tokenId: member.tokenId },
    });
  });

  it('lists with LaunchDarkly filters and sorts; an unknown filter field is a 400 naming it', async () => {
    const a = await addMember(api, owner, 'writer');
    await addMember(api, owner, 'reader');
    const writers = await api.get(owner, '/members', { filter: 'role:writer', limit: '100' });
    expect(writers.status).toBe(200);
    expect(writers.body.items.map((m: { _id: string }) => m._id)).toContain(a.memberId);
    expect(writers.body.items.every((m: { role: string }) => m.role === 'writer')).toBe(true);
    const admins = await api.get(owner, '/members', { filter: 'role:admin', limit: '100' });
    expect(admins.body.items.map((m: { role: string }) => m.role)).toContain('owner');
    const never = await api.get(owner, '/members', { filter: 'lastSeen:{"never":true}', limit: '100' });
    expect(never.body.items.every((m: { _lastSeen: number }) => m._lastSeen === 0)).toBe(true);
    const byName = await api.get(owner, '/members', { sort: '-displayName', limit: '100' });
    const names = byName.body.items.map((m: { email: string }) => m.email);
    expect(names).toEqual([...names].sort().reverse());
    const bad = await api.get(owner, '/members', { filter: 'team:x' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/filter: unknown field "team"/);
  });

  it("invitations take the fields of LaunchDarkly's NewMemberForm, refusing the unsupported ones by name", async () => {
    const ok = await api.post(owner, '/members', [{ email: `t-${Date.now()}@example.com`, teamKeys: [] }]);
    expect(ok.status).toBe(201);
    await expectNoChange(account.accountId, async () => {
      const password = await api.post(owner, '/members', [{ email: 'p@example.com', password: 'secret!' }]);
      expect(password.status).toBe(400);
      expect(password.body.message).toMatch(/^0\.password: .*OpenID Connect/);
      const teams = await api.post(owner, '/members', [{ email: 'q@example.com', teamKeys: ['a'] }]);
      expect(teams.status).toBe(400);
      expect(teams.body.message).toMatch(/^0\.teamKeys: /);
    });
  });
});

describe("PATCH /members: LaunchDarkly's bulk update (semantic patch)", () => {
  it('replaceMembersRoles sets the role and removes custom roles; replaceMembersCustomRoles sets them', async () => {
    await api.post(owner, '/roles', {
      key: 'bulk-viewer',
      name: 'Bulk viewer',
      policy: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
    });
    const a = await addMember(api, owner, 'reader');
    const b = await addMember(api, owner, 'reader');
    const roles = await api.patch(
      owner,
      '/members',
      semantic([
        { kind: 'replaceMembersCustomRoles', values: ['bulk-viewer'], memberIDs: [a.memberId, b.memberId] },
      ]),
    );
    expect(roles.status).toBe(200);
    expect(roles.body).toEqual({ members: [a.memberId, b.memberId], errors: [] });
    expect((await api.get(owner, `/members/${a.memberId}`)).body.customRoles).toEqual(['bulk-viewer']);
    const writers = await api.patch(
      owner,
      '/members',
      semantic([{ kind: 'replaceMembersRoles', value: 'writer', memberIDs: [a.memberId] }]),
    );
    expect(writers.body.members).toEqual([a.memberId]);
    expect((await api.get(owner, `/members/${a.memberId}`)).body).toMatchObject({
      role: 'writer',
      customRoles: [],
    });
  });

  it('replaceAllMembersRoles changes the members its filters select, never the owner or the ignored', async () => {
    const own = await newAccount();
    const x = await addMember(api, own.ownerToken, 'reader');
    const y = await addMember(api, own.ownerToken, 'reader');
    const z = await addMember(api, own.ownerToken, 'writer');
    const result = await api.patch(
      own.ownerToken,
      '/members',
      semantic([
        {
          kind: 'replaceAllMembersRoles',
          value: 'writer',
          filterRoles: 'reader',
          ignoredMemberIDs: [y.memberId],
        },
      ]),
    );
    expect(result.body).toEqual({ members: [x.memberId], errors: [] });
    const roleOf = async (id: string) => (await api.get(own.ownerToken, `/members/${id}`)).body.role;
    expect([await roleOf(x.memberId), await roleOf(y.memberId), await roleOf(z.memberId)]).toEqual([
      'writer',
      'reader',
      'writer',
    ]);
    expect(await roleOf(own.ownerId)).toBe('owner');
  });

  it('each member goes through every rule of a single change: refusals are reported per member', async () => {
    const manager = await addMember(api, owner, 'writer');
    const target = await addMember(api, owner, 'reader');
    await expectNoChange(account.accountId, async () => {
      const refused = await api.patch(
        manager.token,
        '/members',
        semantic([{ kind: 'replaceMembersRoles', value: 'admin', memberIDs: [target.memberId, 'nobody'] }]),
      );
      expect(refused.status).toBe(200);
      expect(refused.body.members).toEqual([]);
      expect(refused.body.errors).toEqual([
        { [target.memberId]: expect.stringMatching(/updateRole/) },
        { nobody: 'member not found' },
      ]);
    });
  });

  it('a malformed instruction is a 400 naming it, and changes nothing', async () => {
    await expectNoChange(account.accountId, async () => {
      const bad = await api.patch(owner, '/members', semantic([{ kind: 'removeEveryone' }]));
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/^instructions\.0\.kind: /);
      const empty = await api.patch(owner, '/members', { instructions: [] });
      expect(empty.status).toBe(400);
    });
  });
});

describe('the LD-API-Version header', () => {
  it('is accepted with a known version or beta, and a 400 naming it otherwise', async () => {
    const call = (version: string) =>
      api.gateway.handle({
        method: 'GET',
        path: '/api/v2/caller-identity',
        headers: { Authorization: owner, 'LD-API-Version': version },
      });
    expect((await call('20240415')).status).toBe(200);
    expect((await call('beta')).status).toBe(200);
    const bad = await call('2');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/^LD-API-Version: /);
  });
});
