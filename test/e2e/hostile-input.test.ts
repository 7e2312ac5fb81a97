import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { MAX_BODY_DEPTH } from '../../shared/http/json-body.js';
import { ROUTES, type Route } from '../../shared/http/routes.js';
import { type Api, addMember } from '../support/api.js';
import { expectErrorShape, type RawReply, rawRequest, rawSocket } from '../support/raw-http.js';
import { startTestStack } from '../support/stack.js';
import { accountItems, expectNoChange } from '../support/store.js';

// Each request an attacker sent that once got a 500 (or was acted on), over HTTP against a running
// local stack: now a clear 4xx in the contract's error shape, and nothing stored changes.
let stack: LocalStack;
let api: Api;
let owner: string;
const real: Record<string, string> = {};

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
  const token = await api.post(owner, '/tokens', {
    name: 'inline',
    inlineRole: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
  });
  real.token = token.body._id;
  real.member = (await addMember(api, owner, 'writer')).memberId;
  real.role = 'hostile-role';
  await api.post(owner, '/roles', {
    key: real.role,
    name: 'R',
    policy: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
  });
  real.project = 'hostile';
  real.flag = 'f';
  expect((await api.post(owner, '/projects', { key: real.project, name: 'P' })).status).toBe(201);
  expect((await api.post(owner, `/flags/${real.project}`, { key: real.flag, name: 'F' })).status).toBe(201);
});

afterAll(async () => {
  await stack?.stop();
});

/** The route's path with every parameter naming a resource that exists, but `override`. */
function pathOf(route: Route, override: Record<string, string> = {}): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name in override) return override[name]!;
    if (name === 'projectKey') return real.project!;
    if (name === 'flagKey') return real.flag!;
    if (name === 'key') return real.role!;
    return route.function === 'members' ? real.member! : real.token!;
  });
}

const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  rawRequest(stack.url, {
    method,
    path,
    headers: { authorization: owner, 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body } : {}),
  });

function expectError(reply: RawReply, status: number, code: string, message?: string | RegExp) {
  expect(reply.status, reply.text).toBe(status);
  const body = expectErrorShape(reply);
  expect(body.code).toBe(code);
  if (message !== undefined) expect(body.message).toMatch(message);
}

const PATCH_ROUTES = ROUTES.filter((route) => route.method === 'PATCH');
const deep = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

describe('bodies', () => {
  it.each(PATCH_ROUTES.map((route) => [route.path, route] as const))(
    'PATCH %s: a JSON Patch value nested 10,000 deep is a 400 naming the depth limit',
    async (_, route) => {
      await expectNoChange(stack.accountId, async () => {
        const body = `[{"op":"replace","path":"/name","value":${deep(10_000)}}]`;
        expectError(
          await send('PATCH', pathOf(route), body),
          400,
          'invalid_request',
          `${MAX_BODY_DEPTH} levels`,
        );
      });
    },
  );

  it('a body nested one level deeper than the limit is refused; at the limit it reaches the handler', async () => {
    const check = (levels: number) =>
      send(
        'POST',
        '/api/v2/caller-identity/check',
        `{"action":"viewProject","resource":${deep(levels - 1)}}`,
      );
    expectError(await check(MAX_BODY_DEPTH + 1), 400, 'invalid_request', `${MAX_BODY_DEPTH} levels`);
    expectError(await check(MAX_BODY_DEPTH), 400, 'invalid_request', /^resource: /);
    // Brackets inside strings are text, not nesting.
    const inString = await send(
      'POST',
      '/api/v2/caller-identity/check',
      JSON.stringify({ action: 'viewProject', resource: `proj/${'['.repeat(90)}\\"` }),
    );
    expect(inString.status).toBe(200);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['text/plain;charset=UTF-8', 'text/plain;charset=UTF-8'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x', 'multipart/form-data'],
    ['application/json; charset=latin1', 'charset=latin1'],
    ['application/jsonx', 'application/jsonx'],
  ])('a JSON body sent as %s is a 415 naming the type, and nothing is created', async (type, named) => {
    await expectNoChange(stack.accountId, async () => {
      const body = JSON.stringify({ key: 'never', name: 'Never' });
      const reply = await send('POST', '/api/v2/projects', body, { 'content-type': type });
      expectError(reply, 415, 'unsupported_media_type', named);
    });
    expect((await api.get(owner, '/projects/never')).status).toBe(404);
  });

  it('a string that is not Unicode (a lone surrogate) is a 400, never stored', async () => {
    await expectNoChange(stack.accountId, async () => {
      const reply = await send('POST', '/api/v2/projects', String.raw`{"key":"lone","name":"\ud800"}`);
      expectError(reply, 400, 'invalid_request', 'not valid Unicode');
    });
  });

  it('a secret sent as an unknown field, or as a bad value, never comes back in the 400', async () => {
    const invitation = await api.post(owner, '/members', [
      { email: `echo-${Date.now()}@example.com`, role: 'reader' },
    ]);
    const code = JSON.stringify(invitation.body).match(/ati_[0-9A-Za-z]+/)?.[0];
    for (const secret of [owner, ...(code ? [code] : [])]) {
      for (const body of [
        { name: 'echo', role: 'reader', [secret]: 1 },
        { name: 'echo', role: secret },
        { name: 'echo', inlineRole: [{ effect: 'allow', actions: [secret], resources: ['proj/*'] }] },
      ]) {
        const reply = await send('POST', '/api/v2/tokens', JSON.stringify(body));
        expectError(reply, 400, 'invalid_request');
        expect(reply.text).not.toContain(secret);
        expect(reply.text).not.toContain(secret.slice(4, 24));
      }
    }
  });

  it('a body without any Content-Type is a 415 too; a request without a body needs none', async () => {
    await expectNoChange(stack.accountId, async () => {
      const reply = await rawRequest(stack.url, {
        method: 'POST',
        path: '/api/v2/projects',
        headers: { authorization: owner },
        body: JSON.stringify({ key: 'never', name: 'Never' }),
      });
      expectError(reply, 415, 'unsupported_media_type', 'no Content-Type');
    });
    const read = await rawRequest(stack.url, {
      method: 'GET',
      path: '/api/v2/projects',
      headers: { authorization: owner },
    });
    expect(read.status).toBe(200);
  });

  it.each([
    ['application/json; charset=utf-8', 'POST'],
    ['Application/JSON; Charset="UTF-8"', 'POST'],
    ['application/json-patch+json', 'PATCH'],
    ['application/merge-patch+json', 'PATCH'],
  ])('%s is JSON (%s)', async (type, method) => {
    const reply =
      method === 'POST'
        ? await send(
            'POST',
            '/api/v2/caller-identity/check',
            '{"action":"viewProject","resource":"proj/x"}',
            {
              'content-type': type,
            },
          )
        : await send(
            'PATCH',
            `/api/v2/flags/${real.project}/${real.flag}`,
            '[{"op":"add","path":"/description","value":"typed"}]',
            { 'content-type': type },
          );
    expect(reply.status, reply.text).toBe(200);
  });
});

describe('JSON Patch paths into the prototype chain', () => {
  const cases: [string, string, string][] = [
    ['/api/v2/tokens/{id}', 'add', '/inlineRole/__proto__'],
    ['/api/v2/tokens/{id}', 'replace', '/inlineRole/0/__proto__/effect'],
    ['/api/v2/tokens/{id}', 'add', '/inlineRole/0/constructor/prototype'],
    ['/api/v2/members/{id}', 'add', '/customRoles/__proto__'],
    ['/api/v2/roles/{key}', 'add', '/policy/0/__proto__'],
    ['/api/v2/roles/{key}', 'test', '/policy/constructor'],
    ['/api/v2/roles/{key}', 'remove', '/policy/0/prototype'],
    ['/api/v2/flags/{projectKey}/{flagKey}', 'replace', '/environments/__proto__/on'],
    ['/api/v2/flags/{projectKey}/{flagKey}', 'add', '/environments/constructor/on'],
  ];
  it.each(cases)('PATCH %s: %s %s is a 400 naming the operation', async (path, op, pointer) => {
    const route = PATCH_ROUTES.find((r) => r.path === path)!;
    const operation =
      op === 'remove' ? { op, path: pointer } : { op, path: pointer, value: { polluted: true } };
    await expectNoChange(stack.accountId, async () => {
      const reply = await send('PATCH', pathOf(route), JSON.stringify([operation]));
      expectError(reply, 400, 'invalid_request', /^patch\.0\.path: /);
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a move or copy from the prototype chain is refused the same way', async () => {
    const route = PATCH_ROUTES.find((r) => r.path === '/api/v2/roles/{key}')!;
    await expectNoChange(stack.accountId, async () => {
      const reply = await send(
        'PATCH',
        pathOf(route),
        JSON.stringify([{ op: 'copy', from: '/policy/__proto__', path: '/description' }]),
      );
      expectError(reply, 400, 'invalid_request', /^patch\.0\.from: /);
    });
  });

  it("LaunchDarkly's {patch, comment} form is taken too, and checked the same way", async () => {
    const route = PATCH_ROUTES.find((r) => r.path === '/api/v2/roles/{key}')!;
    const patch = (operations: unknown[]) => JSON.stringify({ patch: operations, comment: 'why' });
    const renamed = await send(
      'PATCH',
      pathOf(route),
      patch([{ op: 'replace', path: '/name', value: 'Renamed' }]),
    );
    expect(renamed.status, renamed.text).toBe(200);
    expect(JSON.parse(renamed.text).name).toBe('Renamed');
    await expectNoChange(stack.accountId, async () => {
      const polluting = patch([{ op: 'add', path: '/policy/0/__proto__', value: {} }]);
      expectError(await send('PATCH', pathOf(route), polluting), 400, 'invalid_request', /^patch\.0\.path: /);
      const unknown = JSON.stringify({ patch: [], note: 1 });
      expectError(await send('PATCH', pathOf(route), unknown), 400, 'invalid_request', 'note');
    });
  });

  it('an operation the library cannot apply (a property of a string) is a 400', async () => {
    const route = PATCH_ROUTES.find((r) => r.path === '/api/v2/tokens/{id}')!;
    await expectNoChange(stack.accountId, async () => {
      const reply = await send(
        'PATCH',
        pathOf(route),
        JSON.stringify([{ op: 'add', path: '/name/x', value: 1 }]),
      );
      expectError(reply, 400, 'invalid_request');
    });
  });
});

describe('path parameters', () => {
  const parameterised = ROUTES.filter((route) => route.path.includes('{'));
  const cases = parameterised.flatMap((route) =>
    [...route.path.matchAll(/\{(\w+)\}/g)].map(
      (m) => [`${route.method} ${route.path}`, m[1]!, route] as const,
    ),
  );

  it.each(cases)(
    '%s: a 2,000-character %s is a 400 naming the parameter, before any read',
    async (_, name, route) => {
      await expectNoChange(stack.accountId, async () => {
        const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
        const reply = await send(route.method, pathOf(route, { [name]: 'a'.repeat(2000) }), body);
        expectError(reply, 400, 'invalid_request', `path parameter ${name}: must be at most 100 characters`);
      });
    },
  );

  it.each([
    ['an encoded slash', 'a%2Fb', 400],
    ['unicode', encodeURIComponent('tökén'), 400],
    ['a NUL', '%00', 400],
    ['a lone surrogate', '%ED%A0%80', 400],
    ['percent garbage', '%zz', 400],
    // URLs resolve dot segments, encoded or not, before any route is matched: no such route.
    ['an encoded dot-dot', '%2E%2E', 404],
  ])('%s in an id is a %i', async (_, id, status) => {
    await expectNoChange(stack.accountId, async () => {
      for (const [method, path] of [
        ['GET', `/api/v2/tokens/${id}`],
        ['DELETE', `/api/v2/members/${id}`],
      ] as const) {
        const reply = await send(method, path);
        expect(reply.status, reply.text).toBe(status);
        expectErrorShape(reply);
      }
    });
  });

  it('a malformed id still needs credentials first: 401, as API Gateway would answer', async () => {
    const reply = await rawRequest(stack.url, { method: 'GET', path: `/api/v2/tokens/${'a'.repeat(2000)}` });
    expectError(reply, 401, 'unauthorized');
  });

  it('well-formed ids that exist nowhere are still 404s', async () => {
    expectError(await send('GET', `/api/v2/tokens/${'0'.repeat(24)}`), 404, 'not_found');
    expectError(await send('GET', '/api/v2/roles/nope'), 404, 'not_found');
  });
});

describe('the local server itself', () => {
  it.each([
    ['broken JSON', '{'],
    ['null', 'null'],
    ['an array', '[1]'],
    ['items that are not an array', '{"items":3}'],
    ['JSON nested 100,000 deep', deep(100_000)],
  ])('POST /_local/events with %s is a 400 in the error shape', async (_, body) => {
    const before = (await (await fetch(`${stack.url}/_local/events`)).json()) as { items: unknown[] };
    const reply = await rawRequest(stack.url, {
      method: 'POST',
      path: '/_local/events',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expectError(reply, 400, 'invalid_request');
    const after = (await (await fetch(`${stack.url}/_local/events`)).json()) as { items: unknown[] };
    expect(after.items.length).toBe(before.items.length);
  });

  it("a 100 KB header is a 400 in the error shape, not node's bare 431", async () => {
    const before = await accountItems(stack.accountId);
    const reply = await rawRequest(stack.url, {
      method: 'POST',
      path: '/api/v2/projects',
      headers: { authorization: owner, 'content-type': 'application/json', 'x-padding': 'a'.repeat(100_000) },
      body: JSON.stringify({ key: 'padded', name: 'Padded' }),
    });
    expectError(reply, 400, 'invalid_request', 'headers');
    expect(await accountItems(stack.accountId)).toEqual(before);
  });

  it('a request that is not HTTP gets the error shape too', async () => {
    const reply = await rawSocket(stack.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({ code: 'invalid_request', message: expect.any(String), id: expect.any(String) });
  });

  it('the server still answers normally afterwards', async () => {
    expect((await api.get(owner, '/caller-identity')).status).toBe(200);
  });
});
