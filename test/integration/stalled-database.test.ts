import { createServer, type Server, type Socket } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamo } from '../../shared/data/clients.js';
import { accessTokenFormat } from '../../shared/domain/token-format.js';
import { toAuthorizerContext } from '../../shared/services/authorizer-context.js';
import { Api } from '../support/api.js';

// DynamoDB stalled: a server that accepts connections and never answers (as a paused process
// does). Every call gives up after its timeout and bounded attempts, and callers get a fast 503
// instead of a hang; nothing is let through. The authorizer's reads have tighter bounds of their
// own (a budget for the whole decision) and a breaker.
const TIMEOUT_MS = 300;
const ATTEMPTS = 2;
/** Timeouts, the SDK's retry delay and a loaded machine's slack; far below a hang. */
const FAST_MS = TIMEOUT_MS * ATTEMPTS + 900;
const AUTHORIZER_TIMEOUT_MS = 100;
const AUTHORIZER_BUDGET_MS = 150;
const BREAKER_MS = 1000;

let server: Server;
const sockets = new Set<Socket>();
let connections = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  // Set before this file's first DynamoDB client is created.
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
    DYNAMODB_TIMEOUT_MS: String(TIMEOUT_MS),
    DYNAMODB_MAX_ATTEMPTS: String(ATTEMPTS),
    AUTHORIZER_READ_TIMEOUT_MS: String(AUTHORIZER_TIMEOUT_MS),
    AUTHORIZER_READ_BUDGET_MS: String(AUTHORIZER_BUDGET_MS),
    AUTHORIZER_BREAKER_MS: String(BREAKER_MS),
  });
});

beforeEach(() => {
  connections = 0;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

describe('with DynamoDB stalled (connections accepted, never answered)', () => {
  it('a call fails with TimeoutError after its bounded attempts, each cut at the timeout', async () => {
    const { ms, result: error } = await timed(() =>
      dynamo()
        .send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' }, ConsistentRead: true }))
        .then(
          () => undefined,
          (e: unknown) => e as Error & { $metadata?: { attempts?: number } },
        ),
    );
    expect(error?.name).toBe('TimeoutError');
    expect(error?.$metadata?.attempts).toBe(ATTEMPTS);
    expect(connections).toBe(ATTEMPTS);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS * ATTEMPTS - 5);
    expect(ms).toBeLessThan(FAST_MS);
  });

  it('the authorizer fails closed after its own read budget: a 503, not cached, well inside timeout × attempts', async () => {
    const api = new Api(300);
    const token = accessTokenFormat.generate();
    const { ms, result: reply } = await timed(() => api.get(token, '/projects'));
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ code: 'service_unavailable' });
    expect(ms).toBeGreaterThanOrEqual(AUTHORIZER_BUDGET_MS - 5);
    expect(ms).toBeLessThan(AUTHORIZER_BUDGET_MS + 400);
    expect(connections).toBeGreaterThanOrEqual(1);
    expect((await api.get(token, '/projects')).status).toBe(503);
    expect(api.gateway.authorizerInvocations).toBe(2);
  });

  it("then the authorizer's breaker refuses at once, without a request to the database", async () => {
    const api = new Api(300);
    const { ms, result: reply } = await timed(() => api.get(accessTokenFormat.generate(), '/projects'));
    expect(reply.status).toBe(503);
    // No request to the database is the proof; the time only says it did not wait for one (a
    // busy machine takes a hundred milliseconds or so for the local round trip alone).
    expect(connections).toBe(0);
    expect(ms).toBeLessThan(250);
  });

  it('once the breaker time is up, one decision tries the database again', async () => {
    await new Promise((resolve) => setTimeout(resolve, BREAKER_MS));
    const api = new Api(300);
    const { ms, result: reply } = await timed(() => api.get(accessTokenFormat.generate(), '/projects'));
    expect(reply.status).toBe(503);
    expect(ms).toBeGreaterThanOrEqual(AUTHORIZER_BUDGET_MS - 5);
    expect(connections).toBeGreaterThanOrEqual(1);
  });

  it('a malformed token is still the one 401 while the breaker is open (it needs no read)', async () => {
    const api = new Api(300);
    expect((await api.get(accessTokenFormat.generate(), '/projects')).status).toBe(503);
    expect((await api.get('atk_not-a-token', '/projects')).status).toBe(401);
  });

  it("a handler's write is a fast 503 with the contract's body, naming no internals", async () => {
    const { handler } = await import('../../functions/tokens/handler.js');
    const context = toAuthorizerContext({
      accountId: 'a1',
      tokenId: 't1',
      tokenName: 'n',
      serviceToken: false,
      memberId: 'm1',
      member: { role: 'admin', customRoles: [], email: 'a@b.co', isOwner: false },
      scope: { kind: 'role', role: 'admin' },
      roles: new Map(),
    });
    const { ms, result: reply } = await timed(() =>
      handler(
        {
          httpMethod: 'POST',
          resource: '/api/v2/tokens',
          path: '/api/v2/tokens',
          body: JSON.stringify({ name: 'x', role: 'reader' }),
          isBase64Encoded: false,
          headers: { 'content-type': 'application/json' },
          pathParameters: null,
          queryStringParameters: null,
          requestContext: { requestId: 'r1', authorizer: context },
        } as never,
        { awsRequestId: 'r1' } as never,
      ),
    );
    expect(reply.statusCode).toBe(503);
    expect(JSON.parse(reply.body)).toMatchObject({ code: 'service_unavailable', id: 'r1' });
    expect(reply.body).not.toMatch(/timed out|TimeoutError|node-http-handler/);
    expect(ms).toBeLessThan(FAST_MS);
  });
});
