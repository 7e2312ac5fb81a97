import { randomUUID } from 'node:crypto';
import { type GatewayRequest, type GatewayResponse, LocalGateway } from '../../infra/local/gateway.js';
import { bootstrapAccount } from '../../shared/services/bootstrap.js';

export interface Reply<T = any> {
  readonly status: number;
  readonly body: T;
}

type Transport = (request: GatewayRequest) => Promise<GatewayResponse>;

/** Over a real socket, to a running local stack, as any HTTP client would. */
export function httpTransport(baseUrl: string): Transport {
  return async (request) => {
    const url = new URL(request.path, baseUrl);
    for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
    const response = await fetch(url, {
      method: request.method,
      headers: request.headers as Record<string, string>,
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.text(),
    };
  };
}

/**
 * Calls the API as an integration does. By default through the local gateway in process (route
 * table, authorizer, Lambda proxy events, the real handlers) on DynamoDB Local; with a transport,
 * over HTTP to a running local stack.
 */
export class Api {
  readonly gateway: LocalGateway;
  private readonly transport: Transport;

  constructor(cacheTtlSeconds = 0, transport?: Transport) {
    this.gateway = new LocalGateway({ cacheTtlSeconds });
    this.transport = transport ?? ((request) => this.gateway.handle(request));
  }

  async call<T = any>(
    token: string | null,
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; query?: Record<string, string> } = {},
  ): Promise<Reply<T>> {
    const response = await this.transport({
      method,
      path: `/api/v2${path}`,
      query: options.query ?? {},
      headers: { ...(token !== null ? { Authorization: token } : {}), 'Content-Type': 'application/json' },
      ...(options.rawBody !== undefined
        ? { body: options.rawBody }
        : options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {}),
    });
    return { status: response.status, body: response.body === '' ? undefined : JSON.parse(response.body) };
  }

  get = <T = any>(token: string | null, path: string, query?: Record<string, string>) =>
    this.call<T>(token, 'GET', path, query ? { query } : {});
  post = <T = any>(token: string | null, path: string, body?: unknown, query?: Record<string, string>) =>
    this.call<T>(token, 'POST', path, {
      ...(body !== undefined ? { body } : {}),
      ...(query ? { query } : {}),
    });
  patch = <T = any>(token: string | null, path: string, body: unknown) =>
    this.call<T>(token, 'PATCH', path, { body });
  delete = <T = any>(token: string | null, path: string) => this.call<T>(token, 'DELETE', path);
}

export interface Account {
  readonly accountId: string;
  readonly ownerId: string;
  readonly ownerToken: string;
}

/** A fresh account per test keeps tests independent on one shared DynamoDB Local. */
export async function newAccount(): Promise<Account> {
  const accountId = `acct-${randomUUID()}`;
  const result = await bootstrapAccount({
    accountId,
    accountName: 'Test',
    ownerEmail: `owner-${accountId}@example.com`,
  });
  if (!result.created) throw new Error('account already existed');
  return { accountId, ownerId: result.ownerId, ownerToken: result.ownerToken };
}

export interface Invited {
  readonly memberId: string;
  readonly email: string;
  readonly token: string;
  readonly tokenId: string;
}

/** Invites a member and accepts the invitation, as a person would: the member's first token. */
export async function addMember(
  api: Api,
  adminToken: string,
  role: string,
  customRoles?: string[],
): Promise<Invited> {
  const email = `${role}-${randomUUID()}@example.com`;
  const invited = await api.post(adminToken, '/members', [
    { email, role, ...(customRoles ? { customRoles } : {}) },
  ]);
  if (invited.status !== 201) throw new Error(`invite failed: ${JSON.stringify(invited.body)}`);
  const accepted = await api.post(null, '/invitations/accept', { code: invited.body.items[0]._inviteCode });
  if (accepted.status !== 201) throw new Error(`accept failed: ${JSON.stringify(accepted.body)}`);
  return {
    memberId: accepted.body.member._id,
    email,
    token: accepted.body.token.token,
    tokenId: accepted.body.token._id,
  };
}
