import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { ROUTES, type Route } from '../../shared/http/routes.js';
import { type Api, addMember } from '../support/api.js';
import {
  authorization,
  bodyFor,
  contentType,
  extraHeaders,
  hostileQuery,
  hostileSegment,
  patchDocument,
} from '../support/hostile.js';
import { expectErrorShape, type RawRequest, rawRequest } from '../support/raw-http.js';
import { startTestStack } from '../support/stack.js';
import { accountItems } from '../support/store.js';

/*
 * Every route of the route table (a new route is fuzzed without touching this file) gets hostile
 * paths, headers, queries and bodies over HTTP against a running local stack, with the owner's
 * token most of the time so that requests reach the handlers. Whatever comes back: never a 5xx;
 * every error in the contract's shape with one of its codes; and a 4xx leaves every stored item
 * of the account as it was.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);
/**
 * Requests per route; the JSON Patch routes get PATCH_RUNS more each: ~600 requests in all, about
 * half a minute on two cores. `FUZZ_SCALE=10 FUZZ_SEED=<n>` runs a longer, different search.
 */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const RUNS = 16 * SCALE;
const PATCH_RUNS = 32 * SCALE;

let stack: LocalStack;
let api: Api;
let owner: string;
let others: string[];
/**
 * Resources that exist, for path parameters: the fuzz may change or delete these (never the
 * callers' own tokens and members), so each test first puts back what an earlier one deleted.
 */
const real: Record<'tokens' | 'members' | 'roles' | 'projects' | 'flags', string[]> = {
  tokens: [],
  members: [],
  roles: ['fuzz-role'],
  projects: ['fuzz'],
  flags: ['flag'],
};
const POLICY = [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }];
let stored: string[];
/** Set when a DELETE succeeded: the next test first puts the fixtures back. */
let deleted = true;

const exists = async (path: string) => (await api.get(owner, path)).status === 200;

async function ensureFixtures(): Promise<void> {
  if (!deleted) return;
  deleted = false;
  const victims = await Promise.all(real.members.map((id) => exists(`/members/${id}`)));
  real.members = real.members.filter((_, i) => victims[i]);
  if (real.members.length === 0) real.members.push((await addMember(api, owner, 'writer')).memberId);
  const tokens = await Promise.all(real.tokens.map((id) => exists(`/tokens/${id}`)));
  real.tokens = real.tokens.filter((_, i) => tokens[i]);
  const wanted = [
    { name: 'inline', inlineRole: POLICY },
    { name: 'service', role: 'reader', serviceToken: true },
  ];
  for (const body of wanted.slice(real.tokens.length)) {
    real.tokens.push((await api.post(owner, '/tokens', body)).body._id);
  }
  if (!(await exists('/roles/fuzz-role'))) {
    await api.post(owner, '/roles', { key: 'fuzz-role', name: 'R', policy: POLICY });
  }
  if (!(await exists('/projects/fuzz'))) await api.post(owner, '/projects', { key: 'fuzz', name: 'P' });
  if (!(await exists('/flags/fuzz/flag'))) await api.post(owner, '/flags/fuzz', { key: 'flag', name: 'F' });
  stored = await settled();
}

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
  const writer = await addMember(api, owner, 'writer');
  const reader = await addMember(api, owner, 'reader');
  others = [writer.token, reader.token];
}, 60_000);

beforeEach(ensureFixtures, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** Valid bodies per route, which the fuzz then breaks one field at a time. */
const TEMPLATES: Readonly<Record<string, unknown>> = {
  'POST /api/v2/tokens': { name: 'fz', role: 'reader' },
  'POST /api/v2/tokens/{id}/clone': { name: 'fz-clone' },
  'POST /api/v2/tokens/leaked': { tokens: ['atk_000000000000000000000000000000000000000', 'x'] },
  'POST /api/v2/members': [{ email: 'fz@example.com', role: 'reader' }],
  'POST /api/v2/invitations/accept': { code: 'inv_0000000000000000000000000000', tokenName: 't' },
  'POST /api/v2/roles': {
    key: 'fz',
    name: 'F',
    policy: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
  },
  'POST /api/v2/projects': { key: 'fz', name: 'F' },
  'POST /api/v2/flags/{projectKey}': { key: 'fz', name: 'F' },
  'POST /api/v2/caller-identity/check': { action: 'viewProject', resource: 'proj/x' },
  'PUT /api/v2/account/token-policy': {
    maxLifetimeDays: null,
    requireExpiry: false,
    inactivityDays: null,
    serviceTokensAllowed: true,
  },
};

/** The writable pointers of each JSON Patch route, so that patches get past the path check. */
const WRITABLE: Readonly<Record<string, readonly string[]>> = {
  '/api/v2/tokens/{id}': [
    '/name',
    '/description',
    '/role',
    '/expiresAt',
    '/customRoleIds',
    '/inlineRole',
    '/allowedCidrs',
  ],
  '/api/v2/members/{id}': ['/role', '/customRoles', '/customRoles/0', '/customRoles/-'],
  '/api/v2/roles/{key}': [
    '/name',
    '/description',
    '/basePermissions',
    '/policy',
    '/policy/0',
    '/policy/0/actions/-',
  ],
  '/api/v2/flags/{projectKey}/{flagKey}': ['/name', '/description', '/environments/production/on'],
};

function realValues(route: Route, parameter: string): readonly string[] {
  if (parameter === 'projectKey') return real.projects;
  if (parameter === 'flagKey') return real.flags;
  if (parameter === 'key') return real.roles;
  return route.function === 'members' ? [...real.members, 'me'] : real.tokens;
}

/** The route's path, each parameter a resource that exists (mostly) or a hostile segment. */
function pathOf(route: Route): fc.Arbitrary<string> {
  const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const segments = parameters.map((p) =>
    fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...realValues(route, p)) }, hostileSegment),
  );
  return fc
    .tuple(
      fc.tuple(...segments),
      fc.oneof({ weight: 8, arbitrary: fc.constant('') }, fc.constantFrom('/', '//')),
    )
    .map(([values, tail]) => {
      let i = 0;
      return route.path.replace(/\{\w+\}/g, () => values[i++]!) + tail;
    });
}

function requestFor(route: Route, body: fc.Arbitrary<string>): fc.Arbitrary<RawRequest> {
  const bodied = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  return fc
    .record({
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(route.method) },
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS'),
      ),
      path: pathOf(route),
      query: hostileQuery,
      auth: authorization({ owner, others }),
      type: contentType,
      extra: extraHeaders,
      body: bodied ? fc.option(body, { freq: 8 }) : fc.option(body, { freq: 2, nil: null }),
    })
    .map(({ method, path, query, auth, type, extra, body }) => {
      const search = new URLSearchParams(query).toString();
      return {
        method,
        path: search ? `${path}?${search}` : path,
        headers: {
          ...extra,
          ...(auth !== undefined ? { authorization: auth } : {}),
          ...(type !== undefined ? { 'content-type': type } : {}),
        },
        ...(body !== null && body !== undefined ? { body } : {}),
      };
    });
}

const expiredAwaitingSweep = (items: string[]) =>
  items.some((item) => {
    const ttl = /"ttl":(\d+)/.exec(item)?.[1];
    return ttl !== undefined && Number(ttl) * 1000 <= Date.now();
  });

/**
 * After a committed change, stream handlers act a little later (a removed member's tokens are
 * revoked), and the local TTL sweep deletes what was created already expired within a second:
 * wait until the store is still and holds nothing expired, so later 4xx compare against it.
 */
async function settled(): Promise<string[]> {
  let last = await accountItems(stack.accountId);
  for (let quiet = 0, tries = 0; (quiet < 2 || expiredAwaitingSweep(last)) && tries < 50; tries++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await accountItems(stack.accountId);
    quiet = JSON.stringify(now) === JSON.stringify(last) ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

const describeRequest = (r: RawRequest) =>
  `${r.method} ${r.path.slice(0, 200)} ${JSON.stringify(r.headers).slice(0, 300)} ${(r.body ?? '').slice(0, 300)}`;

/** Sends one hostile request and checks what the contract promises about its answer. */
async function probe(request: RawRequest): Promise<void> {
  const reply = await rawRequest(stack.url, request);
  const what = `${describeRequest(request)} → ${reply.status} ${reply.text.slice(0, 300)}`;
  expect(reply.status, what).toBeLessThan(500);
  if (reply.status >= 300) {
    expect(() => expectErrorShape(reply), what).not.toThrow();
  }
  if (reply.status >= 400) {
    expect(await accountItems(stack.accountId), `stored items changed by a ${reply.status}: ${what}`).toEqual(
      stored,
    );
  } else if (request.method !== 'GET') {
    deleted ||= request.method === 'DELETE';
    stored = await settled();
  }
}

const label = (route: Route) => `${route.method} ${route.path}`;

describe('fuzzing every route of the route table', () => {
  it.each(ROUTES.map((route, index) => [label(route), route, index] as const))(
    '%s: no 5xx, errors in the contract shape, a 4xx changes nothing',
    async (_, route, index) => {
      const template = TEMPLATES[label(route)];
      const writable = WRITABLE[route.path];
      const body = route.method === 'PATCH' && writable ? patchDocument(writable) : bodyFor(template);
      await fc.assert(fc.asyncProperty(requestFor(route, body), probe), {
        seed: SEED + index,
        numRuns: RUNS,
      });
    },
    120_000 * SCALE,
  );

  it.each(ROUTES.filter((route) => route.method === 'PATCH').map((route) => [route.path, route] as const))(
    'PATCH %s: hostile JSON Patch documents from the owner are 2xx or a clean 4xx',
    async (path, route) => {
      const request = fc
        .record({ path: pathOf(route), body: patchDocument(WRITABLE[path] ?? ['/name']) })
        .map(({ path: p, body }) => ({
          method: 'PATCH',
          path: p,
          headers: { authorization: owner, 'content-type': 'application/json' },
          body,
        }));
      await fc.assert(fc.asyncProperty(request, probe), { seed: SEED, numRuns: PATCH_RUNS });
    },
    120_000 * SCALE,
  );
});
