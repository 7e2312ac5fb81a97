import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AccessTokensApi,
  AccountMembersApi,
  AccountMembersBetaApi,
  AuditLogApi,
  Configuration,
  CustomRolesApi,
  OtherApi,
  type StatementPost,
} from 'launchdarkly-api-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { type Api, addMember } from '../support/api.js';
import { within } from '../support/eventually.js';
import { ModelRegistry } from '../support/ld-models.js';
import { undocumented } from '../support/openapi-check.js';
import { startTestStack } from '../support/stack.js';

// LaunchDarkly's own generated client (launchdarkly-api-typescript), configured as a new integration
// would be, with only its base URL and key changed; every response is checked at run time against
// the client's model for it, and against this service's own OpenAPI document (its route, status and
// schema). Fixtures are made over plain HTTP, so each operation stands alone.
let stack: LocalStack;
let api: Api;
let owner: string;
let ownerId: string;

const models = ModelRegistry.launchDarkly();

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
  ownerId = (await api.get(owner, '/caller-identity')).body.memberId;
});

afterAll(async () => {
  await stack.stop();
});

function ld(apiKey: string) {
  const configuration = new Configuration({ basePath: stack.url, apiKey });
  return {
    tokens: withRefusalBodies(new AccessTokensApi(configuration)),
    members: withRefusalBodies(new AccountMembersApi(configuration)),
    membersBeta: withRefusalBodies(new AccountMembersBetaApi(configuration)),
    roles: withRefusalBodies(new CustomRolesApi(configuration)),
    other: withRefusalBodies(new OtherApi(configuration)),
    audit: withRefusalBodies(new AuditLogApi(configuration)),
  };
}

/** A call the server refused, with its status and body (axios's own error names only the status). */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly data: unknown,
    request: string,
  ) {
    super(`${request} -> ${status} ${JSON.stringify(data)}`);
  }
}

interface Exchange {
  readonly status: number;
  readonly data: unknown;
  readonly config?: { method?: string; url?: string };
}

/** Every answer, 2xx or refusal, is one the OpenAPI document shows, its body parsed by the documented schema. */
function expectDocumented({ status, data, config }: Exchange): void {
  const method = config?.method ?? '?';
  const url = config?.url ?? '?';
  expect(
    undocumented(method, url, status, data),
    `${method.toUpperCase()} ${url} against the OpenAPI document`,
  ).toEqual([]);
}

/**
 * The same client, whose refusals fail a test with the status and body the server sent, and whose
 * every answer is checked against the OpenAPI document.
 */
function withRefusalBodies<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, key) {
      const member = Reflect.get(target, key);
      if (typeof member !== 'function') return member;
      return async (...args: unknown[]) => {
        let reply: Exchange;
        try {
          reply = await member.apply(target, args);
        } catch (error) {
          const { response, config } = error as {
            response?: { status: number; data: unknown };
            config?: { method?: string; url?: string };
          };
          if (!response) throw error;
          expectDocumented({ ...response, config });
          throw new Refused(
            response.status,
            response.data,
            `${config?.method?.toUpperCase()} ${config?.url}`,
          );
        }
        expectDocumented(reply);
        return reply;
      };
    },
  });
}

/** Every way `body` breaks the client's model `name`, one line each, so a failure lists them all. */
function expectModel(name: string, body: unknown): void {
  expect(
    models.validate(name, body).map((issue) => `${issue.path}: ${issue.problem}`),
    `response body against the client's ${name} model`,
  ).toEqual([]);
}

/** The status and body of a call the server should refuse. */
async function rejection(call: Promise<unknown>): Promise<{ status: number; data: unknown }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Refused) return { status: error.status, data: error.data };
    throw error;
  }
  throw new Error('the call succeeded, but it should have been refused');
}

async function expectError(call: Promise<unknown>, status: number, model: string, code: string) {
  const { status: actual, data } = await rejection(call);
  expect(actual).toBe(status);
  expectModel(model, data);
  expect(data).toMatchObject({ code });
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const viewProjects: StatementPost[] = [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }];

async function newToken(token: string, body: Record<string, unknown> = {}) {
  const reply = await api.post(token, '/tokens', { name: unique('fixture'), role: 'reader', ...body });
  if (reply.status !== 201) throw new Error(`fixture token: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as { _id: string; token: string };
}

async function newRole() {
  const key = unique('role');
  const reply = await api.post(owner, '/roles', { key, name: key, policy: viewProjects });
  if (reply.status !== 201) throw new Error(`fixture role: ${reply.status} ${JSON.stringify(reply.body)}`);
  return key;
}

async function invite(role = 'reader'): Promise<string> {
  const reply = await api.post(owner, '/members', [{ email: `${unique(role)}@example.com`, role }]);
  if (reply.status !== 201) throw new Error(`fixture member: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.items[0]._id;
}

const identityOf = async (token: string) => (await ld(token).other.getCallerIdentity()).data;

describe('AccessTokensApi', () => {
  it('postToken with a role: 201, a Token, the full value once, usable at once', async () => {
    const reply = await ld(owner).tokens.postToken({ name: 'ci', description: 'for CI', role: 'reader' });
    expect(reply.status).toBe(201);
    expectModel('Token', reply.data);
    expect(reply.data).toMatchObject({
      name: 'ci',
      description: 'for CI',
      role: 'reader',
      memberId: ownerId,
    });
    expect(reply.data.token?.length).toBeGreaterThan(4);
    expect((await identityOf(reply.data.token as string)).tokenId).toBe(reply.data._id);
  });

  // Not the server's default version, so keeping it is proved, not assumed.
  it('postToken accepts defaultApiVersion and returns it', async () => {
    const reply = await ld(owner).tokens.postToken({
      name: 'versioned',
      role: 'reader',
      defaultApiVersion: 20220603,
    });
    expect(reply.status).toBe(201);
    expectModel('Token', reply.data);
    expect(reply.data.defaultApiVersion).toBe(20220603);
  });

  it('postToken with customRoleIds: a Token carrying them', async () => {
    const key = await newRole();
    const reply = await ld(owner).tokens.postToken({ name: 'custom', customRoleIds: [key] });
    expect(reply.status).toBe(201);
    expectModel('Token', reply.data);
    expect(reply.data.customRoleIds).toEqual([key]);
  });

  it('postToken with an inlineRole: a Token carrying the statements', async () => {
    const reply = await ld(owner).tokens.postToken({ name: 'inline', inlineRole: viewProjects });
    expect(reply.status).toBe(201);
    expectModel('Token', reply.data);
    expect(reply.data.inlineRole).toEqual(viewProjects);
  });

  it('postToken with serviceToken: a Token marked as a service token', async () => {
    const reply = await ld(owner).tokens.postToken({ name: 'svc', role: 'reader', serviceToken: true });
    expect(reply.status).toBe(201);
    expectModel('Token', reply.data);
    expect(reply.data.serviceToken).toBe(true);
  });

  it("getTokens: Tokens with the caller's tokens and a totalCount", async () => {
    const made = await newToken(owner);
    const reply = await ld(owner).tokens.getTokens();
    expect(reply.status).toBe(200);
    expectModel('Tokens', reply.data);
    expect(reply.data.items?.map((t) => t._id)).toContain(made._id);
    expect(reply.data.totalCount).toBeGreaterThanOrEqual(reply.data.items?.length ?? 0);
  });

  it('getTokens with limit and offset pages through the same list', async () => {
    await newToken(owner);
    await newToken(owner);
    const client = ld(owner).tokens;
    const all = (await client.getTokens(undefined, 1000, 0)).data;
    const first = await client.getTokens(undefined, 1, 0);
    const second = await client.getTokens(undefined, 1, 1);
    expectModel('Tokens', first.data);
    expectModel('Tokens', second.data);
    expect(first.data.items?.map((t) => t._id)).toEqual([all.items?.[0]?._id]);
    expect(second.data.items?.map((t) => t._id)).toEqual([all.items?.[1]?._id]);
    expect(first.data.totalCount).toBe(all.items?.length);
  });

  it("getTokens with showAll lists another member's personal tokens for the owner, without it not", async () => {
    const member = await addMember(api, owner, 'reader');
    const client = ld(owner).tokens;
    const everyone = await client.getTokens(true, 1000);
    expectModel('Tokens', everyone.data);
    expect(everyone.data.items?.map((t) => t._id)).toContain(member.tokenId);
    const own = await client.getTokens(false, 1000);
    expectModel('Tokens', own.data);
    expect(own.data.items?.map((t) => t._id)).not.toContain(member.tokenId);
  });

  it('getToken: a Token whose token field is only the last four characters', async () => {
    const made = await newToken(owner, { description: 'd' });
    const reply = await ld(owner).tokens.getToken(made._id);
    expect(reply.status).toBe(200);
    expectModel('Token', reply.data);
    expect(reply.data).toMatchObject({
      _id: made._id,
      token: made.token.slice(-4),
      memberId: ownerId,
      _links: { self: { href: `/api/v2/tokens/${made._id}` } },
    });
  });

  it('patchToken sends a bare JSON Patch array: a Token with the change', async () => {
    const made = await newToken(owner, { description: 'before' });
    const reply = await ld(owner).tokens.patchToken(made._id, [
      { op: 'replace', path: '/name', value: 'renamed' },
      { op: 'replace', path: '/description', value: 'now described' },
    ]);
    expect(reply.status).toBe(200);
    expectModel('Token', reply.data);
    expect(reply.data).toMatchObject({ name: 'renamed', description: 'now described' });
  });

  it('resetToken with expiry: a Token with the new full value; the old one works until the expiry', async () => {
    const made = await newToken(owner);
    const reply = await ld(owner).tokens.resetToken(made._id, Date.now() + 60_000);
    expect(reply.status).toBe(200);
    expectModel('Token', reply.data);
    const fresh = reply.data.token as string;
    expect(fresh.length).toBeGreaterThan(4);
    expect(fresh).not.toBe(made.token);
    expect((await identityOf(fresh)).tokenId).toBe(made._id);
    expect((await identityOf(made.token)).tokenId).toBe(made._id);
  });

  it('resetToken without expiry: the old value stops working at once', async () => {
    const made = await newToken(owner);
    const reply = await ld(owner).tokens.resetToken(made._id);
    expectModel('Token', reply.data);
    await expectError(ld(made.token).other.getCallerIdentity(), 401, 'UnauthorizedErrorRep', 'unauthorized');
  });

  it('deleteToken: 204; then the token is a 404 and its value a 401', async () => {
    const made = await newToken(owner);
    const reply = await ld(owner).tokens.deleteToken(made._id);
    expect(reply.status).toBe(204);
    await expectError(ld(owner).tokens.getToken(made._id), 404, 'NotFoundErrorRep', 'not_found');
    await expectError(ld(made.token).other.getCallerIdentity(), 401, 'UnauthorizedErrorRep', 'unauthorized');
  });
});

describe('AccountMembersApi', () => {
  it('postMembers: 201 and Members (an object with items), each a Member with a pending invite', async () => {
    const email = `${unique('new')}@example.com`;
    const reply = await ld(owner).members.postMembers([
      { email, role: 'writer', firstName: 'Ada', lastName: 'Lovelace' },
    ]);
    expect(reply.status).toBe(201);
    expectModel('Members', reply.data);
    expect(reply.data.items?.[0]).toMatchObject({
      email,
      role: 'writer',
      firstName: 'Ada',
      lastName: 'Lovelace',
      customRoles: [],
      _pendingInvite: true,
    });
  });

  it('postMembers with customRoles: Members whose member carries them', async () => {
    const key = await newRole();
    const reply = await ld(owner).members.postMembers([
      { email: `${unique('c')}@example.com`, customRoles: [key] },
    ]);
    expect(reply.status).toBe(201);
    expectModel('Members', reply.data);
    expect(reply.data.items?.[0]?.customRoles).toEqual([key]);
  });

  it('getMembers: Members with every member and a totalCount', async () => {
    const invited = await invite();
    const reply = await ld(owner).members.getMembers();
    expect(reply.status).toBe(200);
    expectModel('Members', reply.data);
    expect(reply.data.items.map((m) => m._id)).toEqual(expect.arrayContaining([ownerId, invited]));
    expect(reply.data.totalCount).toBe(reply.data.items.length);
  });

  it('getMembers with limit and offset pages through the same list', async () => {
    await invite();
    const client = ld(owner).members;
    const all = (await client.getMembers(1000, 0)).data;
    const first = await client.getMembers(1, 0);
    const second = await client.getMembers(1, 1);
    expectModel('Members', first.data);
    expectModel('Members', second.data);
    expect(first.data.items.map((m) => m._id)).toEqual([all.items[0]?._id]);
    expect(second.data.items.map((m) => m._id)).toEqual([all.items[1]?._id]);
    expect(first.data.totalCount).toBe(all.items.length);
  });

  it('getMember: a Member', async () => {
    const invited = await invite('writer');
    const reply = await ld(owner).members.getMember(invited);
    expect(reply.status).toBe(200);
    expectModel('Member', reply.data);
    expect(reply.data).toMatchObject({
      _id: invited,
      role: 'writer',
      _links: { self: { href: `/api/v2/members/${invited}` } },
    });
  });

  it("getMember('me'): the caller's own Member", async () => {
    const reply = await ld(owner).members.getMember('me');
    expect(reply.status).toBe(200);
    expectModel('Member', reply.data);
    expect(reply.data).toMatchObject({ _id: ownerId, role: 'owner', _pendingInvite: false });
  });

  it('getMember of a member who accepted and used a token: a Member, no longer pending', async () => {
    const member = await addMember(api, owner, 'reader');
    await identityOf(member.token);
    const reply = await ld(owner).members.getMember(member.memberId);
    expectModel('Member', reply.data);
    expect(reply.data._pendingInvite).toBe(false);
  });

  it('patchMember sends a bare JSON Patch array: a Member with the new role', async () => {
    const invited = await invite('reader');
    const reply = await ld(owner).members.patchMember(invited, [
      { op: 'replace', path: '/role', value: 'writer' },
    ]);
    expect(reply.status).toBe(200);
    expectModel('Member', reply.data);
    expect(reply.data.role).toBe('writer');
  });

  it('patchMember on /customRoles: a Member with the custom roles', async () => {
    const [invited, key] = await Promise.all([invite('reader'), newRole()]);
    const reply = await ld(owner).members.patchMember(invited, [
      { op: 'replace', path: '/customRoles', value: [key] },
    ]);
    expect(reply.status).toBe(200);
    expectModel('Member', reply.data);
    expect(reply.data.customRoles).toEqual([key]);
  });

  it("deleteMember: 204; then the member is a 404 and the member's token a 401", async () => {
    const member = await addMember(api, owner, 'reader');
    const reply = await ld(owner).members.deleteMember(member.memberId);
    expect(reply.status).toBe(204);
    await expectError(ld(owner).members.getMember(member.memberId), 404, 'NotFoundErrorRep', 'not_found');
    await expectError(
      ld(member.token).other.getCallerIdentity(),
      401,
      'UnauthorizedErrorRep',
      'unauthorized',
    );
  });
});

describe('AccountMembersBetaApi (PATCH /members, semantic patch)', () => {
  it('patchMembers replaceMembersRoles: BulkEditMembersRep naming the members; their roles change', async () => {
    const [a, b] = await Promise.all([invite('reader'), invite('reader')]);
    const reply = await ld(owner).membersBeta.patchMembers({
      comment: 'promote',
      instructions: [{ kind: 'replaceMembersRoles', value: 'writer', memberIDs: [a, b] }],
    });
    expect(reply.status).toBe(200);
    expectModel('BulkEditMembersRep', reply.data);
    expect([...(reply.data.members ?? [])].sort()).toEqual([a, b].sort());
    expect(reply.data.errors ?? []).toEqual([]);
    for (const id of [a, b]) expect((await ld(owner).members.getMember(id)).data.role).toBe('writer');
  });

  it('patchMembers replaceMembersRoles also removes the members custom roles', async () => {
    const key = await newRole();
    const reply = await api.post(owner, '/members', [
      { email: `${unique('cr')}@example.com`, customRoles: [key] },
    ]);
    const id: string = reply.body.items[0]._id;
    const patched = await ld(owner).membersBeta.patchMembers({
      instructions: [{ kind: 'replaceMembersRoles', value: 'reader', memberIDs: [id] }],
    });
    expectModel('BulkEditMembersRep', patched.data);
    expect((await ld(owner).members.getMember(id)).data).toMatchObject({ role: 'reader', customRoles: [] });
  });

  it('patchMembers replaceMembersCustomRoles: BulkEditMembersRep; the custom roles change', async () => {
    const [a, key] = await Promise.all([invite('reader'), newRole()]);
    const reply = await ld(owner).membersBeta.patchMembers({
      instructions: [{ kind: 'replaceMembersCustomRoles', values: [key], memberIDs: [a] }],
    });
    expect(reply.status).toBe(200);
    expectModel('BulkEditMembersRep', reply.data);
    expect(reply.data.members).toEqual([a]);
    expect((await ld(owner).members.getMember(a)).data.customRoles).toEqual([key]);
  });
});

describe('CustomRolesApi', () => {
  it('postCustomRole: 201 and a CustomRole', async () => {
    const key = unique('made');
    const reply = await ld(owner).roles.postCustomRole({
      key,
      name: 'Made',
      description: 'made by the client',
      policy: viewProjects,
      basePermissions: 'no_access',
    });
    expect(reply.status).toBe(201);
    expectModel('CustomRole', reply.data);
    expect(reply.data).toMatchObject({
      key,
      name: 'Made',
      description: 'made by the client',
      policy: viewProjects,
    });
  });

  it('getCustomRoles: CustomRoles with every role', async () => {
    const key = await newRole();
    const reply = await ld(owner).roles.getCustomRoles();
    expect(reply.status).toBe(200);
    expectModel('CustomRoles', reply.data);
    expect(reply.data.items.map((r) => r.key)).toContain(key);
  });

  it('getCustomRoles with limit and offset pages through the same list', async () => {
    await newRole();
    await newRole();
    const client = ld(owner).roles;
    const all = (await client.getCustomRoles(1000, 0)).data;
    const first = await client.getCustomRoles(1, 0);
    const second = await client.getCustomRoles(1, 1);
    expectModel('CustomRoles', first.data);
    expectModel('CustomRoles', second.data);
    expect(first.data.items.map((r) => r.key)).toEqual([all.items[0]?.key]);
    expect(second.data.items.map((r) => r.key)).toEqual([all.items[1]?.key]);
  });

  it('getCustomRole: a CustomRole', async () => {
    const key = await newRole();
    const reply = await ld(owner).roles.getCustomRole(key);
    expect(reply.status).toBe(200);
    expectModel('CustomRole', reply.data);
    expect(reply.data).toMatchObject({
      key,
      policy: viewProjects,
      _links: { self: { href: `/api/v2/roles/${key}` } },
    });
  });

  it('patchCustomRole sends {patch, comment}: a CustomRole with the change', async () => {
    const key = await newRole();
    const reply = await ld(owner).roles.patchCustomRole(key, {
      patch: [{ op: 'replace', path: '/name', value: 'Renamed' }],
      comment: 'clearer name',
    });
    expect(reply.status).toBe(200);
    expectModel('CustomRole', reply.data);
    expect(reply.data.name).toBe('Renamed');
  });

  it('deleteCustomRole: 204; then the role is a 404', async () => {
    const key = await newRole();
    const reply = await ld(owner).roles.deleteCustomRole(key);
    expect(reply.status).toBe(204);
    await expectError(ld(owner).roles.getCustomRole(key), 404, 'NotFoundErrorRep', 'not_found');
  });
});

describe('OtherApi.getCallerIdentity', () => {
  it('for a personal token: a CallerIdentityRep naming the token and its member', async () => {
    const made = await newToken(owner);
    const reply = await ld(made.token).other.getCallerIdentity();
    expect(reply.status).toBe(200);
    expectModel('CallerIdentityRep', reply.data);
    expect(reply.data).toMatchObject({
      accountId: stack.accountId,
      memberId: ownerId,
      tokenId: made._id,
      tokenKind: 'personal',
      serviceToken: false,
    });
  });

  it('for a service token: a CallerIdentityRep with serviceToken true', async () => {
    const made = await newToken(owner, { serviceToken: true });
    const reply = await ld(made.token).other.getCallerIdentity();
    expectModel('CallerIdentityRep', reply.data);
    expect(reply.data).toMatchObject({ tokenId: made._id, tokenKind: 'service', serviceToken: true });
  });
});

describe('OtherApi.getOpenapiSpec', () => {
  it("without credentials: this service's OpenAPI document, as docs/openapi.json holds it", async () => {
    const reply = await ld('').other.getOpenapiSpec();
    expect(reply.status).toBe(200);
    expect(reply.data).toEqual(
      JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')),
    );
  });
});

describe('errors, in the shapes of the client error models', () => {
  it.each([
    ['getToken', () => ld(owner).tokens.getToken('no-such-token')],
    ['getMember', () => ld(owner).members.getMember('no-such-member')],
    ['getCustomRole', () => ld(owner).roles.getCustomRole('no-such-role')],
    ['deleteToken', () => ld(owner).tokens.deleteToken('no-such-token')],
  ])('%s of something unknown: 404 NotFoundErrorRep', async (_, call) => {
    await expectError(call(), 404, 'NotFoundErrorRep', 'not_found');
  });

  it.each([
    ['postToken with an empty name', () => ld(owner).tokens.postToken({ name: '', role: 'reader' })],
    [
      'postToken with a role that does not exist',
      () => ld(owner).tokens.postToken({ name: 'x', role: 'superuser' as 'reader' }),
    ],
    [
      'patchToken on a read-only field',
      async () =>
        ld(owner).tokens.patchToken((await newToken(owner))._id, [
          { op: 'replace', path: '/_id', value: 'x' },
        ]),
    ],
    [
      'postCustomRole with a statement effect that does not exist',
      () =>
        ld(owner).roles.postCustomRole({
          key: unique('bad'),
          name: 'Bad',
          policy: [{ effect: 'maybe' as 'allow', actions: ['*'], resources: ['*'] }],
        }),
    ],
    ['postMembers with a malformed email', () => ld(owner).members.postMembers([{ email: 'not-an-email' }])],
    [
      'patchMembers with an instruction kind that does not exist',
      () =>
        ld(owner).membersBeta.patchMembers({ instructions: [{ kind: 'promoteEveryone', memberIDs: [] }] }),
    ],
  ])('%s: 400 InvalidRequestErrorRep', async (_, call) => {
    await expectError(call(), 400, 'InvalidRequestErrorRep', 'invalid_request');
  });

  it('an unknown key: 401 UnauthorizedErrorRep', async () => {
    await expectError(
      ld('api-not-a-real-token').tokens.getTokens(),
      401,
      'UnauthorizedErrorRep',
      'unauthorized',
    );
  });

  it('a reader inviting a member: 403 ForbiddenErrorRep', async () => {
    const reader = await addMember(api, owner, 'reader');
    await expectError(
      ld(reader.token).members.postMembers([{ email: `${unique('x')}@example.com` }]),
      403,
      'ForbiddenErrorRep',
      'forbidden',
    );
  });

  it('deleting a custom role still assigned to a member: 409 StatusConflictErrorRep', async () => {
    const key = await newRole();
    const held = await api.post(owner, '/members', [
      { email: `${unique('held')}@example.com`, customRoles: [key] },
    ]);
    expect(held.status).toBe(201);
    await expectError(ld(owner).roles.deleteCustomRole(key), 409, 'StatusConflictErrorRep', 'conflict');
  });
});

describe('AuditLogApi', () => {
  it('getAuditLogEntries: an AuditLogEntryListingRepCollection, newest first, naming who did what', async () => {
    const made = await newToken(owner, { name: unique('audited') });
    let reply: Awaited<ReturnType<ReturnType<typeof ld>['audit']['getAuditLogEntries']>> | undefined;
    await within(30_000, async () => {
      reply = await ld(owner).audit.getAuditLogEntries(undefined, undefined, made._id, 5);
      return reply.data.items.length > 0;
    });
    expect(reply!.status).toBe(200);
    expectModel('AuditLogEntryListingRepCollection', reply!.data);
    const [entry] = reply!.data.items;
    expect(entry).toMatchObject({ kind: 'token', titleVerb: 'created the token', member: { _id: ownerId } });
    const page = await ld(owner).audit.getAuditLogEntries(Date.now(), 0, undefined, 2, 'member/*:token/*');
    expectModel('AuditLogEntryListingRepCollection', page.data);
    expect(page.data.items.length).toBeLessThanOrEqual(2);
  });

  it('getAuditLogEntry: an AuditLogEntryRep with the previous and current versions', async () => {
    const listed = await ld(owner).audit.getAuditLogEntries(undefined, undefined, undefined, 1);
    const id = listed.data.items[0]!._id;
    const reply = await ld(owner).audit.getAuditLogEntry(id);
    expect(reply.status).toBe(200);
    expectModel('AuditLogEntryRep', reply.data);
    expect(reply.data._id).toBe(id);
  });

  it("a reader's token is refused (403), an unknown id is a 404", async () => {
    const reader = await newToken(owner, { role: 'reader' });
    await expectError(ld(reader.token).audit.getAuditLogEntries(), 403, 'ForbiddenErrorRep', 'forbidden');
    await expectError(
      ld(owner).audit.getAuditLogEntry('ffffffffffffffffffffffff'),
      404,
      'NotFoundErrorRep',
      'not_found',
    );
  });
});
