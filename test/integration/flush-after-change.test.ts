import { createServer, type Server } from 'node:http';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as authorizer } from '../../functions/authorizer/handler.js';
import { handler as tokens } from '../../functions/tokens/handler.js';
import { apiHandler } from '../../shared/http/api-handler.js';
import { logger } from '../../shared/http/logger.js';
import { FLUSH_FAILED_MESSAGE, ROUTES } from '../../shared/http/routes.js';
import { type Account, Api, addMember, newAccount } from '../support/api.js';

// The handler that commits a change of rights flushes the authorizer cache before it answers; a
// flush that fails after the commit leaves the answer standing (the stream handler's flush is the
// backstop). The flush goes to a stand-in for the local gateway's flush endpoint.
const api = new Api();
let account: Account;
let owner: string;
let flushServer: Server;
let flushes = 0;
let flushStatus = 204;

beforeAll(async () => {
  flushServer = createServer((request, response) => {
    if (request.method === 'POST') flushes++;
    response.writeHead(flushStatus).end();
  });
  const port = await new Promise<number>((resolve) =>
    flushServer.listen(0, '127.0.0.1', () => resolve((flushServer.address() as { port: number }).port)),
  );
  process.env.LOCAL_AUTHORIZER_FLUSH_URL = `http://127.0.0.1:${port}/_local/flush-authorizer-cache`;
  account = await newAccount();
  owner = account.ownerToken;
});

beforeEach(() => {
  flushStatus = 204;
});

afterAll(async () => {
  delete process.env.LOCAL_AUTHORIZER_FLUSH_URL;
  await new Promise((resolve) => flushServer.close(resolve));
});

/** How many flushes `request` caused before its answer came back. */
async function flushesOf(request: () => Promise<{ status: number }>): Promise<[number, number]> {
  const before = flushes;
  const { status } = await request();
  return [status, flushes - before];
}

const replace = (path: string, value: unknown) => [{ op: 'replace', path, value }];

describe('the route table', () => {
  it('marks exactly the routes that change rights', () => {
    expect(ROUTES.filter((r) => r.changesRights).map((r) => `${r.method} ${r.path}`)).toEqual([
      'PATCH /api/v2/tokens/{id}',
      'DELETE /api/v2/tokens/{id}',
      'POST /api/v2/tokens/{id}/reset',
      'PATCH /api/v2/members',
      'PATCH /api/v2/members/{id}',
      'DELETE /api/v2/members/{id}',
      'PATCH /api/v2/roles/{key}',
      'DELETE /api/v2/roles/{key}',
      'DELETE /api/v2/sessions/current',
    ]);
  });
});

describe('a committed change of rights flushes the authorizer cache before it answers', () => {
  it('token rescope, reset and delete each flush once', async () => {
    const token = (await api.post(owner, '/tokens', { name: 't', role: 'writer' })).body;
    expect(
      await flushesOf(() => api.patch(owner, `/tokens/${token._id}`, replace('/role', 'reader'))),
    ).toEqual([200, 1]);
    expect(await flushesOf(() => api.post(owner, `/tokens/${token._id}/reset`))).toEqual([200, 1]);
    expect(await flushesOf(() => api.delete(owner, `/tokens/${token._id}`))).toEqual([204, 1]);
  });

  it('member role change and removal, custom role edit and deletion each flush once', async () => {
    const member = await addMember(api, owner, 'writer');
    expect(
      await flushesOf(() => api.patch(owner, `/members/${member.memberId}`, replace('/role', 'reader'))),
    ).toEqual([200, 1]);
    expect(await flushesOf(() => api.delete(owner, `/members/${member.memberId}`))).toEqual([204, 1]);
    await api.post(owner, '/roles', { key: 'flushed', name: 'F', policy: [] });
    expect(await flushesOf(() => api.patch(owner, '/roles/flushed', replace('/policy', [])))).toEqual([
      200, 1,
    ]);
    expect(await flushesOf(() => api.delete(owner, '/roles/flushed'))).toEqual([204, 1]);
  });

  it('reads, creations and refused changes do not flush', async () => {
    const reader = await addMember(api, owner, 'reader');
    expect(await flushesOf(() => api.get(owner, '/tokens'))).toEqual([200, 0]);
    expect(await flushesOf(() => api.post(owner, '/tokens', { name: 'new', role: 'reader' }))).toEqual([
      201, 0,
    ]);
    expect(await flushesOf(() => api.delete(owner, '/tokens/no-such-token'))).toEqual([404, 0]);
    expect(
      await flushesOf(() =>
        api.patch(reader.token, `/members/${reader.memberId}`, replace('/role', 'admin')),
      ),
    ).toEqual([403, 0]);
  });
});

describe('a flush that fails after the commit', () => {
  it('leaves the committed answer standing, and is logged for the flush-failure alarm', async () => {
    flushStatus = 500;
    const token = (await api.post(owner, '/tokens', { name: 'doomed', role: 'reader' })).body;
    // The handler as Lambda runs it (outside the local gateway's per-invocation log context).
    const context = (
      await authorizer({
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:local:000000000000:local/local/DELETE/api/v2/tokens/x',
        headers: { Authorization: owner },
        requestContext: { requestId: 'auth-1' },
      } as never)
    ).context as Record<string, string>;
    const errors = vi.spyOn(logger, 'error');
    try {
      const reply = await tokens(
        {
          httpMethod: 'DELETE',
          resource: '/api/v2/tokens/{id}',
          path: `/api/v2/tokens/${token._id}`,
          body: null,
          isBase64Encoded: false,
          headers: {},
          pathParameters: { id: token._id },
          queryStringParameters: null,
          requestContext: { requestId: 'r1', authorizer: context },
        } as unknown as APIGatewayProxyEvent,
        { awsRequestId: 'r1' } as Context,
      );
      expect(reply.statusCode).toBe(204);
      expect(errors).toHaveBeenCalledWith(FLUSH_FAILED_MESSAGE, expect.anything());
    } finally {
      errors.mockRestore();
    }
    expect((await api.get(owner, `/tokens/${token._id}`)).status).toBe(404);
  });
});

describe('which functions flush', () => {
  it('a function serving a route that changes rights cannot be built without the flush', () => {
    const route = ROUTES.find((r) => r.changesRights)!;
    const noop = async () => ({ status: 204 });
    // One route of a function's map (its type asks for all of them): the run-time check alone.
    const only = (r: typeof route) => ({ [`${r.method} ${r.path}`]: noop }) as never;
    expect(() => apiHandler(route.function, only(route))).toThrow(/must pass flushAuthorizerCache/);
    expect(() =>
      apiHandler(route.function, only(route), { flushAuthorizerCache: async () => undefined }),
    ).not.toThrow();
    const reading = ROUTES.find((r) => !r.changesRights && !r.public)!;
    expect(() => apiHandler(reading.function, only(reading))).not.toThrow();
  });
});
