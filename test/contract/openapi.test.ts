import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { API_BASE, type FunctionName, ROUTES, type RouteKeyOf } from '../../shared/http/routes.js';
import { type Api, addMember } from '../support/api.js';
import { within } from '../support/eventually.js';
import { signInAtProvider } from '../support/oidc-flow.js';
import { undocumented } from '../support/openapi-check.js';
import { startTestStack } from '../support/stack.js';

// Every route of the route table, called over HTTP on the local stack, answers as the OpenAPI
// document says: a status it shows for the route, with a body its schema parses (strictly: no
// field the document does not show). One 2xx and at least one refusal per route.
let stack: LocalStack;
let api: Api;
let owner: string;

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
});

afterAll(async () => {
  await stack.stop();
});

interface Call {
  readonly method: string;
  readonly path: string;
  readonly token?: string | null;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly query?: Record<string, string>;
}

interface Answer {
  readonly url: string;
  readonly status: number;
  readonly body: unknown;
}

async function send(call: Call): Promise<Answer> {
  const url = new URL(`${API_BASE}${call.path}`, stack.url);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
  const token = call.token === undefined ? owner : call.token;
  const text = call.rawBody ?? (call.body !== undefined ? JSON.stringify(call.body) : undefined);
  const response = await fetch(url, {
    method: call.method,
    headers: {
      ...(token !== null ? { Authorization: token } : {}),
      ...(text !== undefined ? { 'Content-Type': call.contentType ?? 'application/json' } : {}),
    },
    ...(text !== undefined ? { body: text } : {}),
  });
  const body = await response.text();
  return {
    url: `${url.pathname}${url.search}`,
    status: response.status,
    body: body === '' ? '' : JSON.parse(body),
  };
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const viewProjects = [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }];

async function made<T = any>(call: Omit<Call, 'method'>): Promise<T> {
  const answer = await send({ ...call, method: 'POST' });
  if (answer.status !== 201)
    throw new Error(`fixture ${call.path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as T;
}

const newToken = () =>
  made<{ _id: string; token: string }>({ path: '/tokens', body: { name: unique('t'), role: 'reader' } });
const newRole = async () =>
  (
    await made<{ key: string }>({
      path: '/roles',
      body: { key: unique('r'), name: 'R', policy: viewProjects },
    })
  ).key;
const newProject = async () =>
  (await made<{ key: string }>({ path: '/projects', body: { key: unique('p'), name: 'P' } })).key;
const newFlag = async (project: string) =>
  (await made<{ key: string }>({ path: `/flags/${project}`, body: { key: unique('f'), name: 'F' } })).key;
const invite = async () =>
  (
    await made<{ items: { _id: string; _inviteCode: string }[] }>({
      path: '/members',
      body: [{ email: `${unique('m')}@example.com`, role: 'reader' }],
    })
  ).items[0]!;

/** The owner signs in at the local stack's development provider: the ID token and its nonce. */
const providerSignIn = async () =>
  signInAtProvider({
    issuer: stack.signIn.issuer,
    clientId: stack.signIn.clientId,
    redirectUri: `${stack.url.replace('127.0.0.1', 'localhost')}/callback`,
    email: ((await send({ method: 'GET', path: '/members/me' })).body as { email: string }).email,
  });

/** Per route: the calls to make, each with the status it must get. */
type Case = () => Promise<readonly (readonly [Call, number])[]>;

const CASES: { readonly [K in RouteKeyOf<FunctionName>]: Case } = {
  'GET /api/v2/tokens': async () => [
    [{ method: 'GET', path: '/tokens', query: { showAll: 'true', limit: '1', offset: '1' } }, 200],
    [{ method: 'GET', path: '/tokens', token: null }, 401],
    [{ method: 'GET', path: '/tokens', query: { limit: '0' } }, 400],
  ],
  'POST /api/v2/tokens': async () => [
    [
      {
        method: 'POST',
        path: '/tokens',
        body: { name: 'inline', description: 'd', inlineRole: viewProjects, expiresAt: Date.now() + 60_000 },
      },
      201,
    ],
    [{ method: 'POST', path: '/tokens', body: { name: 'svc', role: 'reader', serviceToken: true } }, 201],
    [{ method: 'POST', path: '/tokens', body: { name: '' } }, 400],
    [{ method: 'POST', path: '/tokens', rawBody: 'name=x', contentType: 'text/plain' }, 415],
  ],
  'GET /api/v2/tokens/{id}': async () => [
    [{ method: 'GET', path: `/tokens/${(await newToken())._id}` }, 200],
    [{ method: 'GET', path: '/tokens/no-such-token' }, 404],
  ],
  'PATCH /api/v2/tokens/{id}': async () => {
    const { _id } = await newToken();
    return [
      [
        {
          method: 'PATCH',
          path: `/tokens/${_id}`,
          body: { patch: [{ op: 'replace', path: '/name', value: 'renamed' }], comment: 'c' },
        },
        200,
      ],
      [
        { method: 'PATCH', path: `/tokens/${_id}`, body: [{ op: 'test', path: '/name', value: 'other' }] },
        409,
      ],
    ];
  },
  'DELETE /api/v2/tokens/{id}': async () => {
    const { _id } = await newToken();
    return [
      [{ method: 'DELETE', path: `/tokens/${_id}` }, 204],
      [{ method: 'DELETE', path: `/tokens/${_id}` }, 404],
    ];
  },
  'POST /api/v2/tokens/{id}/reset': async () => [
    [
      {
        method: 'POST',
        path: `/tokens/${(await newToken())._id}/reset`,
        query: { expiry: String(Date.now() + 60_000) },
      },
      200,
    ],
    [{ method: 'POST', path: '/tokens/no-such-token/reset' }, 404],
  ],
  'POST /api/v2/tokens/{id}/clone': async () => {
    const { _id } = await newToken();
    return [
      [{ method: 'POST', path: `/tokens/${_id}/clone`, body: { name: 'clone' } }, 201],
      [{ method: 'POST', path: `/tokens/${_id}/clone`, body: { name: 'clone', role: 'admin' } }, 400],
    ];
  },
  'GET /api/v2/account/token-policy': async () => [
    [{ method: 'GET', path: '/account/token-policy', query: { limit: '5' } }, 200],
    [{ method: 'GET', path: '/account/token-policy', token: null }, 401],
  ],
  // The stack's one account is every case's: the policy set here limits nothing.
  'PUT /api/v2/account/token-policy': async () => {
    const open = {
      maxLifetimeDays: null,
      requireExpiry: false,
      inactivityDays: null,
      serviceTokensAllowed: true,
    };
    return [
      [{ method: 'PUT', path: '/account/token-policy', body: open }, 200],
      [{ method: 'PUT', path: '/account/token-policy', body: { ...open, maxLifetimeDays: 0 } }, 400],
      [{ method: 'PUT', path: '/account/token-policy', token: (await newToken()).token, body: open }, 403],
    ];
  },
  'POST /api/v2/tokens/leaked': async () => [
    [
      { method: 'POST', path: '/tokens/leaked', token: null, body: { tokens: [(await newToken()).token] } },
      202,
    ],
    [{ method: 'POST', path: '/tokens/leaked', token: null, body: { tokens: ['not-a-token'] } }, 202],
    [{ method: 'POST', path: '/tokens/leaked', token: null, body: { tokens: [] } }, 400],
  ],
  'GET /api/v2/members': async () => [
    [
      {
        method: 'GET',
        path: '/members',
        query: { filter: 'role:reader|owner', sort: '-displayName', limit: '2' },
      },
      200,
    ],
    [{ method: 'GET', path: '/members', query: { sort: 'age' } }, 400],
  ],
  'POST /api/v2/members': async () => {
    const reader = await addMember(api, owner, 'reader');
    return [
      [
        {
          method: 'POST',
          path: '/members',
          body: [{ email: `${unique('n')}@example.com`, firstName: 'Ada', customRoles: [await newRole()] }],
        },
        201,
      ],
      [
        {
          method: 'POST',
          path: '/members',
          token: reader.token,
          body: [{ email: `${unique('n')}@example.com` }],
        },
        403,
      ],
    ];
  },
  'GET /api/v2/members/{id}': async () => [
    [{ method: 'GET', path: '/members/me' }, 200],
    [{ method: 'GET', path: `/members/${(await invite())._id}` }, 200],
    [{ method: 'GET', path: '/members/no-such-member' }, 404],
  ],
  'PATCH /api/v2/members': async () => [
    [
      {
        method: 'PATCH',
        path: '/members',
        body: {
          comment: 'c',
          instructions: [
            {
              kind: 'replaceMembersRoles',
              value: 'writer',
              memberIDs: [(await invite())._id, 'no-such-member'],
            },
          ],
        },
      },
      200,
    ],
    [{ method: 'PATCH', path: '/members', body: { instructions: [{ kind: 'promoteEveryone' }] } }, 400],
  ],
  'PATCH /api/v2/members/{id}': async () => {
    const { _id } = await invite();
    return [
      [
        {
          method: 'PATCH',
          path: `/members/${_id}`,
          body: [{ op: 'replace', path: '/role', value: 'writer' }],
        },
        200,
      ],
      [
        {
          method: 'PATCH',
          path: `/members/${_id}`,
          body: [{ op: 'replace', path: '/email', value: 'x@example.com' }],
        },
        400,
      ],
    ];
  },
  'DELETE /api/v2/members/{id}': async () => {
    const { _id } = await invite();
    return [
      [{ method: 'DELETE', path: `/members/${_id}` }, 204],
      [{ method: 'DELETE', path: `/members/${_id}` }, 404],
    ];
  },
  'POST /api/v2/invitations/accept': async () => [
    [
      {
        method: 'POST',
        path: '/invitations/accept',
        token: null,
        body: { code: (await invite())._inviteCode, tokenName: 'first' },
      },
      201,
    ],
    [{ method: 'POST', path: '/invitations/accept', token: null, body: { code: 'ati_not-a-code' } }, 401],
  ],
  'GET /api/v2/roles': async () => {
    await newRole();
    return [
      [{ method: 'GET', path: '/roles' }, 200],
      [{ method: 'GET', path: '/roles', query: { offset: '-1' } }, 400],
    ];
  },
  'POST /api/v2/roles': async () => {
    const key = unique('r');
    return [
      [
        {
          method: 'POST',
          path: '/roles',
          body: { key, name: 'R', description: 'd', policy: viewProjects, basePermissions: 'no_access' },
        },
        201,
      ],
      [{ method: 'POST', path: '/roles', body: { key, name: 'R', policy: viewProjects } }, 409],
    ];
  },
  'GET /api/v2/roles/{key}': async () => [
    [{ method: 'GET', path: `/roles/${await newRole()}` }, 200],
    [{ method: 'GET', path: '/roles/no-such-role' }, 404],
  ],
  'PATCH /api/v2/roles/{key}': async () => [
    [
      {
        method: 'PATCH',
        path: `/roles/${await newRole()}`,
        body: [{ op: 'replace', path: '/name', value: 'Renamed' }],
      },
      200,
    ],
    [
      { method: 'PATCH', path: '/roles/no-such-role', body: [{ op: 'replace', path: '/name', value: 'x' }] },
      404,
    ],
  ],
  'DELETE /api/v2/roles/{key}': async () => {
    const held = await newRole();
    await made({ path: '/members', body: [{ email: `${unique('h')}@example.com`, customRoles: [held] }] });
    return [
      [{ method: 'DELETE', path: `/roles/${await newRole()}` }, 204],
      [{ method: 'DELETE', path: `/roles/${held}` }, 409],
    ];
  },
  'GET /api/v2/projects': async () => [
    [{ method: 'GET', path: '/projects' }, 200],
    [{ method: 'GET', path: '/projects', token: 'atk_not-a-token' }, 401],
  ],
  'POST /api/v2/projects': async () => {
    const key = unique('p');
    return [
      [{ method: 'POST', path: '/projects', body: { key, name: 'P', tags: ['web'] } }, 201],
      [{ method: 'POST', path: '/projects', body: { key, name: 'P' } }, 409],
    ];
  },
  'GET /api/v2/projects/{projectKey}': async () => [
    [{ method: 'GET', path: `/projects/${await newProject()}` }, 200],
    [{ method: 'GET', path: '/projects/no-such-project' }, 404],
  ],
  'DELETE /api/v2/projects/{projectKey}': async () => [
    [{ method: 'DELETE', path: `/projects/${await newProject()}` }, 204],
    [{ method: 'DELETE', path: '/projects/no-such-project' }, 404],
  ],
  'GET /api/v2/flags/{projectKey}': async () => {
    const project = await newProject();
    await newFlag(project);
    return [
      [{ method: 'GET', path: `/flags/${project}` }, 200],
      [{ method: 'GET', path: '/flags/no-such-project' }, 404],
    ];
  },
  'POST /api/v2/flags/{projectKey}': async () => [
    [
      {
        method: 'POST',
        path: `/flags/${await newProject()}`,
        body: { key: 'beta', name: 'Beta', description: 'd', tags: ['t'] },
      },
      201,
    ],
    [{ method: 'POST', path: `/flags/${await newProject()}`, body: { key: 'beta' } }, 400],
  ],
  'GET /api/v2/flags/{projectKey}/{flagKey}': async () => {
    const project = await newProject();
    return [
      [{ method: 'GET', path: `/flags/${project}/${await newFlag(project)}` }, 200],
      [{ method: 'GET', path: `/flags/${project}/no-such-flag` }, 404],
    ];
  },
  'PATCH /api/v2/flags/{projectKey}/{flagKey}': async () => {
    const project = await newProject();
    const flag = await newFlag(project);
    return [
      [
        {
          method: 'PATCH',
          path: `/flags/${project}/${flag}`,
          body: [{ op: 'replace', path: '/environments/test/on', value: true }],
        },
        200,
      ],
      [
        {
          method: 'PATCH',
          path: `/flags/${project}/${flag}`,
          body: [{ op: 'replace', path: '/key', value: 'x' }],
        },
        400,
      ],
    ];
  },
  'DELETE /api/v2/flags/{projectKey}/{flagKey}': async () => {
    const project = await newProject();
    return [
      [{ method: 'DELETE', path: `/flags/${project}/${await newFlag(project)}` }, 204],
      [{ method: 'DELETE', path: `/flags/${project}/no-such-flag` }, 404],
    ];
  },
  'GET /api/v2/caller-identity': async () => [
    [{ method: 'GET', path: '/caller-identity', token: (await newToken()).token }, 200],
    [{ method: 'GET', path: '/caller-identity', token: null }, 401],
  ],
  'POST /api/v2/caller-identity/check': async () => [
    [
      { method: 'POST', path: '/caller-identity/check', body: { action: 'viewProject', resource: 'proj/x' } },
      200,
    ],
    [
      {
        method: 'POST',
        path: '/caller-identity/check',
        token: (await newToken()).token,
        body: { action: 'createProject', resource: 'proj/x' },
      },
      200,
    ],
    [{ method: 'POST', path: '/caller-identity/check', body: { action: 'fly', resource: 'proj/x' } }, 400],
  ],
  'POST /api/v2/sessions': async () => {
    const { idToken, nonce } = await providerSignIn();
    return [
      [{ method: 'POST', path: '/sessions', token: null, body: { idToken, nonce } }, 201],
      [{ method: 'POST', path: '/sessions', token: null, body: { idToken, nonce } }, 401],
      [{ method: 'POST', path: '/sessions', token: null, body: { idToken } }, 400],
    ];
  },
  'DELETE /api/v2/sessions/current': async () => {
    const { idToken, nonce } = await providerSignIn();
    const { token } = await made<{ token: string }>({
      path: '/sessions',
      token: null,
      body: { idToken, nonce },
    });
    return [
      [{ method: 'DELETE', path: '/sessions/current' }, 400],
      [{ method: 'DELETE', path: '/sessions/current', token }, 204],
      [{ method: 'DELETE', path: '/sessions/current', token }, 401],
    ];
  },
  'GET /api/v2/openapi.json': async () => [
    [{ method: 'GET', path: '/openapi.json', token: null }, 200],
    [{ method: 'GET', path: '/openapi.json', token: 'atk_ignored-on-a-public-route' }, 200],
  ],
  'GET /api/v2/auditlog': async () => [
    [{ method: 'GET', path: '/auditlog', query: { limit: '2', q: 'token', spec: 'member/*:token/*' } }, 200],
    [{ method: 'GET', path: '/auditlog', query: { limit: '21' } }, 400],
    [{ method: 'GET', path: '/auditlog', query: { spec: 'widget/x' } }, 400],
    [{ method: 'GET', path: '/auditlog', token: null }, 401],
  ],
  'GET /api/v2/auditlog/{id}': async () => [
    [{ method: 'GET', path: `/auditlog/${await anAuditEntryId()}` }, 200],
    [{ method: 'GET', path: '/auditlog/0123456789abcdef01234567' }, 404],
  ],
};

/** An entry's id, once the stream handlers have written one (a token made here shows there). */
async function anAuditEntryId(): Promise<string> {
  await newToken();
  let id: string | undefined;
  await within(30_000, async () => {
    const { body } = await send({ method: 'GET', path: '/auditlog', query: { limit: '1' } });
    id = (body as { items?: { _id: string }[] }).items?.[0]?._id;
    return id !== undefined;
  });
  return id!;
}

describe('every route answers as the OpenAPI document says', () => {
  it('has calls for every route of the route table', () => {
    const keys = ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(keys.filter((key) => !(key in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((key) => !keys.includes(key))).toEqual([]);
  });

  it.each(Object.entries(CASES))('%s', async (_, calls) => {
    for (const [call, status] of await calls()) {
      const answer = await send(call);
      const what = `${call.method} ${answer.url}`;
      expect(answer.status, `${what}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBe(status);
      expect(undocumented(call.method, answer.url, answer.status, answer.body), what).toEqual([]);
    }
  });

  it('GET /openapi.json serves docs/openapi.json', async () => {
    const answer = await send({ method: 'GET', path: '/openapi.json', token: null });
    expect(answer.body).toEqual(
      JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')),
    );
  });
});
