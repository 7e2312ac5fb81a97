import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, Api, addMember, type Invited, newAccount } from '../support/api.js';
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
  await api.post(owner, '/projects', { key: 'web', name: 'Web', tags: ['frontend'] });
  await api.post(owner, '/flags/web', { key: 'new-ui', name: 'New UI', tags: ['beta'] });
});

describe('projects', () => {
  it('a new project has production and test environments', async () => {
    const created = await api.post(writer.token, '/projects', { key: 'api', name: 'API' });
    expect(created.status).toBe(201);
    expect(created.body.environments.map((e: any) => e.key)).toEqual(['production', 'test']);
    expect((await api.get(reader.token, '/projects/api')).status).toBe(200);
    expect((await api.get(reader.token, '/projects')).body.items.map((p: any) => p.key)).toEqual(
      expect.arrayContaining(['web', 'api']),
    );
    expect((await api.post(writer.token, '/projects', { key: 'api', name: 'Again' })).status).toBe(409);
    expect((await api.delete(reader.token, '/projects/api')).status).toBe(403);
    expect((await api.delete(writer.token, '/projects/api')).status).toBe(204);
    expect((await api.get(writer.token, '/projects/api')).status).toBe(404);
  });

  it.each([
    [{ key: 'bad key', name: 'x' }, 'key'],
    [{ key: 'k', name: 'x', tags: 'one' }, 'tags'],
    [{ key: 'k' }, 'name'],
    [{ key: 'k', name: 'x', environments: [] }, 'environments'],
  ])('%j is a 400 naming %s', async (body, field) => {
    await expectNoChange(account.accountId, async () => {
      const reply = await api.post(writer.token, '/projects', body);
      expect(reply.status).toBe(400);
      expect(reply.body.message).toContain(field);
    });
  });

  it('readers cannot create projects', async () => {
    expect((await api.post(reader.token, '/projects', { key: 'r', name: 'R' })).status).toBe(403);
  });
});

describe('flags', () => {
  it('are created in every environment, off', async () => {
    const flag = await api.get(reader.token, '/flags/web/new-ui');
    expect(flag.status).toBe(200);
    expect(flag.body.environments.production.on).toBe(false);
    expect(flag.body.environments.test.on).toBe(false);
    expect((await api.get(reader.token, '/flags/web')).body.totalCount).toBe(1);
    expect((await api.get(reader.token, '/flags/nope')).status).toBe(404);
    expect((await api.post(writer.token, '/flags/nope', { key: 'f', name: 'F' })).status).toBe(404);
  });

  it('PATCH of /environments/<env>/on needs updateOn on that exact environment', async () => {
    const token = (
      await api.post(writer.token, '/tokens', {
        name: 'test env only',
        inlineRole: [
          { effect: 'allow', actions: ['viewFlag'], resources: ['proj/*:env/*:flag/*'] },
          { effect: 'allow', actions: ['updateOn'], resources: ['proj/web:env/test:flag/new-ui'] },
        ],
      })
    ).body.token;
    const on = await api.patch(token, '/flags/web/new-ui', [
      { op: 'replace', path: '/environments/test/on', value: true },
    ]);
    expect(on.status).toBe(200);
    expect(on.body.environments.test.on).toBe(true);
    await expectNoChange(account.accountId, async () => {
      const prod = await api.patch(token, '/flags/web/new-ui', [
        { op: 'replace', path: '/environments/production/on', value: true },
      ]);
      expect(prod.status).toBe(403);
      expect(prod.body.message).toContain('proj/web;frontend:env/production:flag/new-ui;beta');
      const rename = await api.patch(token, '/flags/web/new-ui', [
        { op: 'replace', path: '/name', value: 'x' },
      ]);
      expect(rename.status).toBe(403);
    });
  });

  it('an inline policy keeps a token out of production', async () => {
    const token = (
      await api.post(writer.token, '/tokens', {
        name: 'no prod',
        inlineRole: [
          { effect: 'allow', actions: ['*'], resources: ['proj/*:env/*:flag/*'] },
          { effect: 'deny', actions: ['*'], resources: ['proj/*:env/production:flag/*'] },
        ],
      })
    ).body.token;
    expect(
      (
        await api.patch(token, '/flags/web/new-ui', [
          { op: 'replace', path: '/environments/test/on', value: false },
        ])
      ).status,
    ).toBe(200);
    expect(
      (
        await api.patch(token, '/flags/web/new-ui', [
          { op: 'replace', path: '/environments/production/on', value: true },
        ])
      ).status,
    ).toBe(403);
  });

  it.each([
    [[{ op: 'replace', path: '/key', value: 'other' }], 400],
    [[{ op: 'replace', path: '/environments/test/lastModified', value: 1 }], 400],
    [[{ op: 'replace', path: '/environments/test/on', value: 'yes' }], 400],
    [[{ op: 'replace', path: '/environments/staging/on', value: true }], 400],
    [[{ op: 'test', path: '/name', value: 'Not the name' }], 409],
  ])('patch %j is refused with %s', async (patch, status) => {
    await expectNoChange(account.accountId, async () => {
      expect((await api.patch(writer.token, '/flags/web/new-ui', patch)).status).toBe(status);
    });
  });

  it('readers cannot change flags; writers rename and delete them', async () => {
    expect(
      (await api.patch(reader.token, '/flags/web/new-ui', [{ op: 'replace', path: '/name', value: 'x' }]))
        .status,
    ).toBe(403);
    await api.post(writer.token, '/flags/web', { key: 'temp', name: 'Temp' });
    const renamed = await api.patch(writer.token, '/flags/web/temp', [
      { op: 'replace', path: '/name', value: 'Renamed' },
    ]);
    expect(renamed.body.name).toBe('Renamed');
    expect((await api.delete(reader.token, '/flags/web/temp')).status).toBe(403);
    expect((await api.delete(writer.token, '/flags/web/temp')).status).toBe(204);
  });
});

describe('the gateway', () => {
  it('answers a badly encoded path with 400', async () => {
    const reply = await api.get(owner, '/projects/%ZZ');
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('invalid_request');
  });

  it('answers unknown paths with 404 and wrong methods with 405, in the error shape', async () => {
    const missing = await api.get(owner, '/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'not_found' });
    const wrong = await api.call(owner, 'PUT', '/tokens');
    expect(wrong.status).toBe(405);
    expect(wrong.body).toMatchObject({ code: 'method_not_allowed' });
  });

  it.each([
    ['no header', null],
    ['garbage', 'let me in'],
    ['a well-formed token that does not exist', 'atk_000000000000000000000000000000000000000'],
  ])('%s gets the one same 401', async (_, token) => {
    const reply = await api.get(token, '/projects');
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 'unauthorized', message: 'Invalid access token' });
  });
});
