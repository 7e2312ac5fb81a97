import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_MAX_LIFETIME_MS } from '../../shared/services/session-service.js';
import { type Account, Api, addMember, type Invited, newAccount } from '../support/api.js';
import { within } from '../support/eventually.js';
import { captureOutput } from '../support/logs.js';
import { TestIssuer } from '../support/test-issuer.js';

// Sign-in (`POST /sessions`) and sessions, through the gateway and the real handlers on DynamoDB
// Local, with ID tokens of an issuer of the tests' own (test/support/test-issuer.ts): so that each
// rule of the ID token's verification can be broken alone, with a key sign-in trusts.
const api = new Api();
let issuer: TestIssuer;
let account: Account;
let owner: string;
let ownerEmail: string;
let reader: Invited;

const REFUSED = { code: 'unauthorized', message: 'Invalid ID token' };

beforeAll(async () => {
  issuer = await TestIssuer.start();
  account = await newAccount();
  owner = account.ownerToken;
  issuer.use(account.accountId);
  ownerEmail = (await api.get(owner, '/members/me')).body.email;
  reader = await addMember(api, owner, 'reader');
});

afterAll(async () => {
  await issuer.stop();
});

const nonce = () => randomUUID();

/** Signs in with a fresh ID token for `email` (claims and options passed on to the issuer). */
async function signIn(
  email: string,
  claims: Record<string, unknown> = {},
  options: Parameters<TestIssuer['idToken']>[1] = {},
) {
  const n = nonce();
  const idToken = await issuer.idToken({ email, nonce: n, ...claims }, options);
  return api.post(null, '/sessions', { idToken, nonce: n });
}

async function sessionOf(email: string): Promise<{ token: string; expiresAt: number; member: any }> {
  const reply = await signIn(email);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

describe('signing in', () => {
  it("exchanges a verified ID token for a session token of the member its e-mail names, the member's scope", async () => {
    const before = Date.now();
    const reply = await signIn(reader.email.toUpperCase());
    expect(reply.status).toBe(201);
    expect(reply.body.token).toMatch(/^atk_/);
    expect(reply.body.member).toMatchObject({ _id: reader.memberId, email: reader.email, role: 'reader' });
    // At most 8 hours, and not beyond the ID token's own expiry (an hour here).
    expect(reply.body.expiresAt).toBeGreaterThan(before + 3500_000);
    expect(reply.body.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    const identity = await api.get(reply.body.token, '/caller-identity');
    expect(identity.body).toMatchObject({
      tokenKind: 'session',
      memberId: reader.memberId,
      serviceToken: false,
      role: 'reader',
    });
  });

  it('a session lasts 8 hours at most, however long its ID token would', async () => {
    const reply = await signIn(reader.email, {}, { expiresInSeconds: 24 * 3600 });
    expect(reply.status).toBe(201);
    expect(reply.body.expiresAt).toBeLessThanOrEqual(Date.now() + SESSION_MAX_LIFETIME_MS);
    expect(reply.body.expiresAt).toBeGreaterThan(Date.now() + SESSION_MAX_LIFETIME_MS - 60_000);
  });

  it('the owner gets an admin-scoped session, which with the owner’s rights is everything', async () => {
    const session = await sessionOf(ownerEmail);
    expect((await api.get(session.token, '/caller-identity')).body.role).toBe('admin');
    const project = `p-${randomUUID().slice(0, 8)}`;
    expect((await api.post(session.token, '/projects', { key: project, name: 'P' })).status).toBe(201);
  });

  it('a session can do what its member can, no more: a reader views but does not write', async () => {
    const session = await sessionOf(reader.email);
    expect((await api.get(session.token, '/projects')).status).toBe(200);
    expect((await api.post(session.token, '/projects', { key: 'nope', name: 'N' })).status).toBe(403);
  });

  it('a no_access member signs in to a session that allows nothing; custom roles scope it by those roles', async () => {
    const lowered = await addMember(api, owner, 'reader');
    expect(
      (
        await api.patch(owner, `/members/${lowered.memberId}`, [
          { op: 'replace', path: '/role', value: 'no_access' },
        ])
      ).status,
    ).toBe(200);
    const nothing = await sessionOf(lowered.email);
    expect((await api.get(nothing.token, '/caller-identity')).body.role).toBe('inline');
    expect((await api.get(nothing.token, '/projects')).body.items).toEqual([]);

    const key = `role-${randomUUID().slice(0, 8)}`;
    await api.post(owner, '/roles', {
      key,
      name: key,
      policy: [{ effect: 'allow', actions: ['createProject'], resources: ['proj/*'] }],
    });
    const custom = await addMember(api, owner, 'reader', [key]);
    const session = await sessionOf(custom.email);
    expect((await api.get(session.token, '/caller-identity')).body.role).toBe('custom');
    expect(
      (await api.post(session.token, '/projects', { key: `c-${randomUUID().slice(0, 8)}`, name: 'C' }))
        .status,
    ).toBe(201);
  });

  it("a member's downgrade downgrades their session at once", async () => {
    const writer = await addMember(api, owner, 'writer');
    const session = await sessionOf(writer.email);
    const project = () =>
      api.post(session.token, '/projects', { key: `w-${randomUUID().slice(0, 8)}`, name: 'W' });
    expect((await project()).status).toBe(201);
    await api.patch(owner, `/members/${writer.memberId}`, [
      { op: 'replace', path: '/role', value: 'reader' },
    ]);
    expect((await project()).status).toBe(403);
  });

  it('signing in accepts a pending invitation: the member is no longer pending, the code is used', async () => {
    const email = `pending-${randomUUID()}@example.com`;
    const invited = await api.post(owner, '/members', [{ email, role: 'writer' }]);
    const { _id, _inviteCode } = invited.body.items[0];
    const session = await sessionOf(email);
    expect(session.member).toMatchObject({ _id, _pendingInvite: false, _verified: true });
    expect((await api.get(owner, `/members/${_id}`)).body._pendingInvite).toBe(false);
    expect((await api.post(null, '/invitations/accept', { code: _inviteCode })).status).toBe(401);
    expect((await api.get(session.token, '/caller-identity')).status).toBe(200);
  });

  it("a call with a session records the member's last activity, naming no token", async () => {
    const fresh = await addMember(api, owner, 'reader');
    const session = await sessionOf(fresh.email);
    expect((await api.get(session.token, '/caller-identity')).status).toBe(200);
    await within(5000, async () => (await api.get(owner, `/members/${fresh.memberId}`)).body._lastSeen > 0);
    expect((await api.get(owner, `/members/${fresh.memberId}`)).body._lastSeenMetadata).toBeUndefined();
  });

  it('finds the keys through the issuer’s discovery document when no key set URL is configured', async () => {
    issuer.use(account.accountId, { discover: true });
    try {
      expect((await signIn(reader.email)).status).toBe(201);
    } finally {
      issuer.use(account.accountId);
    }
  });
});

describe('every refused sign-in is the one 401', () => {
  /** The reply, and the reason the handler logged (the only place a reason shows). */
  async function refusal(attempt: () => Promise<{ status: number; body: any }>) {
    let reply: { status: number; body: any } | undefined;
    const { lines } = await captureOutput(async () => {
      reply = await attempt();
    });
    return {
      reply: reply!,
      reasons: lines.filter((l) => l.message === 'sign-in refused').map((l) => l.reason),
    };
  }

  it.each<[string, string, () => Promise<{ status: number; body: any }>]>([
    [
      'a nonce other than the one the ID token carries',
      'NONCE_MISMATCH',
      async () =>
        api.post(null, '/sessions', {
          idToken: await issuer.idToken({ email: reader.email, nonce: 'a' }),
          nonce: 'b',
        }),
    ],
    [
      'an ID token without a nonce',
      'NONCE_MISMATCH',
      async () =>
        api.post(null, '/sessions', {
          idToken: await issuer.idToken({ email: reader.email, nonce: undefined }),
          nonce: 'n',
        }),
    ],
    ['another audience', 'WRONG_AUDIENCE', () => signIn(reader.email, { aud: 'another-client' })],
    [
      'several audiences, and another authorized party',
      'WRONG_AUDIENCE',
      () => signIn(reader.email, { aud: ['x', issuer.clientId], azp: 'x' }),
    ],
    ['another issuer', 'WRONG_ISSUER', () => signIn(reader.email, { iss: 'https://evil.example.com' })],
    ['an expired ID token', 'EXPIRED', () => signIn(reader.email, {}, { expiresInSeconds: -60 })],
    [
      'an ID token signed with a key the issuer does not publish',
      'BAD_SIGNATURE',
      () => signIn(reader.email, {}, { signedBy: 'stranger' }),
    ],
    ['an unverified e-mail', 'EMAIL_UNVERIFIED', () => signIn(reader.email, { email_verified: false })],
    [
      'no e-mail verification claim',
      'EMAIL_UNVERIFIED',
      () => signIn(reader.email, { email_verified: undefined }),
    ],
    ['no e-mail', 'BAD_CLAIMS', () => signIn(reader.email, { email: undefined })],
    ['no subject', 'BAD_CLAIMS', () => signIn(reader.email, { sub: undefined })],
    ['an e-mail no member has', 'NO_SUCH_MEMBER', () => signIn(`nobody-${randomUUID()}@example.com`)],
    [
      "a member of another account (sign-in is to the console's account only)",
      'NO_SUCH_MEMBER',
      async () => {
        const other = await newAccount();
        return signIn((await api.get(other.ownerToken, '/members/me')).body.email);
      },
    ],
    [
      'something that is not a JWT',
      'MALFORMED',
      () => api.post(null, '/sessions', { idToken: 'not.a.jwt', nonce: 'n' }),
    ],
    [
      'an unsigned JWT (alg none)',
      'BAD_SIGNATURE',
      () =>
        api.post(null, '/sessions', {
          idToken: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
            JSON.stringify({ iss: issuer.issuer, aud: issuer.clientId, email: reader.email, nonce: 'n' }),
          ).toString('base64url')}.`,
          nonce: 'n',
        }),
    ],
  ])('%s (%s)', async (_, reason, attempt) => {
    const { reply, reasons } = await refusal(attempt);
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject(REFUSED);
    expect(reasons).toEqual([reason]);
  });

  it('an ID token is exchanged once: the second exchange is refused', async () => {
    const n = nonce();
    const idToken = await issuer.idToken({ email: reader.email, nonce: n });
    expect((await api.post(null, '/sessions', { idToken, nonce: n })).status).toBe(201);
    const again = await api.post(null, '/sessions', { idToken, nonce: n });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject(REFUSED);
  });

  it('a removed member cannot sign in', async () => {
    const gone = await addMember(api, owner, 'writer');
    expect((await api.delete(owner, `/members/${gone.memberId}`)).status).toBe(204);
    expect((await signIn(gone.email)).body).toMatchObject(REFUSED);
  });

  it('a body that is not `{idToken, nonce}` is a 400 naming the field', async () => {
    const reply = await api.post(null, '/sessions', { idToken: 'x' });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(/nonce/);
    expect((await api.post(null, '/sessions', { idToken: 'x', nonce: 'n', extra: 1 })).status).toBe(400);
  });

  it('an issuer whose keys cannot be fetched is a 503, and nothing is let through', async () => {
    process.env.OIDC_JWKS_URI = 'http://127.0.0.1:9/jwks';
    try {
      const reply = await signIn(reader.email);
      expect(reply.status).toBe(503);
      expect(reply.body.code).toBe('service_unavailable');
    } finally {
      issuer.use(account.accountId);
    }
  });
});

describe('a session is not an access token', () => {
  it('is never listed among tokens, not even with showAll', async () => {
    const session = await sessionOf(reader.email);
    const { tokenId } = (await api.get(session.token, '/caller-identity')).body;
    for (const [caller, query] of [
      [session.token, {}],
      [reader.token, {}],
      [owner, { showAll: 'true', limit: '1000' }],
    ] as const) {
      const listed = await api.get(caller, '/tokens', query);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((t: { _id: string }) => t._id)).not.toContain(tokenId);
    }
  });

  it('is not found by id on any token route, for its member or an admin', async () => {
    const session = await sessionOf(reader.email);
    const { tokenId } = (await api.get(session.token, '/caller-identity')).body;
    for (const caller of [session.token, reader.token, owner]) {
      expect((await api.get(caller, `/tokens/${tokenId}`)).status).toBe(404);
      expect(
        (await api.patch(caller, `/tokens/${tokenId}`, [{ op: 'replace', path: '/name', value: 'x' }]))
          .status,
      ).toBe(404);
      expect((await api.post(caller, `/tokens/${tokenId}/reset`)).status).toBe(404);
      expect((await api.post(caller, `/tokens/${tokenId}/clone`, { name: 'c' })).status).toBe(404);
      expect((await api.delete(caller, `/tokens/${tokenId}`)).status).toBe(404);
    }
    expect((await api.get(session.token, '/caller-identity')).status).toBe(200);
  });

  it('a custom role held by a session only can be deleted (the session is not an assignment)', async () => {
    const key = `role-${randomUUID().slice(0, 8)}`;
    await api.post(owner, '/roles', {
      key,
      name: key,
      policy: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
    });
    const holder = await addMember(api, owner, 'reader', [key]);
    await sessionOf(holder.email);
    await api.patch(owner, `/members/${holder.memberId}`, [
      { op: 'replace', path: '/customRoles', value: [] },
    ]);
    await api.delete(owner, `/tokens/${holder.tokenId}`);
    expect((await api.delete(owner, `/roles/${key}`)).status).toBe(204);
  });
});

describe('signing out', () => {
  it('ends the session it is called with: 204, then the one 401', async () => {
    const session = await sessionOf(reader.email);
    expect((await api.delete(session.token, '/sessions/current')).status).toBe(204);
    const after = await api.get(session.token, '/caller-identity');
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 'unauthorized', message: 'Invalid access token' });
    expect((await api.delete(session.token, '/sessions/current')).status).toBe(401);
    // Signing out touched nothing else of the member's.
    expect((await api.get(reader.token, '/caller-identity')).status).toBe(200);
  });

  it('with an access token is a 400 that says why, and the token keeps working', async () => {
    const reply = await api.delete(reader.token, '/sessions/current');
    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(/^Authorization: this is an access token, not a console session/);
    expect((await api.get(reader.token, '/caller-identity')).status).toBe(200);
  });
});
