import { randomUUID } from 'node:crypto';
import { accessTokenFormat, inviteCodeFormat } from '../../shared/domain/token-format.js';
import { type Api, addMember, newAccount, type Reply } from './api.js';
import type { TestIssuer } from './test-issuer.js';

/**
 * The kinds of caller that the authorization rules distinguish (API.md), built through the API
 * itself: members of every built-in role and of custom roles, weaker tokens of strong members,
 * service tokens, and every kind of invalid credential.
 */

/** Reader base permissions plus inviting members. */
export const INVITER_ROLE = 'invite-only';
/** No base permissions: inviting members and nothing else. */
export const NO_BASE_ROLE = 'invite-no-base';
/** Reader base permissions plus changing members' roles and custom roles. */
export const ROLE_MANAGER_ROLE = 'role-manager';

export const PROJECTS_ONLY = [
  { effect: 'allow', actions: ['*'], resources: ['proj/*', 'proj/*:env/*', 'proj/*:env/*:flag/*'] },
];

export const VALID_KINDS = [
  'owner',
  'admin',
  'writer',
  'reader',
  'noAccess',
  'customInviter',
  'customNoBase',
  'customRoleManager',
  'adminReaderToken',
  'adminWriterToken',
  'ownerReaderToken',
  'adminCustomToken',
  'adminRoleManagerToken',
  'adminInlineToken',
  'serviceReader',
  'serviceAdmin',
] as const;
export type ValidKind = (typeof VALID_KINDS)[number];

export const INVALID_KINDS = [
  'noHeader',
  'empty',
  'bearerOnly',
  'badChecksum',
  'wrongPrefix',
  'unknown',
  'deleted',
  'expired',
  'resetAfterGrace',
  'resetNoGrace',
  'removedMember',
  'signedOutSession',
  'expiredSession',
  'removedMemberSession',
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];
export type CallerKind = ValidKind | InvalidKind;

/** Service tokens: no member of their own; their scope alone decides. */
export const SERVICE_KINDS: readonly ValidKind[] = ['serviceReader', 'serviceAdmin'];
/** Callers whose member is an admin or the owner (they can hold admin-scoped tokens). */
export const ADMIN_MEMBER_KINDS: readonly ValidKind[] = [
  'owner',
  'admin',
  'adminReaderToken',
  'adminWriterToken',
  'ownerReaderToken',
  'adminCustomToken',
  'adminRoleManagerToken',
  'adminInlineToken',
];
/** Personal callers (a member's token), as opposed to service tokens. */
export const PERSONAL_KINDS: readonly ValidKind[] = VALID_KINDS.filter((k) => !SERVICE_KINDS.includes(k));
/** Personal callers whose member cannot create their own tokens (their own token is made in advance). */
const NO_OWN_TOKENS: readonly ValidKind[] = ['noAccess', 'customNoBase'];

export interface TokenRef {
  readonly id: string;
  readonly secret: string;
  readonly memberId: string;
  /** The scope fields it was made with (`role`, `customRoleIds` or `inlineRole`). */
  readonly scope: Record<string, unknown>;
}

export interface Caller {
  readonly kind: CallerKind;
  /** What goes in the Authorization header (null: none). */
  readonly token: string | null;
  /** The token's member; null for service tokens and invalid credentials. */
  readonly memberId: string | null;
  readonly isOwner: boolean;
  /** A credential of the same member that creates that member's own tokens (its strongest), if any. */
  readonly setup: string | null;
  /** The scope body its own tokens are made with. */
  readonly ownScope: Record<string, unknown>;
  /** For members who cannot create tokens: one own token made in advance (use once). */
  readonly spare?: TokenRef;
}

export interface World {
  readonly api: Api;
  readonly accountId: string;
  readonly ownerId: string;
  /** The owner's first token (admin-scoped). */
  readonly owner: string;
  readonly ownerTokenId: string;
  /** A writer whose tokens are "another member's" for everyone but itself. */
  readonly peer: { readonly memberId: string; readonly token: string; readonly tokenId: string };
  /** A project with a flag, and both environments. */
  readonly project: string;
  readonly flag: string;
}

export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

function must<T = any>(reply: Reply<T>, status: number, what: string): T {
  if (reply.status !== status)
    throw new Error(`setup: ${what} gave ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Creates a token with `credential` (setup only: anything but 201 is a broken fixture). */
export async function makeToken(
  api: Api,
  credential: string,
  scope: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<TokenRef> {
  const body = must(
    await api.post(credential, '/tokens', { name: unique('t'), ...scope, ...extra }),
    201,
    `creating a token ${JSON.stringify(scope)}`,
  );
  return { id: body._id, secret: body.token, memberId: body.memberId, scope };
}

/** An invitation, not yet accepted: its member id and code. */
export async function invite(
  api: Api,
  credential: string,
  role: string,
  customRoles?: string[],
): Promise<{ memberId: string; code: string }> {
  const body = must(
    await api.post(credential, '/members', [
      { email: `${unique(role)}@example.com`, role, ...(customRoles ? { customRoles } : {}) },
    ]),
    201,
    `inviting a ${role}`,
  );
  return { memberId: body.items[0]._id, code: body.items[0]._inviteCode };
}

export async function setMember(api: Api, credential: string, memberId: string, patch: unknown[]) {
  must(await api.patch(credential, `/members/${memberId}`, patch), 200, `patching member ${memberId}`);
}

/**
 * An account with the custom roles, a writer peer and a project with a flag; `minimal`: the
 * custom roles only (peer and project are then the owner's).
 */
export async function buildWorld(api: Api, minimal = false): Promise<World> {
  const account = await newAccount();
  const owner = account.ownerToken;
  const me = must(await api.get(owner, '/caller-identity'), 200, 'caller identity');
  must(
    await api.post(owner, '/roles', {
      key: INVITER_ROLE,
      name: 'Inviter',
      policy: [{ effect: 'allow', actions: ['createMember'], resources: ['member/*'] }],
    }),
    201,
    'creating the inviter role',
  );
  must(
    await api.post(owner, '/roles', {
      key: NO_BASE_ROLE,
      name: 'Inviter without base',
      basePermissions: 'no_access',
      policy: [{ effect: 'allow', actions: ['createMember'], resources: ['member/*'] }],
    }),
    201,
    'creating the no-base role',
  );
  must(
    await api.post(owner, '/roles', {
      key: ROLE_MANAGER_ROLE,
      name: 'Role manager',
      policy: [{ effect: 'allow', actions: ['updateRole', 'updateCustomRole'], resources: ['member/*'] }],
    }),
    201,
    'creating the role-manager role',
  );
  const peer = minimal
    ? { memberId: account.ownerId, token: owner, tokenId: me.tokenId }
    : await addMember(api, owner, 'writer');
  if (!minimal) {
    must(await api.post(owner, '/projects', { key: 'shared', name: 'Shared' }), 201, 'creating a project');
    must(await api.post(owner, '/flags/shared', { key: 'f', name: 'F' }), 201, 'creating a flag');
  }
  return {
    api,
    accountId: account.accountId,
    ownerId: account.ownerId,
    owner,
    ownerTokenId: me.tokenId,
    peer: { memberId: peer.memberId, token: peer.token, tokenId: peer.tokenId },
    project: 'shared',
    flag: 'f',
  };
}

const personal = (
  kind: ValidKind,
  token: string,
  memberId: string,
  setup: string | null,
  extra: Partial<Caller> = {},
): Caller => ({ kind, token, memberId, isOwner: false, setup, ownScope: { role: 'reader' }, ...extra });

/** A caller of `kind` in `w`; every call makes a new member (or token) for it. */
export async function buildCaller(w: World, kind: ValidKind): Promise<Caller> {
  const { api } = w;
  const ofAdmin = async (scope: Record<string, unknown>) => {
    const admin = await addMember(api, w.owner, 'admin');
    const token = await makeToken(api, admin.token, scope);
    return personal(kind, token.secret, admin.memberId, admin.token);
  };
  switch (kind) {
    case 'owner':
      return { ...personal(kind, w.owner, w.ownerId, w.owner), isOwner: true };
    case 'ownerReaderToken': {
      const token = await makeToken(api, w.owner, { role: 'reader' });
      return { ...personal(kind, token.secret, w.ownerId, w.owner), isOwner: true };
    }
    case 'admin':
    case 'writer':
    case 'reader': {
      const m = await addMember(api, w.owner, kind);
      return personal(kind, m.token, m.memberId, m.token);
    }
    case 'customInviter': {
      const m = await addMember(api, w.owner, 'reader', [INVITER_ROLE]);
      return personal(kind, m.token, m.memberId, m.token, { ownScope: { customRoleIds: [INVITER_ROLE] } });
    }
    case 'customRoleManager': {
      const m = await addMember(api, w.owner, 'reader', [ROLE_MANAGER_ROLE]);
      return personal(kind, m.token, m.memberId, m.token, {
        ownScope: { customRoleIds: [ROLE_MANAGER_ROLE] },
      });
    }
    case 'noAccess': {
      // Invited as a reader so that a second token of theirs can be made, then lowered.
      const m = await addMember(api, w.owner, 'reader');
      const spare = await makeToken(api, m.token, { role: 'reader' });
      await setMember(api, w.owner, m.memberId, [{ op: 'replace', path: '/role', value: 'no_access' }]);
      return personal(kind, m.token, m.memberId, null, { spare });
    }
    case 'customNoBase': {
      // Both roles first, to make a token scoped to the no-base role alone; then only that role.
      const m = await addMember(api, w.owner, 'reader', [NO_BASE_ROLE, INVITER_ROLE]);
      const token = await makeToken(api, m.token, { customRoleIds: [NO_BASE_ROLE] });
      await setMember(api, w.owner, m.memberId, [
        { op: 'replace', path: '/customRoles', value: [NO_BASE_ROLE] },
      ]);
      return personal(kind, token.secret, m.memberId, null, {
        spare: {
          id: m.tokenId,
          secret: m.token,
          memberId: m.memberId,
          scope: { customRoleIds: [NO_BASE_ROLE, INVITER_ROLE] },
        },
      });
    }
    case 'adminReaderToken':
      return ofAdmin({ role: 'reader' });
    case 'adminWriterToken':
      return ofAdmin({ role: 'writer' });
    case 'adminCustomToken':
      return ofAdmin({ customRoleIds: [INVITER_ROLE] });
    case 'adminRoleManagerToken':
      return ofAdmin({ customRoleIds: [ROLE_MANAGER_ROLE] });
    case 'adminInlineToken':
      return ofAdmin({ inlineRole: PROJECTS_ONLY });
    case 'serviceReader':
    case 'serviceAdmin': {
      const role = kind === 'serviceReader' ? 'reader' : 'admin';
      const token = await makeToken(api, w.owner, { role, serviceToken: true });
      return { kind, token: token.secret, memberId: null, isOwner: false, setup: null, ownScope: {} };
    }
  }
}

const invalid = (kind: InvalidKind, token: string | null): Caller => ({
  kind,
  token,
  memberId: null,
  isOwner: false,
  setup: null,
  ownScope: {},
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A member's e-mail, as the owner sees it. */
export async function emailOf(w: World, memberId: string): Promise<string> {
  return must(await w.api.get(w.owner, `/members/${memberId}`), 200, `reading member ${memberId}`).email;
}

/**
 * Signs in as the member with this e-mail (`POST /sessions` with an ID token of `issuer`, which
 * sign-in must trust for the world's account): the session token and when it ends.
 */
export async function signIn(
  api: Api,
  issuer: TestIssuer,
  email: string,
  expiresInSeconds?: number,
): Promise<{ token: string; expiresAt: number }> {
  const nonce = randomUUID();
  const idToken = await issuer.idToken({ email, nonce }, expiresInSeconds ? { expiresInSeconds } : {});
  return must(await api.post(null, '/sessions', { idToken, nonce }), 201, `signing in as ${email}`);
}

/**
 * Every kind of credential that must get the one same 401, console sessions included (made with
 * ID tokens of `issuer`). Waits out an expiry and a grace period.
 */
export async function buildInvalidCallers(
  w: World,
  issuer: TestIssuer,
): Promise<Record<InvalidKind, Caller>> {
  const { api } = w;
  const graceMs = 600;
  const expired = await makeToken(api, w.owner, { role: 'reader' }, { expiresAt: Date.now() + graceMs });
  const graced = await makeToken(api, w.owner, { role: 'reader' });
  must(
    await api.post(w.owner, `/tokens/${graced.id}/reset`, undefined, {
      expiry: String(Date.now() + graceMs),
    }),
    200,
    'reset with grace',
  );
  const reset = await makeToken(api, w.owner, { role: 'reader' });
  must(await api.post(w.owner, `/tokens/${reset.id}/reset`), 200, 'reset without grace');
  const deleted = await makeToken(api, w.owner, { role: 'reader' });
  must(await api.delete(w.owner, `/tokens/${deleted.id}`), 204, 'delete');
  const removed = await addMember(api, w.owner, 'writer');
  must(await api.delete(w.owner, `/members/${removed.memberId}`), 204, 'remove member');
  const valid = (await makeToken(api, w.owner, { role: 'reader' })).secret;
  const last = valid.at(-1)!;
  const signedOut = await signIn(api, issuer, await emailOf(w, w.peer.memberId));
  must(await api.delete(signedOut.token, '/sessions/current'), 204, 'sign out');
  // The session ends when its ID token does: in a second or two.
  const expiredSession = await signIn(api, issuer, await emailOf(w, w.peer.memberId), 2);
  const leaving = await addMember(api, w.owner, 'writer');
  const removedSession = await signIn(api, issuer, leaving.email);
  must(await api.delete(w.owner, `/members/${leaving.memberId}`), 204, 'remove member');
  await sleep(Math.max(graceMs + 100, expiredSession.expiresAt - Date.now() + 100));
  return {
    noHeader: invalid('noHeader', null),
    empty: invalid('empty', ''),
    bearerOnly: invalid('bearerOnly', 'Bearer '),
    badChecksum: invalid('badChecksum', valid.slice(0, -1) + (last === 'a' ? 'b' : 'a')),
    wrongPrefix: invalid('wrongPrefix', inviteCodeFormat.generate()),
    unknown: invalid('unknown', accessTokenFormat.generate()),
    deleted: invalid('deleted', deleted.secret),
    expired: invalid('expired', expired.secret),
    resetAfterGrace: invalid('resetAfterGrace', graced.secret),
    resetNoGrace: invalid('resetNoGrace', reset.secret),
    removedMember: invalid('removedMember', removed.token),
    signedOutSession: invalid('signedOutSession', signedOut.token),
    expiredSession: invalid('expiredSession', expiredSession.token),
    removedMemberSession: invalid('removedMemberSession', removedSession.token),
  };
}

/** A token of the caller's own member (personal callers only), made fresh unless it is the spare. */
export async function ownToken(w: World, c: Caller, scope?: Record<string, unknown>): Promise<TokenRef> {
  if (c.setup !== null) return makeToken(w.api, c.setup, scope ?? c.ownScope);
  if (c.spare !== undefined && scope === undefined) return c.spare;
  throw new Error(`setup: ${c.kind} has no way to make an own token ${JSON.stringify(scope)}`);
}

/** Whether `ownToken` needs a fresh caller each time (its own token is made in advance, once). */
export const needsFreshForOwnToken = (kind: ValidKind) => NO_OWN_TOKENS.includes(kind);

/** Runs `tasks` with at most `limit` in flight. */
export async function inPool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
