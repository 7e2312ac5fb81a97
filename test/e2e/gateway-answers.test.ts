import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import {
  gatewayAnswer,
  HTTP_METHODS,
  methodNotAllowed,
  RESOURCE_METHODS,
} from '../../shared/http/gateway-responses.js';
import { ROUTES, type Route } from '../../shared/http/routes.js';
import { expectErrorShape, rawRequest } from '../support/raw-http.js';
import { startTestStack } from '../support/stack.js';

// What the local gateway answers before any handler runs, for every path of the route table and
// every method, is what API Gateway answers on AWS: both read shared/http/gateway-responses.ts,
// and test/infra/stacks.test.ts checks the synthesized API's side of the same cases.
let stack: LocalStack;

beforeAll(async () => {
  ({ stack } = await startTestStack(0));
});

afterAll(async () => {
  await stack?.stop();
});

const routes: readonly Route[] = ROUTES;
const isPublic = (method: string, path: string) =>
  routes.some((route) => route.method === method && route.path === path && route.public);
const concrete = (path: string) => path.replace(/\{\w+\}/g, 'x1');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const templates = [...RESOURCE_METHODS.keys()].map(
  (path) =>
    new RegExp(
      `^${path
        .split(/\{\w+\}/)
        .map(escapeRegExp)
        .join('[^/]+')}$`,
    ),
);

const cases = [...RESOURCE_METHODS].flatMap(([path, methods]) =>
  HTTP_METHODS.map((method) => [method, path, methods.includes(method)] as const),
);

describe('a route path, with each method', () => {
  it.each(cases)(
    '%s %s: the route if it has the method, else 405 naming the ones it has',
    async (method, path, routed) => {
      const reply = await rawRequest(stack.url, { method, path: concrete(path) });
      if (routed && isPublic(method, path)) {
        expect([404, 405], reply.text).not.toContain(reply.status);
        return;
      }
      const expected = routed ? gatewayAnswer('UNAUTHORIZED') : methodNotAllowed(method, path);
      expect(reply.status, reply.text).toBe(expected.status);
      expect(expectErrorShape(reply)).toMatchObject({ code: expected.code, message: expected.message });
      expect(reply.headers.allow).toBe(routed ? undefined : methodNotAllowed(method, path).allow);
    },
  );
});

describe('a path that is not a route', () => {
  const prefixes = [...RESOURCE_METHODS.keys()].flatMap((path) =>
    path
      .split('/')
      .slice(1, -1)
      .map((_, i, segments) => `/${segments.slice(0, i + 1).join('/')}`),
  );
  const deeper = [...RESOURCE_METHODS.keys()].map((path) => `${concrete(path)}/nope`);
  // A route path's literal punctuation is literal (`openapi.json`, not `openapiXjson`).
  const lookalikes = [...RESOURCE_METHODS.keys()]
    .filter((path) => path.includes('.'))
    .map((path) => concrete(path).replaceAll('.', 'X'));
  const unknown = [...new Set([...prefixes, ...deeper, ...lookalikes].map(concrete))].filter(
    (path) => !templates.some((template) => template.test(path)),
  );

  it('is generated from the route table: the resources on the way to a route, and one step past each', () => {
    expect(unknown).toEqual(
      expect.arrayContaining(['/api', '/api/v2', '/api/v2/invitations', '/api/v2/openapiXjson']),
    );
  });

  it.each(unknown.flatMap((path) => HTTP_METHODS.map((method) => [method, path] as const)))(
    '%s %s is the 404 API Gateway answers for a path no resource matches',
    async (method, path) => {
      const reply = await rawRequest(stack.url, { method, path });
      const expected = gatewayAnswer('MISSING_AUTHENTICATION_TOKEN');
      expect(reply.status, reply.text).toBe(expected.status);
      expect(expectErrorShape(reply)).toMatchObject({ code: expected.code, message: expected.message });
      expect(reply.headers.allow).toBeUndefined();
    },
  );
});
