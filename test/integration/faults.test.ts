import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local.js';
import { accessTokenFormat } from '../../shared/domain/token-format.js';
import { toAuthorizerContext } from '../../shared/services/authorizer-context.js';
import { Api } from '../support/api.js';

// DynamoDB down: nothing is let through that should not be, and callers get a 503, not a 500 or a 200.
beforeAll(async () => {
  // A port nobody listens on, set before this file's first DynamoDB client is created.
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${await freePort()}`;
});

describe('with DynamoDB unreachable', () => {
  it('the authorizer fails closed: a well-formed token gets 503, never reaches a handler', async () => {
    const api = new Api(300);
    const reply = await api.get(accessTokenFormat.generate(), '/projects');
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ code: 'service_unavailable' });
    // A failure is not cached as an answer.
    expect((await api.get(accessTokenFormat.generate(), '/projects')).status).toBe(503);
  });

  it('a malformed token is still the one 401, decided without a read', async () => {
    expect((await new Api().get('atk_nope', '/projects')).status).toBe(401);
  });

  it('a handler whose store is down answers 503 and changes nothing', async () => {
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
    const reply = await handler(
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
    );
    expect(reply.statusCode).toBe(503);
    expect(JSON.parse(reply.body)).toMatchObject({ code: 'service_unavailable', id: 'r1' });
    expect(reply.body).not.toContain('ECONNREFUSED');
  });
});
