import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { tokenRepo } from '../../shared/data/token-repo.js';
import { type Api, addMember } from '../support/api.js';
import { within } from '../support/eventually.js';
import { captureOutput } from '../support/logs.js';
import { type ProviderSignIn, signInAtProvider } from '../support/oidc-flow.js';
import { startTestStack } from '../support/stack.js';

// Console sign-in end to end, over HTTP against the local stack as `npm start` runs it: the
// development OpenID provider it serves under /oidc, driven as a browser would (authorization
// code + PKCE, its login and consent pages, the token endpoint), then `POST /sessions` with the
// ID token, and the session token used on the API. The authorizer cache TTL is the deployed
// default (300 s), so each revocation below has to get past a cached answer.
let stack: LocalStack;
let api: Api;
let owner: string;

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(300));
});

afterAll(async () => {
  await stack.stop();
});

const redirectUri = () => `${stack.url.replace('127.0.0.1', 'localhost')}/callback`;

const atProvider = (email: string): Promise<ProviderSignIn> =>
  signInAtProvider({
    issuer: stack.signIn.issuer,
    clientId: stack.signIn.clientId,
    redirectUri: redirectUri(),
    email,
  });

async function session(email: string): Promise<{ token: string; tokenId: string; memberId: string }> {
  const { idToken, nonce } = await atProvider(email);
  const reply = await api.post(null, '/sessions', { idToken, nonce });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  const identity = await api.get(reply.body.token, '/caller-identity');
  return { token: reply.body.token, tokenId: identity.body.tokenId, memberId: reply.body.member._id };
}

interface Event {
  readonly 'detail-type': string;
  readonly detail: { tokenId?: string; memberId: string };
}
const events = async () =>
  ((await (await fetch(`${stack.url}/_local/events`)).json()) as { items: Event[] }).items;

describe('signing in at the development provider', () => {
  it('the provider is on the local stack, discoverable, with the console as its code + PKCE client', async () => {
    expect(stack.signIn.issuer).toBe(`${stack.url.replace('127.0.0.1', 'localhost')}/oidc`);
    const discovery = await (await fetch(`${stack.signIn.issuer}/.well-known/openid-configuration`)).json();
    expect(discovery).toMatchObject({
      issuer: stack.signIn.issuer,
      response_types_supported: expect.arrayContaining(['code']),
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('a member signs in (authorize, login, consent, code, token), and the session works like a token', async () => {
    const email = (await api.get(owner, '/members/me')).body.email as string;
    const signedIn = await atProvider(email);
    const claims = JSON.parse(Buffer.from(signedIn.idToken.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({
      iss: stack.signIn.issuer,
      aud: stack.signIn.clientId,
      email,
      email_verified: true,
      nonce: signedIn.nonce,
    });
    const reply = await api.post(null, '/sessions', { idToken: signedIn.idToken, nonce: signedIn.nonce });
    expect(reply.status).toBe(201);
    expect(reply.body.member).toMatchObject({ email, role: 'owner' });
    expect(reply.body.expiresAt).toBeLessThanOrEqual(claims.exp * 1000);
    expect(reply.body.expiresAt).toBeLessThanOrEqual(Date.now() + 8 * 3600_000);
    const identity = await api.get(reply.body.token, '/caller-identity');
    expect(identity.body).toMatchObject({
      tokenKind: 'session',
      tokenName: 'Console session',
      role: 'admin',
    });
    expect((await api.get(`Bearer ${reply.body.token}`, '/projects')).status).toBe(200);
    const key = `s-${randomUUID().slice(0, 8)}`;
    expect((await api.post(reply.body.token, '/projects', { key, name: 'From the console' })).status).toBe(
      201,
    );
  });

  it('the provider refuses an e-mail no member has, at its login page', async () => {
    await expect(atProvider(`nobody-${randomUUID()}@example.com`)).rejects.toThrow(
      /login refused: No member/,
    );
  });

  it('the provider requires PKCE of the console', async () => {
    const authorize = new URL(`${stack.signIn.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: stack.signIn.clientId,
      response_type: 'code',
      scope: 'openid email',
      redirect_uri: redirectUri(),
      nonce: 'n',
      state: 's',
    }))
      authorize.searchParams.set(k, v);
    const answer = await fetch(authorize, { redirect: 'manual' });
    const location = new URL(answer.headers.get('location') ?? '', authorize);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it("the provider's ID token is refused with another nonce, and a second time", async () => {
    const { idToken, nonce } = await atProvider((await api.get(owner, '/members/me')).body.email);
    const wrong = await api.post(null, '/sessions', { idToken, nonce: `${nonce}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 'unauthorized', message: 'Invalid ID token' });
    expect((await api.post(null, '/sessions', { idToken, nonce })).status).toBe(201);
    expect((await api.post(null, '/sessions', { idToken, nonce })).status).toBe(401);
  });

  it('an ID token with every claim right but signed by a key the provider does not publish is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({
      iss: stack.signIn.issuer,
      aud: stack.signIn.clientId,
      sub: 'x',
      email: (await api.get(owner, '/members/me')).body.email,
      email_verified: true,
      nonce: 'n',
      iat: now,
      exp: now + 600,
    })
      .setProtectedHeader({ alg: 'RS256', kid: (await exportJWK(publicKey)).n!.slice(0, 8) })
      .sign(privateKey);
    const reply = await api.post(null, '/sessions', { idToken: forged, nonce: 'n' });
    expect(reply.status).toBe(401);
  });
});

describe('a session', () => {
  it('is never listed among tokens, and no token route finds it', async () => {
    const reader = await addMember(api, owner, 'reader');
    const s = await session(reader.email);
    for (const [caller, query] of [
      [s.token, {}],
      [owner, { showAll: 'true', limit: '1000' }],
    ] as const) {
      const listed = await api.get(caller, '/tokens', query);
      expect(listed.body.items.map((t: { _id: string }) => t._id)).not.toContain(s.tokenId);
    }
    expect((await api.get(owner, `/tokens/${s.tokenId}`)).status).toBe(404);
    expect((await api.delete(owner, `/tokens/${s.tokenId}`)).status).toBe(404);
    expect((await api.get(s.token, '/caller-identity')).status).toBe(200);
  });

  it('signing out makes it 401 at once, past a cached authorizer answer', async () => {
    const reader = await addMember(api, owner, 'reader');
    const s = await session(reader.email);
    expect((await api.get(s.token, '/projects')).status).toBe(200);
    const invocations = stack.gateway.authorizerInvocations;
    expect((await api.get(s.token, '/projects')).status).toBe(200);
    expect(stack.gateway.authorizerInvocations).toBe(invocations); // that answer came from the cache
    expect((await api.delete(s.token, '/sessions/current')).status).toBe(204);
    const after = await api.get(s.token, '/projects');
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 'unauthorized', message: 'Invalid access token' });
    // The member's access token is untouched.
    expect((await api.get(reader.token, '/projects')).status).toBe(200);
  });

  it('removing the member makes it 401 at once, and the stream handler revokes it (no token event: it is not one)', async () => {
    const writer = await addMember(api, owner, 'writer');
    const s = await session(writer.email);
    expect((await api.get(s.token, '/projects')).status).toBe(200);
    expect((await api.delete(owner, `/members/${writer.memberId}`)).status).toBe(204);
    expect((await api.get(s.token, '/projects')).status).toBe(401);
    // The stream handler deletes the session's item as it does the member's tokens'.
    await within(10_000, async () => (await tokenRepo.get(stack.accountId, s.tokenId, true)) === undefined);
    // A token made and deleted after that: once its event is out, the stream got past the session's removal.
    const marker = await api.post(owner, '/tokens', { name: 'marker', role: 'reader' });
    await api.delete(owner, `/tokens/${marker.body._id}`);
    await within(10_000, async () =>
      (await events()).some(
        (e) => e['detail-type'] === 'Token Revoked' && e.detail.tokenId === marker.body._id,
      ),
    );
    const revoked = (await events()).filter(
      (e) => e['detail-type'] === 'Token Revoked' && e.detail.memberId === writer.memberId,
    );
    expect(revoked.map((e) => e.detail.tokenId)).toEqual([writer.tokenId]);
    expect(
      (await events()).some(
        (e) => e['detail-type'] === 'Member Removed' && e.detail.memberId === writer.memberId,
      ),
    ).toBe(true);
    // The removed member cannot sign in again either.
    await expect(atProvider(writer.email)).rejects.toThrow(/login refused: No member/);
  });
});

describe('secrets and the logs', () => {
  it('no ID token, code, PKCE verifier, provider access token or session token reaches any log line', async () => {
    const reader = await addMember(api, owner, 'reader');
    const secrets: string[] = [];
    const { text, lines } = await captureOutput(async () => {
      const signedIn = await atProvider(reader.email);
      secrets.push(
        signedIn.idToken,
        signedIn.code,
        signedIn.verifier,
        String(signedIn.tokenResponse.access_token),
      );
      const reply = await api.post(null, '/sessions', { idToken: signedIn.idToken, nonce: signedIn.nonce });
      secrets.push(reply.body.token);
      await api.post(null, '/sessions', { idToken: signedIn.idToken, nonce: signedIn.nonce }); // refused: used
      await api.get(reply.body.token, '/caller-identity');
      await api.delete(reply.body.token, '/sessions/current');
      await api.get(reply.body.token, '/caller-identity'); // refused: signed out
    });
    expect(lines.some((l) => l.message === 'sign-in refused' && l.reason === 'ID_TOKEN_USED')).toBe(true);
    expect(lines.some((l) => l.route === 'DELETE /api/v2/sessions/current' && l.status === 204)).toBe(true);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(text).not.toContain(secret);
      // Nor its signature alone (for the JWT), nor its last part.
      expect(text).not.toContain(secret.slice(-24));
    }
  });
});
