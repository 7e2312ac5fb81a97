import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, Api, addMember, newAccount } from '../support/api.js';
import { expectNoChange } from '../support/store.js';

// The escalation paths an attacker found (issue: "No way past the rules"), each as it was tried,
// plus its neighbours on the other paths to the same capability.
const api = new Api();
let account: Account;
let owner: string;

beforeAll(async () => {
  account = await newAccount();
  owner = account.ownerToken;
});

const inHour = () => String(Date.now() + 3_600_000);
const EVERYTHING = [
  { effect: 'allow', actions: ['*'], resources: ['proj/*', 'member/*', 'member/*:token/*'] },
];

describe('a personal secret goes only to its own member', () => {
  it('an admin cannot reset the owner token, so cannot become owner (the reported path)', async () => {
    const admin = await addMember(api, owner, 'admin');
    const ownerTokenId = (await api.get(owner, '/caller-identity')).body.tokenId;
    await expectNoChange(account.accountId, async () => {
      const reset = await api.post(admin.token, `/tokens/${ownerTokenId}/reset`, undefined, {
        expiry: inHour(),
      });
      expect(reset.status).toBe(403);
      expect(reset.body.message).toMatch(/only to its own member/);
      expect(reset.body.token).toBeUndefined();
      const promote = await api.patch(admin.token, `/members/${admin.memberId}`, [
        { op: 'replace', path: '/role', value: 'owner' },
      ]);
      expect(promote.status).toBe(403);
    });
    // An admin may still delete another member's token.
    const writer = await addMember(api, owner, 'writer');
    expect((await api.post(admin.token, `/tokens/${writer.tokenId}/reset`)).status).toBe(403);
    expect((await api.delete(admin.token, `/tokens/${writer.tokenId}`)).status).toBe(204);
  });

  it("a reader cannot even see another member's token, so its reset is a 404", async () => {
    const reader = await addMember(api, owner, 'reader');
    const writer = await addMember(api, owner, 'writer');
    expect((await api.post(reader.token, `/tokens/${writer.tokenId}/reset`)).status).toBe(404);
  });

  it("a member resets their own token and the owner resets the owner's", async () => {
    const writer = await addMember(api, owner, 'writer');
    const reset = await api.post(writer.token, `/tokens/${writer.tokenId}/reset`);
    expect(reset.status).toBe(200);
    expect(reset.body.token).toMatch(/^atk_/);
  });
});

describe('whatever returns a secret obeys every rule of creation', () => {
  it("reset skips no rule: an admin's reader token cannot reset the admin's admin token (the reported path)", async () => {
    const admin = await addMember(api, owner, 'admin');
    const weak = (await api.post(admin.token, '/tokens', { name: 'weak', role: 'reader' })).body.token;
    await expectNoChange(account.accountId, async () => {
      const reset = await api.post(weak, `/tokens/${admin.tokenId}/reset`);
      expect(reset.status).toBe(403);
      expect(reset.body.token).toBeUndefined();
      expect((await api.post(weak, `/tokens/${admin.tokenId}/clone`, { name: 'x' })).status).toBe(403);
      expect((await api.post(weak, '/tokens', { name: 'x', role: 'admin' })).status).toBe(403);
      expect((await api.post(weak, '/tokens', { name: 'x', inlineRole: EVERYTHING })).status).toBe(403);
    });
    // Within its own scope a weak token may still reset itself.
    const own = (await api.get(weak, '/caller-identity')).body.tokenId;
    expect((await api.post(weak, `/tokens/${own}/reset`)).status).toBe(200);
  });

  it('a custom role without createAccessToken cannot reset either: a reset is a create', async () => {
    const key = `reset-only-${randomUUID().slice(0, 8)}`;
    const role = await api.post(owner, '/roles', {
      key,
      name: 'Reset only',
      basePermissions: 'no_access',
      policy: [
        {
          effect: 'allow',
          actions: ['viewAccessToken', 'resetAccessToken'],
          resources: ['member/*:token/*'],
        },
      ],
    });
    expect(role.status).toBe(201);
    const member = await addMember(api, owner, 'reader', [key]);
    const reset = await api.post(member.token, `/tokens/${member.tokenId}/reset`);
    expect(reset.status).toBe(403);
    expect(reset.body.message).toMatch(/createAccessToken/);
  });
});

describe('a token is born within its member', () => {
  it('a reader cannot create or PATCH to an inline policy that allows everything (the reported path)', async () => {
    const reader = await addMember(api, owner, 'reader');
    await expectNoChange(account.accountId, async () => {
      const created = await api.post(reader.token, '/tokens', { name: 'latent', inlineRole: EVERYTHING });
      expect(created.status).toBe(403);
      expect(created.body.message).toMatch(/which the member may not do/);
      const patched = await api.patch(reader.token, `/tokens/${reader.tokenId}`, [
        { op: 'remove', path: '/role' },
        { op: 'add', path: '/inlineRole', value: EVERYTHING },
      ]);
      expect(patched.status).toBe(403);
    });
    const narrow = await api.post(reader.token, '/tokens', {
      name: 'narrow',
      inlineRole: [
        {
          effect: 'allow',
          actions: ['viewProject', 'viewFlag'],
          resources: ['proj/*', 'proj/*:env/*:flag/*'],
        },
      ],
    });
    expect(narrow.status).toBe(201);
  });

  it('a writer may create a project-wide inline token; an admin any scope', async () => {
    const writer = await addMember(api, owner, 'writer');
    const admin = await addMember(api, owner, 'admin');
    const projects = [{ effect: 'allow', actions: ['*'], resources: ['proj/*', 'proj/*:env/*:flag/*'] }];
    expect((await api.post(writer.token, '/tokens', { name: 'p', inlineRole: projects })).status).toBe(201);
    expect((await api.post(writer.token, '/tokens', { name: 'e', inlineRole: EVERYTHING })).status).toBe(403);
    expect((await api.post(admin.token, '/tokens', { name: 'e', inlineRole: EVERYTHING })).status).toBe(201);
  });

  it("an admin rescoping a writer's token keeps it within that writer", async () => {
    const admin = await addMember(api, owner, 'admin');
    const writer = await addMember(api, owner, 'writer');
    const rescope = (value: unknown) =>
      api.patch(admin.token, `/tokens/${writer.tokenId}`, [
        { op: 'remove', path: '/role' },
        { op: 'add', path: '/inlineRole', value },
      ]);
    const refused = await rescope(EVERYTHING);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/the token's member/);
    expect(
      (await rescope([{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }])).status,
    ).toBe(200);
  });
});

describe('invitations and role changes never grant beyond the granter', () => {
  it('a reader with a createMember custom role cannot invite a powerful custom role (the reported path)', async () => {
    const suffix = randomUUID().slice(0, 8);
    await api.post(owner, '/roles', {
      key: `inviter-${suffix}`,
      name: 'Inviter',
      policy: [{ effect: 'allow', actions: ['createMember'], resources: ['member/*'] }],
    });
    await api.post(owner, '/roles', {
      key: `power-${suffix}`,
      name: 'Power',
      policy: [{ effect: 'allow', actions: ['*'], resources: ['proj/*', 'member/*:token/*'] }],
    });
    const inviter = await addMember(api, owner, 'reader', [`inviter-${suffix}`]);
    await expectNoChange(account.accountId, async () => {
      const invited = await api.post(inviter.token, '/members', [
        { email: `x-${suffix}@example.com`, customRoles: [`power-${suffix}`] },
      ]);
      expect(invited.status).toBe(403);
      expect(invited.body.message).toMatch(/which the member may not do/);
      const writer = await api.post(inviter.token, '/members', [
        { email: `y-${suffix}@example.com`, role: 'writer' },
      ]);
      expect(writer.status).toBe(403);
    });
    // What the inviter holds, they may give.
    const same = await api.post(inviter.token, '/members', [
      { email: `z-${suffix}@example.com`, customRoles: [`inviter-${suffix}`] },
    ]);
    expect(same.status).toBe(201);
  });

  it('a member allowed updateRole cannot promote anyone past themselves, nor lift custom roles off an admin', async () => {
    const suffix = randomUUID().slice(0, 8);
    await api.post(owner, '/roles', {
      key: `roles-${suffix}`,
      name: 'Role changer',
      policy: [{ effect: 'allow', actions: ['updateRole', 'updateCustomRole'], resources: ['member/*'] }],
    });
    const changer = await addMember(api, owner, 'reader', [`roles-${suffix}`]);
    const target = await addMember(api, owner, 'admin', [`roles-${suffix}`]);
    await expectNoChange(account.accountId, async () => {
      const promote = await api.patch(changer.token, `/members/${target.memberId}`, [
        { op: 'replace', path: '/customRoles', value: [] },
      ]);
      expect(promote.status).toBe(403);
    });
  });

  it('an admin calling with a reader token invites no admin', async () => {
    const admin = await addMember(api, owner, 'admin');
    const weak = (await api.post(admin.token, '/tokens', { name: 'weak', role: 'reader' })).body.token;
    const invited = await api.post(weak, '/members', [
      { email: `w-${randomUUID()}@example.com`, role: 'admin' },
    ]);
    expect(invited.status).toBe(403);
  });
});

describe('a custom role is never defined beyond its author', () => {
  it('a member allowed to edit their own role cannot widen it (nor another role they could be given)', async () => {
    const key = `self-edit-${randomUUID().slice(0, 8)}`;
    await api.post(owner, '/roles', {
      key,
      name: 'Self editor',
      policy: [
        {
          effect: 'allow',
          actions: ['updatePolicy', 'updateBasePermissions', 'createRole'],
          resources: ['role/*'],
        },
      ],
    });
    const editor = await addMember(api, owner, 'reader', [key]);
    await expectNoChange(account.accountId, async () => {
      const widened = await api.patch(editor.token, `/roles/${key}`, [
        { op: 'add', path: '/policy/-', value: { effect: 'allow', actions: ['*'], resources: ['proj/*'] } },
      ]);
      expect(widened.status).toBe(403);
      const created = await api.post(editor.token, '/roles', {
        key: `${key}-2`,
        name: 'Wide',
        policy: [{ effect: 'allow', actions: ['createProject'], resources: ['proj/*'] }],
      });
      expect(created.status).toBe(403);
    });
    const narrowed = await api.patch(editor.token, `/roles/${key}`, [
      { op: 'replace', path: '/basePermissions', value: 'no_access' },
    ]);
    expect(narrowed.status).toBe(200);
  });
});

describe('what is gone stays gone, and unseen things stay unseen', () => {
  it('an expired token cannot be brought back by PATCHing its expiry or resetting it', async () => {
    const writer = await addMember(api, owner, 'writer');
    const created = await api.post(writer.token, '/tokens', {
      name: 'short-lived',
      role: 'writer',
      expiresAt: Date.now() + 1500,
    });
    expect(created.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1700));
    expect((await api.get(created.body.token, '/caller-identity')).status).toBe(401);
    const revive = await api.patch(writer.token, `/tokens/${created.body._id}`, [
      { op: 'remove', path: '/expiresAt' },
    ]);
    expect(revive.status).toBe(404);
    expect((await api.post(writer.token, `/tokens/${created.body._id}/reset`)).status).toBe(404);
    expect((await api.get(created.body.token, '/caller-identity')).status).toBe(401);
    const listed = (await api.get(writer.token, '/tokens')).body.items.map((t: { _id: string }) => t._id);
    expect(listed).not.toContain(created.body._id);
  });

  it('the flag routes answer a hidden project exactly as a missing one', async () => {
    const key = `hidden-${randomUUID().slice(0, 8)}`;
    expect((await api.post(owner, '/projects', { key, name: 'Hidden' })).status).toBe(201);
    const outsider = await addMember(api, owner, 'no_access');
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['GET', '/anything', undefined],
      ['DELETE', '/anything', undefined],
      ['PATCH', '/anything', [{ op: 'replace', path: '/name', value: 'x' }]],
      ['POST', '', { key: 'f', name: 'F' }],
    ] as const) {
      const hidden = await api.call(outsider.token, method, `/flags/${key}${suffix}`, body ? { body } : {});
      const missing = await api.call(
        outsider.token,
        method,
        `/flags/no-such-${key}${suffix}`,
        body ? { body } : {},
      );
      expect([hidden.status, hidden.body.message]).toEqual([missing.status, missing.body.message]);
      expect(hidden.status).toBe(404);
    }
  });
});

describe('owner-only transitions have no other path', () => {
  it('nobody but the owner gives the owner role, on any path', async () => {
    const admin = await addMember(api, owner, 'admin');
    const writer = await addMember(api, owner, 'writer');
    await expectNoChange(account.accountId, async () => {
      expect(
        (await api.post(admin.token, '/members', [{ email: `o-${randomUUID()}@example.com`, role: 'owner' }]))
          .status,
      ).toBe(400);
      for (const target of [admin.memberId, writer.memberId]) {
        const reply = await api.patch(admin.token, `/members/${target}`, [
          { op: 'replace', path: '/role', value: 'owner' },
        ]);
        expect(reply.status).toBe(403);
      }
      const ownerId = account.ownerId;
      expect((await api.delete(admin.token, `/members/${ownerId}`)).status).toBe(403);
      expect(
        (
          await api.patch(admin.token, `/members/${ownerId}`, [
            { op: 'replace', path: '/role', value: 'admin' },
          ])
        ).status,
      ).toBe(403);
    });
  });
});
