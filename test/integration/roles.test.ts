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

const flagFlipper = {
  key: 'flag-flipper',
  name: 'Flag flipper',
  basePermissions: 'no_access',
  policy: [{ effect: 'allow', actions: ['updateOn', 'viewFlag'], resources: ['proj/*:env/test:flag/*'] }],
};

describe('custom roles', () => {
  it('are created, read, listed, patched and deleted', async () => {
    const created = await api.post(owner, '/roles', { ...flagFlipper, key: 'crud-role' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'crud-role', basePermissions: 'no_access' });
    expect((await api.get(owner, '/roles/crud-role')).body.policy).toEqual(flagFlipper.policy);
    expect((await api.get(owner, '/roles')).body.items.map((r: any) => r.key)).toContain('crud-role');
    const patched = await api.patch(owner, '/roles/crud-role', [
      { op: 'replace', path: '/name', value: 'Renamed' },
      {
        op: 'add',
        path: '/policy/-',
        value: { effect: 'deny', actions: ['*'], resources: ['proj/secret:env/*:flag/*'] },
      },
      { op: 'replace', path: '/basePermissions', value: 'reader' },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body.policy).toHaveLength(2);
    expect(patched.body.basePermissions).toBe('reader');
    expect((await api.delete(owner, '/roles/crud-role')).status).toBe(204);
    expect((await api.get(owner, '/roles/crud-role')).status).toBe(404);
  });

  it.each([
    ['a bad key', { ...flagFlipper, key: 'has space' }, 'key'],
    ['a missing policy', { key: 'k1', name: 'n' }, 'policy'],
    [
      'a statement with both resources and notResources',
      {
        key: 'k2',
        name: 'n',
        policy: [{ effect: 'allow', actions: ['*'], resources: ['proj/*'], notResources: ['proj/a'] }],
      },
      'policy.0.resources: exactly one',
    ],
    [
      'an unknown resource type in statement 2',
      {
        key: 'k3',
        name: 'n',
        policy: [
          { effect: 'allow', actions: ['*'], resources: ['proj/*'] },
          { effect: 'deny', actions: ['*'], resources: ['planet/mars'] },
        ],
      },
      'policy.1.resources.0',
    ],
    ['an unknown base', { ...flagFlipper, key: 'k4', basePermissions: 'admin' }, 'basePermissions'],
    ['an unknown field', { ...flagFlipper, key: 'k5', owner: 'me' }, 'owner'],
    [
      'a policy too large to store',
      {
        key: 'k6',
        name: 'n',
        policy: Array.from({ length: 150 }, (_, i) => ({
          effect: 'allow',
          actions: ['viewProject'],
          resources: Array.from({ length: 20 }, (_, j) => `proj/project-with-a-long-key-${i}-${j}`),
        })),
      },
      'policy: must be at most 32768 bytes',
    ],
  ])('%s is a 400 naming the field', async (_, body, message) => {
    await expectNoChange(account.accountId, async () => {
      const reply = await api.post(owner, '/roles', body);
      expect(reply.status).toBe(400);
      expect(reply.body.message).toContain(message);
    });
  });

  it('a duplicate key is a 409', async () => {
    await api.post(owner, '/roles', { ...flagFlipper, key: 'dup' });
    expect((await api.post(owner, '/roles', { ...flagFlipper, key: 'dup' })).status).toBe(409);
  });

  it('only admins manage roles', async () => {
    const writer = await addMember(api, owner, 'writer');
    expect((await api.post(writer.token, '/roles', { ...flagFlipper, key: 'nope' })).status).toBe(403);
    expect((await api.get(writer.token, '/roles')).status).toBe(200);
  });

  it('a role still assigned to a member or a token cannot be deleted (409)', async () => {
    await api.post(owner, '/roles', { ...flagFlipper, key: 'held-by-member' });
    const member = await addMember(api, owner, 'reader', ['held-by-member']);
    await expectNoChange(account.accountId, async () => {
      const reply = await api.delete(owner, '/roles/held-by-member');
      expect(reply.status).toBe(409);
      expect(reply.body.message).toContain('member');
    });
    await api.post(owner, '/roles', { ...flagFlipper, key: 'held-by-token' });
    await api.post(owner, '/tokens', { name: 'custom', customRoleIds: ['held-by-token'] });
    expect((await api.delete(owner, '/roles/held-by-token')).status).toBe(409);
    expect(
      (
        await api.patch(owner, `/members/${member.memberId}`, [
          { op: 'replace', path: '/customRoles', value: [] },
        ])
      ).status,
    ).toBe(200);
    // The member's first token was scoped by their custom roles: it holds the role too.
    expect((await api.delete(owner, '/roles/held-by-member')).status).toBe(409);
    expect((await api.delete(owner, `/tokens/${member.tokenId}`)).status).toBe(204);
    expect((await api.delete(owner, '/roles/held-by-member')).status).toBe(204);
  });

  it('a member with a custom role has exactly its permissions, and their tokens too', async () => {
    await api.post(owner, '/roles', { ...flagFlipper, key: 'flipper-2' });
    const project = `p${Date.now()}`;
    await api.post(owner, '/projects', { key: project, name: 'P' });
    await api.post(owner, `/flags/${project}`, { key: 'f', name: 'F' });
    const member = await addMember(api, owner, 'writer', ['flipper-2']);
    expect(
      (
        await api.patch(member.token, `/flags/${project}/f`, [
          { op: 'replace', path: '/environments/test/on', value: true },
        ])
      ).status,
    ).toBe(200);
    expect(
      (
        await api.patch(member.token, `/flags/${project}/f`, [
          { op: 'replace', path: '/environments/production/on', value: true },
        ])
      ).status,
    ).toBe(403);
    expect((await api.post(member.token, '/projects', { key: `x${Date.now()}`, name: 'X' })).status).toBe(
      403,
    );
  });

  it('custom roles can restrict who creates tokens', async () => {
    await api.post(owner, '/roles', {
      key: 'no-tokens',
      name: 'No tokens',
      policy: [{ effect: 'deny', actions: ['createAccessToken'], resources: ['member/*:token/*'] }],
    });
    const member = await addMember(api, owner, 'reader', ['no-tokens']);
    const reply = await api.post(member.token, '/tokens', { name: 'x', customRoleIds: ['no-tokens'] });
    expect(reply.status).toBe(403);
    expect(reply.body.message).toContain('denied by statement');
  });

  it('a custom role may be given to a token only by a member who has it, or an admin', async () => {
    await api.post(owner, '/roles', { ...flagFlipper, key: 'given', basePermissions: 'reader' });
    const without = await addMember(api, owner, 'writer');
    expect((await api.post(without.token, '/tokens', { name: 'x', customRoleIds: ['given'] })).status).toBe(
      403,
    );
    const holder = await addMember(api, owner, 'reader', ['given']);
    expect((await api.post(holder.token, '/tokens', { name: 'x', customRoleIds: ['given'] })).status).toBe(
      201,
    );
    expect((await api.post(owner, '/tokens', { name: 'x', customRoleIds: ['given'] })).status).toBe(201);
  });
});
