import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import * as ld from 'launchdarkly-api-typescript';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/openapi/handler.js';
import type { MemberRecord } from '../../shared/data/member-repo.js';
import type { FlagRecord, ProjectRecord } from '../../shared/data/resource-repo.js';
import type { RoleRecord } from '../../shared/data/role-repo.js';
import type { TokenRecord } from '../../shared/data/token-repo.js';
import { documentedResponse, openApiDocument, openApiDocumentText } from '../../shared/http/openapi.js';
import { paginate } from '../../shared/http/pagination.js';
import { ROUTES, type Route } from '../../shared/http/routes.js';
import { flagView, memberView, projectView, roleView, tokenView } from '../../shared/http/views.js';
import {
  flagSchema,
  memberSchema,
  projectSchema,
  roleSchema,
  tokenSchema,
  tokensSchema,
} from '../../shared/schemas/representations.js';
import { undocumented } from '../support/openapi-check.js';

type Document = {
  openapi: string;
  paths: Record<string, Record<string, any>>;
  components: Record<string, Record<string, any>>;
};

const document = openApiDocument() as Document;
const routes: readonly Route[] = ROUTES;
const operation = (route: Route) => document.paths[route.path]?.[route.method.toLowerCase()];

describe('the OpenAPI document', () => {
  it('docs/openapi.json is the document the code generates (else run `npm run openapi`)', () => {
    const file = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
    expect(file === openApiDocumentText(), 'docs/openapi.json is stale: run `npm run openapi`').toBe(true);
  });

  it('is OpenAPI 3.1 and documents exactly the routes of the route table', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(
      routes.filter((route) => operation(route) === undefined).map((r) => `${r.method} ${r.path}`),
    ).toEqual([]);
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: its path parameters, credentials and answers',
    (_, route) => {
      const op = operation(route);
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const parameters = (op.parameters as any[]).filter((p) => p.in === 'path');
      expect(parameters.map((p) => p.name)).toEqual(inPath);
      expect(parameters.every((p) => p.required === true)).toBe(true);
      // Public routes take no credentials; every other route takes the document's scheme.
      expect(op.security).toEqual(route.public ? [] : undefined);
      const statuses = Object.keys(op.responses).map(Number);
      expect(statuses.filter((s) => s >= 200 && s < 300)).toHaveLength(1);
      expect(statuses).toContain(400);
      // Public routes whose body carries a credential (an invitation code, an ID token) refuse it with a 401.
      const refusesCredential = ['/api/v2/invitations/accept', '/api/v2/sessions'].includes(route.path);
      expect(statuses.includes(401)).toBe(!route.public || refusesCredential);
      if (['POST', 'PATCH'].includes(route.method) && op.requestBody !== undefined)
        expect(statuses).toContain(415);
      for (const status of statuses) {
        expect(documentedResponse(route.method, route.path, status), `${status}`).not.toBeUndefined();
      }
      expect(documentedResponse(route.method, route.path, 418)).toBeUndefined();
    },
  );

  it('every PATCH takes its JSON Patch in both forms, and PATCH /members the semantic patch', () => {
    for (const route of routes.filter((r) => r.method === 'PATCH')) {
      const schema = operation(route).requestBody.content['application/json'].schema;
      if (route.path === '/api/v2/members') expect(JSON.stringify(schema)).toContain('replaceMembersRoles');
      else
        expect(schema.anyOf).toEqual([
          { $ref: '#/components/schemas/JsonPatch' },
          { $ref: '#/components/schemas/PatchWithComment' },
        ]);
    }
  });

  it("names each operation as LaunchDarkly's own client does, where LaunchDarkly has it", () => {
    const ours = new Set([
      'cloneToken',
      'acceptInvitation',
      'checkCallerAccess',
      'postSession',
      'deleteCurrentSession',
      'reportLeakedTokens',
      'getTokenPolicy',
      'putTokenPolicy',
    ]);
    const clients = Object.values(ld as Record<string, unknown>).filter(
      (value): value is { prototype: Record<string, unknown> } =>
        typeof value === 'function' && value.name.endsWith('Api'),
    );
    const ids = routes.map((route) => operation(route).operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
    const unknown = ids.filter(
      (id) => !ours.has(id) && !clients.some((client) => typeof client.prototype[id] === 'function'),
    );
    expect(unknown).toEqual([]);
  });

  it('every $ref points at a component that exists', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    const missing = refs
      .map((r) => r.slice(8, -1))
      .filter((ref) => {
        const [, , kind, name] = ref.split('/');
        return document.components[kind!]?.[name!] === undefined;
      });
    expect(missing).toEqual([]);
  });

  it('GET /api/v2/openapi.json serves it, without credentials', async () => {
    const event = {
      httpMethod: 'GET',
      resource: '/api/v2/openapi.json',
      path: '/api/v2/openapi.json',
      headers: {},
      body: null,
      isBase64Encoded: false,
      pathParameters: null,
      queryStringParameters: null,
      requestContext: { requestId: 'r1' },
    } as unknown as APIGatewayProxyEvent;
    const reply = await handler(event, { awsRequestId: 'r1' } as Context);
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toEqual(JSON.parse(openApiDocumentText()));
  });
});

const member: MemberRecord = {
  accountId: 'a1',
  memberId: 'm1',
  email: 'ada@example.com',
  firstName: 'Ada',
  role: 'writer',
  customRoles: ['ops'],
  creationDate: 1,
  lastSeen: 2,
  lastSeenTokenId: 't1',
  inviteHash: 'h',
  version: 3,
};

const token: TokenRecord = {
  accountId: 'a1',
  tokenId: 't1',
  memberId: 'm1',
  serviceToken: false,
  name: 'ci',
  description: 'for CI',
  scope: { kind: 'inline', policy: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }] },
  creationDate: 1,
  lastModified: 2,
  lastUsed: 3,
  expiresAt: 4,
  last4: 'abcd',
  hash: 'h',
  version: 1,
};

describe('the representations are what the views build', () => {
  it.each([
    ['a token with every optional field', tokenSchema, tokenView({ token, member, secret: 'atk_full' })],
    [
      'a bare service token',
      tokenSchema,
      tokenView({ token: { ...token, serviceToken: true, scope: { kind: 'role', role: 'reader' } } }),
    ],
    ['a member with an invitation code', memberSchema, memberView(member, 'ati_code')],
    ['a member', memberSchema, memberView({ ...member, inviteHash: undefined })],
    [
      'a custom role',
      roleSchema,
      roleView({
        accountId: 'a1',
        key: 'ops',
        name: 'Ops',
        description: 'd',
        policy: [{ effect: 'deny', notActions: ['viewProject'], notResources: ['proj/x'] }],
        basePermissions: 'no_access',
        creationDate: 1,
        lastModified: 2,
        version: 1,
      } satisfies RoleRecord),
    ],
    [
      'a project',
      projectSchema,
      projectView({
        accountId: 'a1',
        key: 'web',
        name: 'Web',
        tags: ['t'],
        environments: [{ key: 'test', name: 'Test' }],
        creationDate: 1,
        version: 1,
      } satisfies ProjectRecord),
    ],
    [
      'a flag',
      flagSchema,
      flagView({
        accountId: 'a1',
        projectKey: 'web',
        key: 'beta',
        name: 'Beta',
        tags: [],
        environments: { test: { on: true, lastModified: 5 } },
        creationDate: 1,
        lastModified: 2,
        version: 1,
      } satisfies FlagRecord),
    ],
    [
      'a page of tokens',
      tokensSchema,
      paginate([tokenView({ token }), tokenView({ token })], { limit: 1, offset: 1 }, '/api/v2/tokens'),
    ],
  ] as const)('%s', (_, schema, view) => {
    const parsed = (schema as typeof tokenSchema).safeParse(view);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('a field the document does not show fails the representation, however deep', () => {
    const view = tokenView({ token, member });
    expect(tokenSchema.safeParse({ ...view, secretHash: 'x' }).success).toBe(false);
    expect(tokenSchema.safeParse({ ...view, _member: { ...view._member, inviteHash: 'h' } }).success).toBe(
      false,
    );
    expect(tokenSchema.safeParse(view).success).toBe(true);
  });

  it("the contract tests' check refuses an undocumented field, status or route", () => {
    const view = tokenView({ token });
    expect(undocumented('GET', '/api/v2/tokens/t1', 200, view)).toEqual([]);
    expect(undocumented('GET', '/api/v2/tokens/t1?x=1', 200, { ...view, hash: 'h' })).toEqual([
      'GET /api/v2/tokens/{id} → 200: $.: undocumented field(s) hash',
    ]);
    expect(undocumented('GET', '/api/v2/tokens/t1', 201, view)).toEqual([
      'GET /api/v2/tokens/{id} → 201: the document shows no such answer',
    ]);
    expect(undocumented('DELETE', '/api/v2/tokens/t1', 204, '')).toEqual([]);
    expect(undocumented('GET', '/api/v2/nowhere', 200, {})).toEqual([
      'GET /api/v2/nowhere: no route of the route table',
    ]);
    expect(
      undocumented('GET', '/api/v2/tokens/t1', 404, {
        code: 'not_found',
        message: 'Token not found',
        id: 'r',
      }),
    ).toEqual([]);
    expect(
      undocumented('GET', '/api/v2/tokens/t1', 404, { code: 'forbidden', message: 'x', id: 'r' }),
    ).not.toEqual([]);
  });
});
