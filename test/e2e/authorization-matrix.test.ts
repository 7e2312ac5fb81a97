import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenFormat, inviteCodeFormat } from '../../shared/domain/token-format.js';
import { API_BASE, ROUTES, type Route } from '../../shared/http/routes.js';
import { Api, type Reply } from '../support/api.js';
import {
  ADMIN_MEMBER_KINDS,
  buildCaller,
  buildInvalidCallers,
  buildWorld,
  type Caller,
  type CallerKind,
  emailOf,
  INVALID_KINDS,
  INVITER_ROLE,
  type InvalidKind,
  inPool,
  invite,
  makeToken,
  NO_BASE_ROLE,
  needsFreshForOwnToken,
  ownToken,
  PERSONAL_KINDS,
  ROLE_MANAGER_ROLE,
  SERVICE_KINDS,
  signIn,
  type TokenRef,
  unique,
  VALID_KINDS,
  type ValidKind,
  type World,
} from '../support/callers.js';
import { TestIssuer } from '../support/test-issuer.js';

/**
 * The authorization rules of API.md as one matrix generated from the route table: for every route,
 * every kind of caller gets an expected status. Each row sets up its own target (a token, member,
 * role, project or flag made for it), so a destructive call never disturbs another row; rows that
 * could change the owner run in an account of their own. A row that fails names the exact request.
 */

// The rows are about authorization, not latency: on a loaded 2-core machine DynamoDB Local can be
// slower than the production per-call bound (a 503 there would be noise, not a finding).
process.env.DYNAMODB_TIMEOUT_MS ??= '10000';

const api = new Api();
let world: World;
let shared: Record<ValidKind, Caller>;
let invalid: Record<InvalidKind, Caller>;
let issuer: TestIssuer;

beforeAll(async () => {
  world = await buildWorld(api);
  // Console sign-in trusts an issuer of the tests' own, for the world's account.
  issuer = await TestIssuer.start();
  issuer.use(world.accountId);
  const built = await inPool(
    8,
    VALID_KINDS.map((kind) => () => buildCaller(world, kind)),
  );
  shared = Object.fromEntries(built.map((c) => [c.kind, c])) as Record<ValidKind, Caller>;
  invalid = await buildInvalidCallers(world, issuer);
}, 60_000);

afterAll(async () => {
  await issuer.stop();
});

// Caller groups, from API.md's built-in roles and the custom roles of the fixture.
/** `view*` on members, roles, tokens' metadata and service tokens. */
const VIEWERS: readonly ValidKind[] = [
  'owner',
  'admin',
  'writer',
  'reader',
  'customInviter',
  'customRoleManager',
  'adminReaderToken',
  'adminWriterToken',
  'ownerReaderToken',
  'adminCustomToken',
  'adminRoleManagerToken',
  'serviceReader',
  'serviceAdmin',
];
/** Manage their own member's personal tokens. */
const OWN_TOKENS: readonly ValidKind[] = VIEWERS.filter((k) => !SERVICE_KINDS.includes(k));
/** Everything but the owner's member: admins, the owner, an admin-scoped service token. */
const ADMINS: readonly ValidKind[] = ['owner', 'admin', 'serviceAdmin'];
/** Tokens narrower than their admin/owner member. */
const NARROW_ADMIN_TOKENS: readonly ValidKind[] = [
  'adminReaderToken',
  'adminWriterToken',
  'ownerReaderToken',
  'adminCustomToken',
  'adminRoleManagerToken',
];
const PROJECT_WRITERS: readonly ValidKind[] = [
  'owner',
  'admin',
  'writer',
  'adminWriterToken',
  'adminInlineToken',
  'serviceAdmin',
];
const PROJECT_VIEWERS: readonly ValidKind[] = [...VIEWERS, 'adminInlineToken'];
/** May invite members (createMember) within reader-level permissions. */
const READER_INVITERS: readonly ValidKind[] = ['customInviter', 'adminCustomToken'];
/** May change roles (updateRole, updateCustomRole) within reader-level permissions. */
const ROLE_MANAGERS: readonly ValidKind[] = ['customRoleManager', 'adminRoleManagerToken'];
/** Personal callers whose member is below admin. */
const BELOW_ADMIN = PERSONAL_KINDS.filter((k) => !ADMIN_MEMBER_KINDS.includes(k));

/** First matching group wins; `otherwise` for the rest. */
const expecting =
  (otherwise: number, ...table: (readonly [number, readonly CallerKind[]])[]) =>
  (kind: CallerKind): number =>
    table.find(([, kinds]) => kinds.includes(kind))?.[0] ?? otherwise;

interface Ctx {
  readonly w: World;
  readonly c: Caller;
}

interface Outcome {
  readonly request: string;
  readonly reply: Reply;
  /** What must hold afterwards (the reply decides which branch): a problem, or undefined. */
  readonly verify?: () => Promise<string | undefined>;
}

interface Case {
  readonly name: string;
  /** Default: every valid kind. */
  readonly callers?: readonly CallerKind[];
  /**
   * shared: the file's callers; fresh: a new caller per row; isolated: the case's own account, and
   * an account of its own for each row expected to succeed (a success there may move the owner).
   */
  readonly caller?: 'shared' | 'fresh' | 'isolated';
  /** Uses the caller's own token: members who cannot make one get a fresh caller. */
  readonly own?: boolean;
  readonly expect: (kind: CallerKind) => number;
  readonly run: (x: Ctx) => Promise<Outcome>;
}

async function send(
  x: Ctx,
  method: string,
  path: string,
  options: { body?: unknown; query?: Record<string, string> } = {},
): Promise<Outcome> {
  const reply = await x.w.api.call(x.c.token, method, path, options);
  const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
  const body = options.body !== undefined ? ` ${JSON.stringify(options.body)}` : '';
  return { request: `${method} ${path}${query}${body}`, reply };
}

const identityOf = (w: World, secret: string) => w.api.get(secret, '/caller-identity');

/** After a refused call, the target token still works; after a 2xx, `ifDone` decides. */
const tokenKept =
  (w: World, target: TokenRef, reply: Reply, ifDone: () => Promise<string | undefined>) => async () => {
    if (reply.status >= 200 && reply.status < 300) return ifDone();
    const still = await identityOf(w, target.secret);
    return still.status === 200 ? undefined : `refused, yet the target token now gets ${still.status}`;
  };

const withOutcome = (outcome: Outcome, verify: Outcome['verify']): Outcome => ({ ...outcome, verify });

// --- targets -------------------------------------------------------------------------------------

interface TokenTarget {
  readonly name: string;
  readonly callers?: readonly CallerKind[];
  readonly own?: boolean;
  readonly make: (x: Ctx) => Promise<TokenRef>;
}

const OWN: TokenTarget = {
  name: 'own token',
  callers: PERSONAL_KINDS,
  own: true,
  make: (x) => ownToken(x.w, x.c),
};
const OTHER: TokenTarget = {
  name: "another member's token",
  make: (x) => makeToken(x.w.api, x.w.peer.token, { role: 'reader' }),
};
const OWNERS: TokenTarget = {
  name: "the owner's token",
  make: (x) => makeToken(x.w.api, x.w.owner, { role: 'reader' }),
};
const SERVICE: TokenTarget = {
  name: 'a reader service token',
  make: (x) => makeToken(x.w.api, x.w.owner, { role: 'reader', serviceToken: true }),
};
const SERVICE_ADMIN: TokenTarget = {
  name: 'an admin service token',
  make: (x) => makeToken(x.w.api, x.w.owner, { role: 'admin', serviceToken: true }),
};
const OWN_ADMIN: TokenTarget = {
  name: 'own admin-scoped token',
  callers: ADMIN_MEMBER_KINDS,
  make: (x) => ownToken(x.w, x.c, { role: 'admin' }),
};

const freshMember = async (w: World, role: string) => {
  const invited = await invite(w.api, w.owner, role);
  const accepted = await w.api.post(null, '/invitations/accept', { code: invited.code });
  return { memberId: invited.memberId, token: accepted.body.token.token as string };
};

const roleOf = async (w: World, memberId: string) =>
  (await w.api.get(w.owner, `/members/${memberId}`)).body?.role as string | undefined;

const INLINE_PROJECT_STAR = [{ effect: 'allow', actions: ['*'], resources: ['proj/*'] }];
const INLINE_VIEW_PROJECT = [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }];

// --- token routes ----------------------------------------------------------------------------------

const createVariants: { name: string; body: Record<string, unknown>; allowed: readonly ValidKind[] }[] = [
  { name: 'a reader-role token', body: { role: 'reader' }, allowed: OWN_TOKENS },
  {
    name: 'a writer-role token',
    body: { role: 'writer' },
    allowed: ['owner', 'admin', 'writer', 'adminWriterToken'],
  },
  { name: 'an admin-role token', body: { role: 'admin' }, allowed: ['owner', 'admin'] },
  {
    name: 'a token with the custom role createMember-only',
    body: { customRoleIds: [INVITER_ROLE] },
    allowed: ['owner', 'admin', ...READER_INVITERS],
  },
  {
    name: 'an inline * on proj/* token',
    body: { inlineRole: INLINE_PROJECT_STAR },
    allowed: ['owner', 'admin', 'writer', 'adminWriterToken'],
  },
  { name: 'an inline viewProject token', body: { inlineRole: INLINE_VIEW_PROJECT }, allowed: OWN_TOKENS },
  { name: 'a reader service token', body: { role: 'reader', serviceToken: true }, allowed: ADMINS },
  { name: 'an admin service token', body: { role: 'admin', serviceToken: true }, allowed: ADMINS },
];

const tokenCase = (
  name: string,
  target: TokenTarget,
  expect: Case['expect'],
  act: (x: Ctx, t: TokenRef) => Promise<Outcome>,
  callers?: readonly CallerKind[],
): Case => ({
  name: `${name} ${target.name}`,
  ...((callers ?? target.callers) ? { callers: callers ?? target.callers } : {}),
  ...(target.own ? { own: true } : {}),
  expect,
  run: async (x) => act(x, await target.make(x)),
});

const patchName = (x: Ctx, t: TokenRef) =>
  send(x, 'PATCH', `/tokens/${t.id}`, { body: [{ op: 'replace', path: '/name', value: 'renamed' }] });

/** A patch that gives the token `scope` whatever scope field it has now (empty arrays are no scope). */
const rescope = (scope: Record<string, unknown>) => (x: Ctx, t: TokenRef) => {
  const hadRole = 'role' in t.scope;
  const ops: unknown[] = [];
  if (hadRole && !('role' in scope)) ops.push({ op: 'remove', path: '/role' });
  for (const field of ['customRoleIds', 'inlineRole'])
    if (field in t.scope && !(field in scope)) ops.push({ op: 'replace', path: `/${field}`, value: [] });
  for (const [field, value] of Object.entries(scope))
    ops.push({ op: field === 'role' && !hadRole ? 'add' : 'replace', path: `/${field}`, value });
  return send(x, 'PATCH', `/tokens/${t.id}`, { body: ops });
};

const setRole = (role: string) => rescope({ role });

const reset = async (x: Ctx, t: TokenRef): Promise<Outcome> => {
  const outcome = await send(x, 'POST', `/tokens/${t.id}/reset`);
  return withOutcome(
    outcome,
    tokenKept(x.w, t, outcome.reply, async () => {
      const old = await identityOf(x.w, t.secret);
      if (old.status !== 401) return `reset, yet the old secret gets ${old.status}`;
      const fresh = await identityOf(x.w, outcome.reply.body.token);
      return fresh.body?.tokenId === t.id ? undefined : 'the new secret does not work as the same token';
    }),
  );
};

const remove = async (x: Ctx, t: TokenRef): Promise<Outcome> => {
  const outcome = await send(x, 'DELETE', `/tokens/${t.id}`);
  return withOutcome(
    outcome,
    tokenKept(x.w, t, outcome.reply, async () => {
      const gone = await identityOf(x.w, t.secret);
      return gone.status === 401 ? undefined : `deleted, yet the token gets ${gone.status}`;
    }),
  );
};

const clone = (x: Ctx, t: TokenRef) => send(x, 'POST', `/tokens/${t.id}/clone`, { body: { name: 'clone' } });

const tokenCases: Record<string, Case[]> = {
  'GET /tokens': [
    {
      name: "lists the caller's own tokens and the service tokens, never a value",
      expect: () => 200,
      run: async (x) => {
        const outcome = await send(x, 'GET', '/tokens', { query: { limit: '1000' } });
        return withOutcome(outcome, async () => {
          const items: any[] = outcome.reply.body?.items ?? [];
          const foreign = items.filter((t) => !t.serviceToken && t.memberId !== x.c.memberId);
          return foreign.length === 0 ? undefined : `lists ${foreign.length} other members' tokens`;
        });
      },
    },
    {
      name: 'showAll=true',
      expect: expecting(403, [200, ADMINS]),
      run: (x) => send(x, 'GET', '/tokens', { query: { showAll: 'true' } }),
    },
  ],
  'POST /tokens': createVariants.map((v) => ({
    name: `creates ${v.name}`,
    expect: expecting(403, [201, v.allowed]),
    run: (x) => send(x, 'POST', '/tokens', { body: { name: unique('new'), ...v.body } }),
  })),
  'GET /tokens/{id}': [
    tokenCase('views', OWN, expecting(404, [200, OWN_TOKENS]), (x, t) => send(x, 'GET', `/tokens/${t.id}`)),
    tokenCase('views', OTHER, expecting(404, [200, ADMINS]), (x, t) => send(x, 'GET', `/tokens/${t.id}`)),
    tokenCase('views', OWNERS, expecting(404, [200, [...ADMINS, 'ownerReaderToken']]), (x, t) =>
      send(x, 'GET', `/tokens/${t.id}`),
    ),
    tokenCase('views', SERVICE, expecting(404, [200, VIEWERS]), (x, t) => send(x, 'GET', `/tokens/${t.id}`)),
  ],
  'PATCH /tokens/{id}': [
    tokenCase('renames', OWN, expecting(404, [200, OWN_TOKENS]), patchName),
    tokenCase('renames', OTHER, expecting(404, [200, ADMINS]), patchName),
    tokenCase('renames', OWNERS, expecting(404, [200, [...ADMINS, 'ownerReaderToken']]), patchName),
    tokenCase('renames', SERVICE, expecting(404, [200, ADMINS], [403, VIEWERS]), patchName),
    tokenCase(
      'rescopes to writer',
      OWN,
      expecting(404, [200, ['owner', 'admin', 'writer', 'adminWriterToken']], [403, OWN_TOKENS]),
      setRole('writer'),
    ),
    tokenCase(
      'rescopes to an inline * on proj/*',
      OWN,
      expecting(404, [200, ['owner', 'admin', 'writer', 'adminWriterToken']], [403, OWN_TOKENS]),
      rescope({ inlineRole: INLINE_PROJECT_STAR }),
    ),
    tokenCase(
      'rescopes to an inline viewProject',
      OWN,
      expecting(404, [200, OWN_TOKENS]),
      rescope({ inlineRole: INLINE_VIEW_PROJECT }),
    ),
    tokenCase(
      'rescopes to writer (within that member)',
      OTHER,
      expecting(404, [200, ADMINS]),
      setRole('writer'),
    ),
    tokenCase(
      'rescopes to admin (above that member)',
      OTHER,
      expecting(404, [403, ADMINS]),
      setRole('admin'),
    ),
    tokenCase(
      'rescopes to admin',
      OWNERS,
      expecting(404, [200, ['owner', 'admin', 'serviceAdmin']], [403, ['ownerReaderToken']]),
      setRole('admin'),
    ),
    tokenCase('rescopes', SERVICE, expecting(404, [400, ADMINS], [403, VIEWERS]), setRole('writer')),
  ],
  'DELETE /tokens/{id}': [
    tokenCase('deletes', OWN, expecting(404, [204, OWN_TOKENS]), remove),
    tokenCase('deletes', OTHER, expecting(404, [204, ADMINS]), remove),
    tokenCase('deletes', OWNERS, expecting(404, [204, [...ADMINS, 'ownerReaderToken']]), remove),
    tokenCase('deletes', SERVICE, expecting(404, [204, ADMINS], [403, VIEWERS]), remove),
  ],
  'POST /tokens/{id}/reset': [
    tokenCase('resets', OWN, expecting(404, [200, OWN_TOKENS]), reset),
    tokenCase(
      'resets',
      OWN_ADMIN,
      expecting(404, [200, ['owner', 'admin']], [403, NARROW_ADMIN_TOKENS]),
      reset,
    ),
    tokenCase('resets', OTHER, expecting(404, [403, ADMINS]), reset),
    tokenCase(
      'resets',
      OWNERS,
      expecting(404, [200, ['owner', 'ownerReaderToken']], [403, ['admin', 'serviceAdmin']]),
      reset,
    ),
    tokenCase('resets', SERVICE, expecting(404, [200, ADMINS], [403, VIEWERS]), reset),
    tokenCase('resets', SERVICE_ADMIN, expecting(404, [200, ADMINS], [403, VIEWERS]), reset),
  ],
  'POST /tokens/{id}/clone': [
    tokenCase('clones', OWN, expecting(404, [201, OWN_TOKENS]), clone),
    tokenCase(
      'clones',
      OWN_ADMIN,
      expecting(404, [201, ['owner', 'admin']], [403, NARROW_ADMIN_TOKENS]),
      clone,
    ),
    tokenCase('clones', OTHER, expecting(404, [201, ['owner', 'admin']], [403, ['serviceAdmin']]), clone),
    tokenCase(
      'clones',
      OWNERS,
      expecting(404, [201, ['owner', 'admin', 'ownerReaderToken']], [403, ['serviceAdmin']]),
      clone,
    ),
    tokenCase('clones', SERVICE, expecting(404, [201, ADMINS], [403, VIEWERS]), clone),
    tokenCase('clones', SERVICE_ADMIN, expecting(404, [201, ADMINS], [403, VIEWERS]), clone),
  ],
};

// --- members and invitations -----------------------------------------------------------------------

const inviteVariants: { name: string; entry: Record<string, unknown>; allowed: readonly ValidKind[] }[] = [
  { name: 'a reader', entry: { role: 'reader' }, allowed: [...ADMINS, ...READER_INVITERS] },
  { name: 'a writer', entry: { role: 'writer' }, allowed: ADMINS },
  { name: 'an admin', entry: { role: 'admin' }, allowed: ADMINS },
  {
    name: 'a no_access member',
    entry: { role: 'no_access' },
    allowed: [...ADMINS, ...READER_INVITERS, 'customNoBase'],
  },
  {
    name: 'a member with the createMember-only role (reader base)',
    entry: { role: 'no_access', customRoles: [INVITER_ROLE] },
    allowed: [...ADMINS, ...READER_INVITERS],
  },
  {
    name: 'a member with the createMember-only role (no base)',
    entry: { role: 'no_access', customRoles: [NO_BASE_ROLE] },
    allowed: [...ADMINS, ...READER_INVITERS, 'customNoBase'],
  },
];

/** A fresh member of `role`, changed by the caller to `after` (role, custom roles); refused means unchanged. */
const patchFreshMember =
  (role: string, patch: unknown[], after: [string, string[]]) =>
  async (x: Ctx): Promise<Outcome> => {
    const target = await freshMember(x.w, role);
    const outcome = await send(x, 'PATCH', `/members/${target.memberId}`, { body: patch });
    return withOutcome(outcome, async () => {
      const member = (await x.w.api.get(x.w.owner, `/members/${target.memberId}`)).body;
      const now = JSON.stringify([member?.role, member?.customRoles]);
      const want = JSON.stringify(outcome.reply.status === 200 ? after : [role, []]);
      return now === want ? undefined : `the member is now ${now}, expected ${want}`;
    });
  };

/**
 * The same change through LaunchDarkly's bulk update (`PATCH /members`, semantic patch). Its answer
 * is 200 with the members it changed and an error per member it refused, so the row's status is the
 * member's own: 200 if changed, 404 if the caller may not see them, 403 if refused.
 */
const bulkPatchFreshMember =
  (role: string, instruction: Record<string, unknown>, after: [string, string[]]) =>
  async (x: Ctx): Promise<Outcome> => {
    const target = await freshMember(x.w, role);
    const outcome = await send(x, 'PATCH', '/members', {
      body: { instructions: [{ ...instruction, memberIDs: [target.memberId] }] },
    });
    const { reply } = outcome;
    const refusal = (reply.body?.errors ?? []).find((e: Record<string, string>) => target.memberId in e)?.[
      target.memberId
    ];
    const status =
      reply.status !== 200
        ? reply.status
        : reply.body.members?.includes(target.memberId)
          ? 200
          : refusal?.endsWith('not found')
            ? 404
            : 403;
    // A refused member is reported as the single PATCH would answer it, in the error shape.
    const body =
      status === reply.status
        ? reply.body
        : { code: status === 404 ? 'not_found' : 'forbidden', message: refusal, id: 'bulk' };
    return withOutcome({ ...outcome, reply: { status, body } }, async () => {
      const member = (await x.w.api.get(x.w.owner, `/members/${target.memberId}`)).body;
      const now = JSON.stringify([member?.role, member?.customRoles]);
      const want = JSON.stringify(status === 200 ? after : [role, []]);
      return now === want ? undefined : `the member is now ${now}, expected ${want}`;
    });
  };

/** After any call, the account still has exactly one owner: `ownerId` unless it was handed on. */
const oneOwner = async (w: World, ownerId: string) => {
  const members: any[] = (await w.api.get(w.owner, '/members', { limit: '1000' })).body?.items ?? [];
  const owners = members.filter((m) => m.role === 'owner').map((m) => m._id);
  return owners.length === 1 && owners[0] === ownerId
    ? undefined
    : `owners are now ${JSON.stringify(owners)}, expected only ${ownerId}`;
};

const memberCases: Record<string, Case[]> = {
  'GET /members': [{ name: 'lists members', expect: () => 200, run: (x) => send(x, 'GET', '/members') }],
  'POST /members': [
    ...inviteVariants.map(
      (v): Case => ({
        name: `invites ${v.name}`,
        expect: expecting(403, [201, v.allowed]),
        run: (x) =>
          send(x, 'POST', '/members', { body: [{ email: `${unique('i')}@example.com`, ...v.entry }] }),
      }),
    ),
    {
      name: 'invites an owner',
      expect: expecting(403, [400, [...ADMINS, ...READER_INVITERS, 'customNoBase']]),
      run: (x) =>
        send(x, 'POST', '/members', { body: [{ email: `${unique('o')}@example.com`, role: 'owner' }] }),
    },
  ],
  'GET /members/{id}': [
    {
      name: 'views me',
      callers: PERSONAL_KINDS,
      expect: expecting(404, [200, VIEWERS]),
      run: (x) => send(x, 'GET', '/members/me'),
    },
    {
      name: 'views another member',
      expect: expecting(404, [200, VIEWERS]),
      run: (x) => send(x, 'GET', `/members/${x.w.peer.memberId}`),
    },
    {
      name: 'views the owner',
      expect: expecting(404, [200, VIEWERS]),
      run: (x) => send(x, 'GET', `/members/${x.w.ownerId}`),
    },
  ],
  'PATCH /members': [
    {
      name: 'promotes a reader to writer in bulk',
      expect: expecting(404, [200, ADMINS], [403, VIEWERS]),
      run: bulkPatchFreshMember('reader', { kind: 'replaceMembersRoles', value: 'writer' }, ['writer', []]),
    },
    {
      name: 'demotes a writer to reader in bulk',
      expect: expecting(404, [200, [...ADMINS, ...ROLE_MANAGERS]], [403, VIEWERS]),
      run: bulkPatchFreshMember('writer', { kind: 'replaceMembersRoles', value: 'reader' }, ['reader', []]),
    },
    {
      name: 'gives a reader the createMember-only custom role in bulk',
      expect: expecting(404, [200, ADMINS], [403, VIEWERS]),
      run: bulkPatchFreshMember('reader', { kind: 'replaceMembersCustomRoles', values: [INVITER_ROLE] }, [
        'reader',
        [INVITER_ROLE],
      ]),
    },
    {
      name: 'makes a writer owner in bulk',
      caller: 'isolated',
      expect: expecting(404, [200, ['owner']], [403, VIEWERS]),
      run: bulkPatchFreshMember('writer', { kind: 'replaceMembersRoles', value: 'owner' }, ['owner', []]),
    },
  ],
  'PATCH /members/{id}': [
    {
      name: 'promotes a reader to writer',
      expect: expecting(404, [200, ADMINS], [403, VIEWERS]),
      run: patchFreshMember('reader', [{ op: 'replace', path: '/role', value: 'writer' }], ['writer', []]),
    },
    {
      name: 'promotes a reader to admin',
      expect: expecting(404, [200, ADMINS], [403, VIEWERS]),
      run: patchFreshMember('reader', [{ op: 'replace', path: '/role', value: 'admin' }], ['admin', []]),
    },
    {
      name: 'gives a reader the createMember-only custom role',
      expect: expecting(404, [200, ADMINS], [403, VIEWERS]),
      run: patchFreshMember(
        'reader',
        [{ op: 'add', path: '/customRoles/-', value: INVITER_ROLE }],
        ['reader', [INVITER_ROLE]],
      ),
    },
    {
      name: 'demotes a writer to reader',
      expect: expecting(404, [200, [...ADMINS, ...ROLE_MANAGERS]], [403, VIEWERS]),
      run: patchFreshMember('writer', [{ op: 'replace', path: '/role', value: 'reader' }], ['reader', []]),
    },
    {
      name: 'gives a reader the role-manager custom role',
      expect: expecting(404, [200, [...ADMINS, ...ROLE_MANAGERS]], [403, VIEWERS]),
      run: patchFreshMember(
        'reader',
        [{ op: 'add', path: '/customRoles/-', value: ROLE_MANAGER_ROLE }],
        ['reader', [ROLE_MANAGER_ROLE]],
      ),
    },
    {
      name: 'hands ownership to a writer',
      caller: 'isolated',
      expect: expecting(404, [200, ['owner']], [403, VIEWERS]),
      run: async (x) => {
        const target = await freshMember(x.w, 'writer');
        const outcome = await send(x, 'PATCH', `/members/${target.memberId}`, {
          body: [{ op: 'replace', path: '/role', value: 'owner' }],
        });
        return withOutcome(outcome, async () => {
          if (outcome.reply.status !== 200) return oneOwner(x.w, x.w.ownerId);
          const [newRole, oldRole] = [await roleOf(x.w, target.memberId), await roleOf(x.w, x.w.ownerId)];
          return newRole === 'owner' && oldRole === 'admin'
            ? undefined
            : `after the handover the new owner is ${newRole} and the old one ${oldRole}`;
        });
      },
    },
    {
      name: 'demotes the owner to admin',
      caller: 'isolated',
      expect: expecting(404, [403, VIEWERS]),
      run: async (x) => {
        const outcome = await send(x, 'PATCH', `/members/${x.w.ownerId}`, {
          body: [{ op: 'replace', path: '/role', value: 'admin' }],
        });
        return withOutcome(outcome, () => oneOwner(x.w, x.w.ownerId));
      },
    },
    {
      name: 'gives the owner a custom role',
      caller: 'isolated',
      expect: expecting(404, [403, VIEWERS]),
      run: async (x) => {
        const outcome = await send(x, 'PATCH', `/members/${x.w.ownerId}`, {
          body: [{ op: 'add', path: '/customRoles/-', value: INVITER_ROLE }],
        });
        return withOutcome(outcome, () => oneOwner(x.w, x.w.ownerId));
      },
    },
    {
      name: 'promotes oneself to admin',
      caller: 'fresh',
      callers: BELOW_ADMIN,
      expect: expecting(404, [403, VIEWERS]),
      run: (x) =>
        send(x, 'PATCH', `/members/${x.c.memberId}`, {
          body: [{ op: 'replace', path: '/role', value: 'admin' }],
        }),
    },
    {
      name: 'makes oneself owner',
      caller: 'fresh',
      callers: PERSONAL_KINDS.filter((k) => k !== 'owner' && k !== 'ownerReaderToken'),
      expect: expecting(404, [403, VIEWERS]),
      run: (x) =>
        send(x, 'PATCH', `/members/${x.c.memberId}`, {
          body: [{ op: 'replace', path: '/role', value: 'owner' }],
        }),
    },
    {
      name: 'gives oneself the createMember-only custom role',
      caller: 'fresh',
      callers: BELOW_ADMIN.filter((k) => k !== 'customInviter' && k !== 'customNoBase'),
      expect: expecting(404, [403, VIEWERS]),
      run: (x) =>
        send(x, 'PATCH', `/members/${x.c.memberId}`, {
          body: [{ op: 'add', path: '/customRoles/-', value: INVITER_ROLE }],
        }),
    },
  ],
  'DELETE /members/{id}': [
    {
      name: 'removes a reader',
      expect: expecting(404, [204, ADMINS], [403, VIEWERS]),
      run: async (x) => {
        const target = await freshMember(x.w, 'reader');
        const outcome = await send(x, 'DELETE', `/members/${target.memberId}`);
        return withOutcome(outcome, async () => {
          const status = (await identityOf(x.w, target.token)).status;
          const want = outcome.reply.status === 204 ? 401 : 200;
          return status === want ? undefined : `the member's token now gets ${status}, expected ${want}`;
        });
      },
    },
    {
      name: 'removes the owner',
      caller: 'isolated',
      expect: expecting(404, [403, VIEWERS]),
      run: async (x) => {
        const outcome = await send(x, 'DELETE', `/members/${x.w.ownerId}`);
        return withOutcome(outcome, () => oneOwner(x.w, x.w.ownerId));
      },
    },
  ],
  'POST /invitations/accept': [
    {
      name: 'accepts a valid code, whatever credential comes with it',
      callers: [...VALID_KINDS, ...INVALID_KINDS],
      expect: () => 201,
      run: async (x) => {
        const invited = await invite(x.w.api, x.w.owner, 'reader');
        const outcome = await send(x, 'POST', '/invitations/accept', { body: { code: invited.code } });
        return withOutcome(outcome, async () => {
          const { member, token } = outcome.reply.body ?? {};
          return member?._id === invited.memberId && token?.memberId === invited.memberId
            ? undefined
            : 'the first token is not the invited member’s';
        });
      },
    },
    {
      name: 'refuses a used code',
      callers: ['noHeader', 'owner'],
      expect: () => 401,
      run: async (x) => {
        const invited = await invite(x.w.api, x.w.owner, 'reader');
        await x.w.api.post(null, '/invitations/accept', { code: invited.code });
        return send(x, 'POST', '/invitations/accept', { body: { code: invited.code } });
      },
    },
    {
      name: 'refuses an unknown code',
      callers: ['noHeader', 'owner'],
      expect: () => 401,
      run: (x) => send(x, 'POST', '/invitations/accept', { body: { code: inviteCodeFormat.generate() } }),
    },
    {
      name: 'refuses an access token as a code',
      callers: ['noHeader'],
      expect: () => 401,
      run: (x) => send(x, 'POST', '/invitations/accept', { body: { code: accessTokenFormat.generate() } }),
    },
  ],
};

// --- sign-in ---------------------------------------------------------------------------------------

/** An ID token of the tests' issuer for `email`, and the nonce it carries (`claims` override). */
const idTokenFor = async (email: string, claims: Record<string, unknown> = {}) => {
  const nonce = unique('nonce');
  return { idToken: await issuer.idToken({ email, nonce, ...claims }), nonce };
};

const sessionCases: Record<string, Case[]> = {
  'POST /sessions': [
    {
      name: 'exchanges a verified ID token for a session of the member it names, whatever credential comes with it',
      callers: [...VALID_KINDS, ...INVALID_KINDS],
      expect: () => 201,
      run: async (x) => {
        const outcome = await send(x, 'POST', '/sessions', {
          body: await idTokenFor(await emailOf(x.w, x.w.peer.memberId)),
        });
        return withOutcome(outcome, async () => {
          const identity = await identityOf(x.w, outcome.reply.body?.token);
          return identity.body?.memberId === x.w.peer.memberId && identity.body?.tokenKind === 'session'
            ? undefined
            : `the session is not the named member's: ${JSON.stringify(identity.body)}`;
        });
      },
    },
    {
      name: 'refuses an ID token for another audience, with another nonce, or naming no member',
      callers: ['noHeader', 'owner', 'serviceAdmin'],
      expect: () => 401,
      run: async (x) => {
        const email = await emailOf(x.w, x.w.peer.memberId);
        const attempts = [
          await idTokenFor(email, { aud: 'another-client' }),
          { ...(await idTokenFor(email)), nonce: 'another-nonce' },
          await idTokenFor(`${unique('nobody')}@example.com`),
        ];
        let last: Outcome | undefined;
        for (const body of attempts) {
          last = await send(x, 'POST', '/sessions', { body });
          if (last.reply.status !== 401) return last;
        }
        return last!;
      },
    },
  ],
  'DELETE /sessions/current': [
    {
      name: 'refuses an access token, saying why, and leaves it working',
      expect: () => 400,
      run: async (x) => {
        const outcome = await send(x, 'DELETE', '/sessions/current');
        return withOutcome(outcome, async () => {
          const still = await identityOf(x.w, x.c.token!);
          return still.status === 200 ? undefined : `the access token now gets ${still.status}`;
        });
      },
    },
    {
      name: "ends the calling session of the caller's member, and only it",
      callers: PERSONAL_KINDS,
      expect: () => 204,
      run: async (x) => {
        const session = await signIn(x.w.api, issuer, await emailOf(x.w, x.c.memberId!));
        const reply = await x.w.api.delete(session.token, '/sessions/current');
        return {
          request: "DELETE /sessions/current with a session of the caller's member",
          reply,
          verify: async () => {
            const [ended, kept] = await Promise.all([
              identityOf(x.w, session.token),
              identityOf(x.w, x.c.token!),
            ]);
            if (ended.status !== 401) return `the session still gets ${ended.status}`;
            return kept.status === 200 ? undefined : `the member's access token now gets ${kept.status}`;
          },
        };
      },
    },
  ],
};

// --- roles, projects, flags, identity ------------------------------------------------------------

const freshRole = async (w: World) => {
  const key = unique('role');
  const reply = await w.api.post(w.owner, '/roles', {
    key,
    name: key,
    policy: [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }],
  });
  if (reply.status !== 201) throw new Error(`setup: role ${reply.status}`);
  return key;
};

const freshProject = async (w: World) => {
  const key = unique('p');
  if ((await w.api.post(w.owner, '/projects', { key, name: key })).status !== 201)
    throw new Error('setup: project');
  return key;
};

const freshFlag = async (w: World) => {
  const key = unique('f');
  if ((await w.api.post(w.owner, `/flags/${w.project}`, { key, name: key })).status !== 201)
    throw new Error('setup: flag');
  return key;
};

const resourceCases: Record<string, Case[]> = {
  'GET /roles': [{ name: 'lists roles', expect: () => 200, run: (x) => send(x, 'GET', '/roles') }],
  'POST /roles': [
    {
      name: 'creates a role',
      expect: expecting(403, [201, ADMINS]),
      run: (x) =>
        send(x, 'POST', '/roles', {
          body: {
            key: unique('r'),
            name: 'r',
            policy: [{ effect: 'allow', actions: ['*'], resources: ['acct'] }],
          },
        }),
    },
  ],
  'GET /roles/{key}': [
    {
      name: 'views a role',
      expect: expecting(404, [200, VIEWERS]),
      run: (x) => send(x, 'GET', `/roles/${INVITER_ROLE}`),
    },
  ],
  'PATCH /roles/{key}': [
    {
      name: 'widens a role',
      expect: expecting(404, [200, ADMINS], [403, VIEWERS]),
      run: async (x) =>
        send(x, 'PATCH', `/roles/${await freshRole(x.w)}`, {
          body: [
            {
              op: 'replace',
              path: '/policy',
              value: [{ effect: 'allow', actions: ['*'], resources: ['acct'] }],
            },
          ],
        }),
    },
  ],
  'DELETE /roles/{key}': [
    {
      name: 'deletes a role',
      expect: expecting(404, [204, ADMINS], [403, VIEWERS]),
      run: async (x) => send(x, 'DELETE', `/roles/${await freshRole(x.w)}`),
    },
  ],
  'GET /projects': [{ name: 'lists projects', expect: () => 200, run: (x) => send(x, 'GET', '/projects') }],
  'POST /projects': [
    {
      name: 'creates a project',
      expect: expecting(403, [201, PROJECT_WRITERS]),
      run: (x) => send(x, 'POST', '/projects', { body: { key: unique('p'), name: 'P' } }),
    },
  ],
  'GET /projects/{projectKey}': [
    {
      name: 'views a project',
      expect: expecting(404, [200, PROJECT_VIEWERS]),
      run: (x) => send(x, 'GET', `/projects/${x.w.project}`),
    },
  ],
  'DELETE /projects/{projectKey}': [
    {
      name: 'deletes a project',
      expect: expecting(404, [204, PROJECT_WRITERS], [403, PROJECT_VIEWERS]),
      run: async (x) => send(x, 'DELETE', `/projects/${await freshProject(x.w)}`),
    },
  ],
  'GET /flags/{projectKey}': [
    {
      name: "lists a project's flags",
      expect: expecting(404, [200, PROJECT_VIEWERS]),
      run: (x) => send(x, 'GET', `/flags/${x.w.project}`),
    },
  ],
  'POST /flags/{projectKey}': [
    {
      name: 'creates a flag',
      expect: expecting(404, [201, PROJECT_WRITERS], [403, PROJECT_VIEWERS]),
      run: (x) => send(x, 'POST', `/flags/${x.w.project}`, { body: { key: unique('f'), name: 'F' } }),
    },
  ],
  'GET /flags/{projectKey}/{flagKey}': [
    {
      name: 'views a flag',
      expect: expecting(404, [200, PROJECT_VIEWERS]),
      run: (x) => send(x, 'GET', `/flags/${x.w.project}/${x.w.flag}`),
    },
  ],
  'PATCH /flags/{projectKey}/{flagKey}': [
    {
      name: 'turns a flag on in test',
      expect: expecting(404, [200, PROJECT_WRITERS], [403, PROJECT_VIEWERS]),
      run: async (x) =>
        send(x, 'PATCH', `/flags/${x.w.project}/${await freshFlag(x.w)}`, {
          body: [{ op: 'replace', path: '/environments/test/on', value: true }],
        }),
    },
  ],
  'DELETE /flags/{projectKey}/{flagKey}': [
    {
      name: 'deletes a flag',
      expect: expecting(404, [204, PROJECT_WRITERS], [403, PROJECT_VIEWERS]),
      run: async (x) => send(x, 'DELETE', `/flags/${x.w.project}/${await freshFlag(x.w)}`),
    },
  ],
  'GET /caller-identity': [
    {
      name: 'describes the calling token',
      expect: () => 200,
      run: async (x) => {
        const outcome = await send(x, 'GET', '/caller-identity');
        return withOutcome(outcome, async () => {
          const kind = SERVICE_KINDS.includes(x.c.kind as ValidKind) ? 'service' : 'personal';
          return outcome.reply.body?.tokenKind === kind ? undefined : `tokenKind is not ${kind}`;
        });
      },
    },
  ],
  'POST /caller-identity/check': [
    {
      name: 'checks an action',
      expect: () => 200,
      run: (x) =>
        send(x, 'POST', '/caller-identity/check', { body: { action: 'viewProject', resource: 'proj/x' } }),
    },
  ],
  'GET /openapi.json': [
    {
      name: 'serves the OpenAPI document to any caller (public: a credential is ignored)',
      expect: () => 200,
      run: (x) => send(x, 'GET', '/openapi.json'),
    },
  ],
};

// --- leaked-token reports --------------------------------------------------------------------------

const LEAK_REPORT_ANSWER = {
  message: 'Received: every live access token among the reported values is revoked',
};

const leakCases: Record<string, Case[]> = {
  'POST /tokens/leaked': [
    {
      name: 'revokes a reported live token, whatever credential comes with the report (none is needed)',
      // Every caller (at most ~30 reports in all: the in-process gateway limits each address to 100).
      callers: [...VALID_KINDS, 'noHeader', 'unknown'],
      expect: () => 202,
      run: async (x) => {
        const made = await x.w.api.post(x.w.owner, '/tokens', { name: unique('leaked'), role: 'reader' });
        const secret: string = made.body.token;
        const outcome = await send(x, 'POST', '/tokens/leaked', { body: { tokens: [secret] } });
        return withOutcome(outcome, async () => {
          const after = await identityOf(x.w, secret);
          if (after.status !== 401) return `the reported token still gets ${after.status}`;
          return JSON.stringify(outcome.reply.body) === JSON.stringify(LEAK_REPORT_ANSWER)
            ? undefined
            : `an answer unlike the one answer: ${JSON.stringify(outcome.reply.body)}`;
        });
      },
    },
    {
      name: 'answers the very same 202 when nothing reported is a live token',
      callers: ['noHeader', 'owner'],
      expect: () => 202,
      run: async (x) => {
        const outcome = await send(x, 'POST', '/tokens/leaked', {
          body: { tokens: ['hunter2', accessTokenFormat.generate(), inviteCodeFormat.generate()] },
        });
        return withOutcome(outcome, async () =>
          JSON.stringify(outcome.reply.body) === JSON.stringify(LEAK_REPORT_ANSWER)
            ? undefined
            : `an answer unlike the one answer: ${JSON.stringify(outcome.reply.body)}`,
        );
      },
    },
    {
      name: 'refuses a report that is not {tokens: [1 to 100 strings]}, naming the problem',
      callers: ['noHeader'],
      expect: () => 400,
      run: async (x) => {
        for (const body of [{ tokens: [] }, { tokens: 'atk_x' }, { values: ['x'] }]) {
          const outcome = await send(x, 'POST', '/tokens/leaked', { body });
          if (outcome.reply.status !== 400 || !/tokens|values/.test(outcome.reply.body?.message ?? ''))
            return outcome;
        }
        return send(x, 'POST', '/tokens/leaked', {
          body: { tokens: Array.from({ length: 101 }, () => 'x') },
        });
      },
    },
  ],
};

// --- the audit log ---------------------------------------------------------------------------------

/** `viewAuditLog` on `acct`: admins, the owner and an admin-scoped service token; `reader`'s `view*` does not reach `acct`. */
const auditCases: Record<string, Case[]> = {
  'GET /auditlog': [
    {
      name: 'lists the audit log',
      expect: expecting(403, [200, ADMINS]),
      run: (x) => send(x, 'GET', '/auditlog', { query: { limit: '1' } }),
    },
  ],
  'GET /auditlog/{id}': [
    {
      name: 'gets an audit log entry (one that does not exist: refused before it is looked for)',
      expect: expecting(403, [404, ADMINS]),
      run: (x) => send(x, 'GET', '/auditlog/0123456789abcdef01234567'),
    },
  ],
};

/**
 * The account's token policy: anyone in the account reads it (violations only among tokens they may
 * view); `updateTokenPolicy` on `acct` sets it: admins, the owner, an admin-scoped service token.
 * A policy that limits nothing is set, in an account of its own per success (isolated).
 */
const OPEN_POLICY = {
  maxLifetimeDays: null,
  requireExpiry: false,
  inactivityDays: null,
  serviceTokensAllowed: true,
};
const tokenPolicyCases: Record<string, Case[]> = {
  'GET /account/token-policy': [
    {
      name: 'reads the token policy',
      expect: () => 200,
      run: (x) => send(x, 'GET', '/account/token-policy'),
    },
  ],
  'PUT /account/token-policy': [
    {
      name: 'sets the token policy',
      caller: 'isolated',
      expect: expecting(403, [200, ADMINS]),
      run: (x) => send(x, 'PUT', '/account/token-policy', { body: OPEN_POLICY }),
    },
  ],
};

/** Route key → rows. A route of ROUTES without rows, or rows naming no route, fails the first test. */
const MATRIX: Record<string, readonly Case[]> = {
  ...tokenCases,
  ...memberCases,
  ...sessionCases,
  ...resourceCases,
  ...leakCases,
  ...auditCases,
  ...tokenPolicyCases,
};

const routeKey = (route: Route) => `${route.method} ${route.path.slice(API_BASE.length)}`;

/** Routes whose 2xx body carries a secret (a token value or an invitation code) by design. */
const SECRET_ROUTES = new Set([
  'POST /tokens',
  'POST /tokens/{id}/reset',
  'POST /tokens/{id}/clone',
  'POST /members',
  'POST /invitations/accept',
  'POST /sessions',
]);
const SECRET = /\b(atk|ati)_[0-9A-Za-z]{39}\b/g;

/** What every reply must satisfy whatever the row: error shape, the one 401, secrets only where due. */
function replyProblems(key: string, c: Caller, reply: Reply): string[] {
  const problems: string[] = [];
  if (reply.status >= 500) problems.push('a 5xx');
  if (reply.status >= 400) {
    const { code, message, id } = reply.body ?? {};
    if (typeof code !== 'string' || typeof message !== 'string' || typeof id !== 'string')
      problems.push('the error body is not {code, message, id}');
  }
  // Public routes whose body is the credential refuse it in their own words (the same for every refusal).
  const own401: Record<string, string> = {
    'POST /invitations/accept': 'Invalid invitation code',
    'POST /sessions': 'Invalid ID token',
  };
  if (reply.status === 401 && reply.body?.message !== (own401[key] ?? 'Invalid access token'))
    problems.push('a 401 unlike the one same 401');
  if (reply.status < 300 && reply.body !== undefined) {
    const text = JSON.stringify(reply.body);
    if (!SECRET_ROUTES.has(key) && SECRET.test(text)) problems.push('a secret in the body');
    SECRET.lastIndex = 0;
    const token = reply.body;
    if (
      key.startsWith('POST /tokens') &&
      typeof token?.token === 'string' &&
      token.token.length > 4 &&
      !token.serviceToken &&
      token.memberId !== c.memberId
    )
      problems.push(
        `a personal token's secret of member ${token.memberId} went to ${c.memberId ?? 'a service token'}`,
      );
  }
  return problems;
}

const redact = (value: unknown) =>
  JSON.stringify(value ?? null)
    .replace(SECRET, (s) => `${s.slice(0, 4)}…`)
    .slice(0, 240);

async function callerFor(kase: Case, kind: CallerKind, caseWorld?: World): Promise<Ctx> {
  if (kase.caller === 'isolated') {
    const w = caseWorld !== undefined && kase.expect(kind) >= 300 ? caseWorld : await buildWorld(api, true);
    if ((INVALID_KINDS as readonly string[]).includes(kind))
      throw new Error('isolated rows are for valid callers');
    return { w, c: await buildCaller(w, kind as ValidKind) };
  }
  if ((INVALID_KINDS as readonly string[]).includes(kind))
    return { w: world, c: invalid[kind as InvalidKind] };
  const valid = kind as ValidKind;
  const fresh = kase.caller === 'fresh' || (kase.own === true && needsFreshForOwnToken(valid));
  return { w: world, c: fresh ? await buildCaller(world, valid) : shared[valid] };
}

async function runRow(
  key: string,
  kase: Case,
  kind: CallerKind,
  caseWorld?: World,
): Promise<string | undefined> {
  let request = '(setup)';
  try {
    const x = await callerFor(kase, kind, caseWorld);
    const outcome = await kase.run(x);
    request = outcome.request;
    const expected = kase.expect(kind);
    const problems = replyProblems(key, x.c, outcome.reply);
    if (outcome.reply.status !== expected)
      problems.unshift(`got ${outcome.reply.status}, expected ${expected}`);
    const after = await outcome.verify?.();
    if (after !== undefined) problems.push(after);
    return problems.length === 0
      ? undefined
      : `${kind}: ${request} → ${problems.join('; ')}; body ${redact(outcome.reply.body)}`;
  } catch (error) {
    return `${kind}: ${request} → threw ${(error as Error).message}`;
  }
}

/** A request to each route with real ids, for the invalid-credential rows (the handler never runs). */
function placeholderRequest(route: Route): { method: string; path: string; body?: unknown } {
  const key = routeKey(route);
  const path = key
    .slice(key.indexOf(' ') + 1)
    .replace('{id}', route.function === 'tokens' ? world.ownerTokenId : world.peer.memberId)
    .replace('{key}', INVITER_ROLE)
    .replace('{projectKey}', world.project)
    .replace('{flagKey}', world.flag);
  const body =
    route.method === 'PATCH'
      ? [{ op: 'replace', path: '/name', value: 'x' }]
      : route.method === 'POST'
        ? key === 'POST /members'
          ? [{ email: 'x@example.com', role: 'admin' }]
          : { name: 'x', role: 'admin', key: 'x', action: 'viewProject', resource: 'proj/x' }
        : undefined;
  return { method: route.method, path, ...(body !== undefined ? { body } : {}) };
}

describe('the authorization matrix', () => {
  it('has rows for every route of the route table, and only for those', () => {
    const keys = ROUTES.map(routeKey);
    expect(keys.filter((k) => (MATRIX[k] ?? []).length === 0)).toEqual([]);
    expect(Object.keys(MATRIX).filter((k) => !keys.includes(k))).toEqual([]);
    const rows = Object.values(MATRIX)
      .flat()
      .reduce((n, c) => n + (c.callers ?? VALID_KINDS).length, 0);
    const invalidRows = ROUTES.filter((r) => !r.public).length * INVALID_KINDS.length;
    console.info(
      `${rows} rows of valid callers and ${invalidRows} of invalid ones over ${keys.length} routes`,
    );
    for (const key of keys) {
      const covered = new Set((MATRIX[key] ?? []).flatMap((c) => c.callers ?? VALID_KINDS));
      expect(
        VALID_KINDS.filter((k) => !covered.has(k)),
        `${key}: callers without a row`,
      ).toEqual([]);
    }
  });

  for (const route of ROUTES) {
    const key = routeKey(route);
    describe(key, () => {
      for (const kase of MATRIX[key] ?? []) {
        it(kase.name, async () => {
          const kinds = kase.callers ?? VALID_KINDS;
          const caseWorld = kase.caller === 'isolated' ? await buildWorld(api, true) : undefined;
          const rows = await inPool(
            8,
            kinds.map((kind) => () => runRow(key, kase, kind, caseWorld)),
          );
          expect(rows.filter((r) => r !== undefined)).toEqual([]);
        }, 60_000);
      }
      if (!route.public) {
        it('is the one same 401 for every invalid credential, before any handler runs', async () => {
          const request = placeholderRequest(route);
          const rows = await inPool(
            8,
            INVALID_KINDS.map((kind) => async () => {
              const reply = await api.call(invalid[kind].token, request.method, request.path, {
                ...(request.body !== undefined ? { body: request.body } : {}),
              });
              const ok =
                reply.status === 401 &&
                reply.body?.code === 'unauthorized' &&
                reply.body?.message === 'Invalid access token';
              return ok
                ? undefined
                : `${kind}: ${request.method} ${request.path} → ${reply.status} ${redact(reply.body)}`;
            }),
          );
          expect(rows.filter((r) => r !== undefined)).toEqual([]);
        });
      }
    });
  }
});
