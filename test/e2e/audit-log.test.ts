import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as membersStream } from '../../functions/streams/members.js';
import { handler as tokensStream } from '../../functions/streams/tokens.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { type Api, addMember, type Invited } from '../support/api.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// The audit log, end to end: changes made by different actors (a member with a token, an admin,
// the owner, the system), each delivered twice by the streams, read back through the API.
let stack: LocalStack;
let api: Api;
let owner: string;
let ownerId: string;

beforeAll(async () => {
  ({
    stack,
    api,
    ownerToken: owner,
  } = await startTestStack(0, {
    // Every batch is delivered twice, as an at-least-once stream may: the log must hold it once.
    tokens: async (event: DynamoDBStreamEvent, context) => {
      await tokensStream(event, context);
      return tokensStream(event, context);
    },
    members: async (event: DynamoDBStreamEvent, context) => {
      await membersStream(event, context);
      return membersStream(event, context);
    },
  }));
  ownerId = (await api.get(owner, '/caller-identity')).body.memberId;
});

afterAll(async () => {
  await stack.stop();
});

interface Entry {
  _id: string;
  date: number;
  kind: string;
  name: string;
  titleVerb: string;
  description: string;
  accesses: { action: string; resource: string }[];
  member?: { _id: string; email?: string };
  token?: { _id: string; name: string; ending?: string; serviceToken: boolean };
  target: { name: string; resources: string[] };
  _actor: string;
  _sourceAddress?: string;
  _userAgent?: string;
  _cause?: string;
}

/** A call with a User-Agent of its own, as the actor's client would send it. */
async function call(token: string, agent: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}/api/v2${path}`, {
    method,
    headers: {
      Authorization: token,
      'User-Agent': agent,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Every entry, following `_links.next` from page to page (limit 20, the most). */
async function allEntries(query: Record<string, string> = {}): Promise<Entry[]> {
  const entries: Entry[] = [];
  let path: string | undefined = `/auditlog?${new URLSearchParams({ limit: '20', ...query })}`;
  while (path !== undefined) {
    const reply = await call(owner, 'test', 'GET', path);
    expect(reply.status).toBe(200);
    entries.push(...reply.body.items);
    path = reply.body._links.next?.href.replace('/api/v2', '');
  }
  return entries;
}

const about = (entries: Entry[], resource: string) =>
  entries.filter((e) => e.accesses.some((a) => a.resource === resource));

describe('the audit log', () => {
  let writer: Invited;
  let admin: Invited;
  let reader: Invited;
  let tokenId: string;
  let roleKey: string;

  beforeAll(async () => {
    admin = await addMember(api, owner, 'admin');
    writer = await addMember(api, owner, 'writer');
    reader = await addMember(api, owner, 'reader');
    // The writer, with their token: create, rename.
    const created = await call(writer.token, 'writer-cli/1.0', 'POST', '/tokens', {
      name: 'ci',
      role: 'reader',
    });
    expect(created.status).toBe(201);
    tokenId = created.body._id;
    const renamed = await call(writer.token, 'writer-cli/1.0', 'PATCH', `/tokens/${tokenId}`, [
      { op: 'replace', path: '/name', value: 'ci-renamed' },
    ]);
    expect(renamed.status).toBe(200);
    // An admin deletes it; the owner changes the writer's role, edits a custom role, removes the writer.
    expect((await call(admin.token, 'admin-console/2.0', 'DELETE', `/tokens/${tokenId}`)).status).toBe(204);
    roleKey = `auditors-${Date.now()}`;
    const policy = [{ effect: 'allow', actions: ['viewAuditLog'], resources: ['acct'] }];
    expect(
      (await call(owner, 'owner-tool/3.0', 'POST', '/roles', { key: roleKey, name: 'Auditors', policy }))
        .status,
    ).toBe(201);
    expect(
      (
        await call(owner, 'owner-tool/3.0', 'PATCH', `/roles/${roleKey}`, [
          { op: 'replace', path: '/name', value: 'Auditors (read only)' },
        ])
      ).status,
    ).toBe(200);
    expect(
      (
        await call(owner, 'owner-tool/3.0', 'PATCH', `/members/${writer.memberId}`, [
          { op: 'replace', path: '/role', value: 'reader' },
        ])
      ).status,
    ).toBe(200);
    expect((await call(owner, 'owner-tool/3.0', 'DELETE', `/members/${writer.memberId}`)).status).toBe(204);
    // Everything reaches the log through the streams (the writer's first token is revoked last).
    await within(20_000, async () =>
      (await allEntries()).some(
        (e) =>
          e.accesses.some((a) => a.resource === `member/${writer.memberId}:token/${writer.tokenId}`) &&
          e.titleVerb.includes('member was removed'),
      ),
    );
  });

  it("names the acting member, their token, the request's source address and User-Agent", async () => {
    const entries = await allEntries();
    const resource = `member/${writer.memberId}:token/${tokenId}`;
    const [deleted, renamed, created] = about(entries, resource);
    expect(about(entries, resource)).toHaveLength(3);
    expect(created).toMatchObject({
      kind: 'token',
      name: 'ci',
      titleVerb: 'created the token',
      accesses: [{ action: 'createAccessToken', resource }],
      member: { _id: writer.memberId, email: writer.email },
      token: { _id: writer.tokenId, serviceToken: false },
      target: { name: 'ci', resources: [resource] },
      _actor: 'token',
      _userAgent: 'writer-cli/1.0',
    });
    expect(created!._sourceAddress).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    expect(renamed).toMatchObject({
      titleVerb: 'updated the token',
      accesses: [{ action: 'updateAccessTokenName', resource }],
      description: '* name: ci → ci-renamed',
      member: { _id: writer.memberId },
      _userAgent: 'writer-cli/1.0',
    });
    expect(deleted).toMatchObject({
      titleVerb: 'deleted the token',
      accesses: [{ action: 'deleteAccessToken', resource }],
      member: { _id: admin.memberId, email: admin.email },
      token: { _id: admin.tokenId },
      _actor: 'token',
      _userAgent: 'admin-console/2.0',
    });
    expect(deleted!.token!.ending).toHaveLength(4);
    // Newest first.
    expect(deleted!.date).toBeGreaterThanOrEqual(renamed!.date);
    expect(renamed!.date).toBeGreaterThanOrEqual(created!.date);
  });

  it("records the owner's member and role changes, and revocations on the owner's behalf", async () => {
    const entries = await allEntries();
    const member = about(entries, `member/${writer.memberId}`);
    expect(member.map((e) => e.titleVerb)).toEqual([
      'removed the member',
      'updated the member',
      'accepted the invitation',
      'invited the member',
    ]);
    for (const e of member.slice(0, 2)) {
      expect(e).toMatchObject({ member: { _id: ownerId }, _actor: 'token', _userAgent: 'owner-tool/3.0' });
    }
    expect(member[1]!.description).toBe('* role: writer → reader');
    // The invited writer accepted their own invitation (no token: the code was the credential).
    expect(member[2]).toMatchObject({ _actor: 'member', member: { _id: writer.memberId } });
    expect(member[2]!.token).toBeUndefined();
    const firstToken = about(entries, `member/${writer.memberId}:token/${writer.tokenId}`);
    expect(firstToken.map((e) => e.titleVerb)).toEqual([
      'revoked the token (its member was removed)',
      'created the token',
    ]);
    expect(firstToken[0]).toMatchObject({
      member: { _id: ownerId },
      _cause: 'member_removed',
      _userAgent: 'owner-tool/3.0',
    });
    const role = about(entries, `role/${roleKey}`);
    expect(role.map((e) => e.titleVerb)).toEqual(['updated the custom role', 'created the custom role']);
    expect(role[0]!.accesses).toEqual([{ action: 'updateName', resource: `role/${roleKey}` }]);
  });

  it('holds one entry per change though every stream batch was delivered twice', async () => {
    const entries = await allEntries();
    expect(new Set(entries.map((e) => e._id)).size).toBe(entries.length);
    const resource = `member/${writer.memberId}:token/${tokenId}`;
    expect(about(entries, resource)).toHaveLength(3);
  });

  it('pages newest first with limit and _links.next, and filters by before, after, q and spec', async () => {
    const all = await allEntries();
    expect(all.length).toBeGreaterThan(10);
    const dates = all.map((e) => e.date);
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);

    const first = await call(owner, 'test', 'GET', '/auditlog');
    expect(first.body.items).toHaveLength(10); // LaunchDarkly's default
    const paged: Entry[] = [];
    let path: string | undefined = '/auditlog?limit=3';
    while (path !== undefined) {
      const reply = await call(owner, 'test', 'GET', path);
      expect(reply.body.items.length).toBeLessThanOrEqual(3);
      paged.push(...reply.body.items);
      path = reply.body._links.next?.href.replace('/api/v2', '');
    }
    expect(paged.map((e) => e._id)).toEqual(all.map((e) => e._id));

    const middle = all[Math.floor(all.length / 2)]!.date;
    const before = await allEntries({ before: String(middle) });
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((e) => e.date < middle)).toBe(true);
    const after = await allEntries({ after: String(middle) });
    expect(after.every((e) => e.date > middle)).toBe(true);
    expect(before.length + after.length + all.filter((e) => e.date === middle).length).toBe(all.length);

    const found = await allEntries({ q: 'CI-RENAMED' });
    expect(found.map((e) => e.titleVerb)).toEqual(['deleted the token', 'updated the token']);
    const byActor = await allEntries({ q: admin.email });
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((e) => e.member?.email === admin.email || e.name === admin.email)).toBe(true);
    const roles = await allEntries({ spec: 'role/*' });
    expect(roles.map((e) => e.kind)).toEqual(['role', 'role']);

    expect((await call(owner, 'test', 'GET', '/auditlog?limit=21')).status).toBe(400);
    expect((await call(owner, 'test', 'GET', '/auditlog?before=yesterday')).status).toBe(400);
  });

  it('gets one entry in full, with the item before and after, and no secret hash', async () => {
    const [renamed] = (await allEntries({ q: 'ci-renamed' })).filter(
      (e) => e.titleVerb === 'updated the token',
    );
    const reply = await call(owner, 'test', 'GET', `/auditlog/${renamed!._id}`);
    expect(reply.status).toBe(200);
    expect(reply.body.previousVersion).toMatchObject({ name: 'ci', tokenId });
    expect(reply.body.currentVersion).toMatchObject({ name: 'ci-renamed', tokenId });
    expect(JSON.stringify(reply.body)).not.toMatch(/"hash"|lastChange/);
    expect((await call(owner, 'test', 'GET', '/auditlog/ffffffffffffffffffffffff')).status).toBe(404);
    expect((await call(owner, 'test', 'GET', '/auditlog/not-an-id')).status).toBe(404);
  });

  it('is for admins and owners: readers and writers get 403; a custom role may grant it', async () => {
    expect((await call(reader.token, 'test', 'GET', '/auditlog')).status).toBe(403);
    const anId = (await allEntries())[0]!._id;
    expect((await call(reader.token, 'test', 'GET', `/auditlog/${anId}`)).status).toBe(403);
    const writer2 = await addMember(api, owner, 'writer');
    expect((await call(writer2.token, 'test', 'GET', '/auditlog')).status).toBe(403);
    expect((await call(admin.token, 'test', 'GET', '/auditlog')).status).toBe(200);
    const auditor = await addMember(api, owner, 'reader', [roleKey]);
    expect((await call(auditor.token, 'test', 'GET', '/auditlog')).status).toBe(200);
  });
});
