import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { bundleHandlers } from '../../infra/constructs/bundling.js';
import { NodeFunction } from '../../infra/constructs/node-function.js';
import { toAuthorizerContext } from '../../shared/services/authorizer-context.js';
import { templateApp } from './template-app.js';

// The bundles as they are deployed (ESM, minified, SDK inside, the require() banner) load and
// answer in a plain Node process: what would break first in Lambda if the bundling were wrong.
// Every function the app deploys is bundled here, once; the template tests skip bundling.
// Loaded by Node itself, as Lambda loads them: vitest.config.ts externalizes this folder, so that
// Vitest's module runner does not transform each minified bundle again (minutes of CPU on two cores).
const dir = mkdtempSync(join(tmpdir(), 'deployed-bundles-'));
type Handler = (event: unknown, context: Context) => Promise<any>;
const handlers: Record<string, Handler> = {};
let bundles: Record<string, string>;

beforeAll(async () => {
  const { app } = buildApp(templateApp());
  const entries = app.node
    .findAll()
    .filter((c): c is NodeFunction => c instanceof NodeFunction)
    .map((fn) => fn.entry);
  bundles = await bundleHandlers([...new Set(entries)], dir);
  for (const [name, entry] of Object.entries({
    authorizer: 'functions/authorizer/handler.ts',
    identity: 'functions/identity/handler.ts',
    tokens: 'functions/tokens/handler.ts',
  })) {
    handlers[name] = ((await import(pathToFileURL(bundles[entry]!).href)) as { handler: Handler }).handler;
  }
});

const context = { awsRequestId: 'r1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function event(
  method: string,
  resource: string,
  body: string | null,
  authorizer: Record<string, string>,
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    resource,
    path: resource,
    body,
    isBase64Encoded: false,
    headers: body === null ? {} : { 'Content-Type': 'application/json' },
    pathParameters: null,
    queryStringParameters: null,
    requestContext: { requestId: 'req-1', authorizer },
  } as unknown as APIGatewayProxyEvent;
}

const principal = toAuthorizerContext({
  accountId: 'a1',
  tokenId: 't1',
  tokenName: 'ci',
  serviceToken: false,
  memberId: 'm1',
  member: { role: 'writer', customRoles: [], email: 'm@example.com', isOwner: false },
  scope: { kind: 'role', role: 'reader' },
  roles: new Map(),
});

describe('the deployed bundles', () => {
  it('every function the app deploys bundles and loads', async () => {
    expect(Object.keys(bundles).length).toBeGreaterThanOrEqual(11);
    for (const [entry, file] of Object.entries(bundles)) {
      const module = (await import(pathToFileURL(file).href)) as { handler?: unknown };
      expect(typeof module.handler, entry).toBe('function');
    }
  });

  it('no bundle carries the local stack or its development OpenID provider (sign-in on AWS is Cognito or an external issuer)', () => {
    for (const [entry, file] of Object.entries(bundles)) {
      const { sources } = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
      expect(sources.length, entry).toBeGreaterThan(0);
      expect(
        sources.filter((source) => /node_modules\/(oidc-provider|koa)\/|infra\/local\//.test(source)),
        entry,
      ).toEqual([]);
    }
  });

  it("the authorizer refuses a malformed token with API Gateway's Unauthorized, reading nothing", async () => {
    await expect(
      handlers.authorizer!(
        {
          type: 'REQUEST',
          methodArn: 'arn:aws:execute-api:r:1:api/prod/GET/x',
          headers: { Authorization: 'nope' },
        },
        context,
      ),
    ).rejects.toThrow('Unauthorized');
  });

  it('a handler answers from the authorizer context', async () => {
    const reply = await handlers.identity!(event('GET', '/api/v2/caller-identity', null, principal), context);
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ tokenId: 't1', tokenKind: 'personal', role: 'reader' });
  });

  it("a handler maps bad input to the contract's 400 and a missing context to 401", async () => {
    const bad = await handlers.tokens!(event('POST', '/api/v2/tokens', '{oops', principal), context);
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'invalid_request', id: 'req-1' });
    const anonymous = await handlers.tokens!(event('GET', '/api/v2/tokens', null, {}), context);
    expect(anonymous.statusCode).toBe(401);
  });
});
