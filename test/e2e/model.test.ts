import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Api, newAccount, type Reply } from '../support/api.js';
import {
  type BuiltIn,
  INVITER,
  memberAllows,
  NO_BASE,
  type Pair,
  RANK,
  type Scope,
  samplePairs,
  scopeAllows,
  scopeBody,
  withinOnSample,
} from '../support/permission-model.js';

/**
 * Model-based: random sequences of token and member operations by random actors (members, their
 * weaker tokens, service tokens) against the in-process gateway on DynamoDB Local, with a model of
 * who holds which secret. After every step: (a) no secret reaches anyone but its member, and none
 * is handed out twice; (b) no token can do what its member (or, for service tokens, its scope)
 * cannot, and every token the model holds live works while every dead one is a 401; (c) exactly
 * one owner, changed only with the owner's credential; (d) a removed member's tokens are 401;
 * (e) no 5xx. Commands may be refused: whatever the rules refuse is fine, but a success that the
 * rules forbid fails the run.
 */

// About authorization, not latency: DynamoDB Local on a loaded 2-core machine may exceed the bound.
process.env.DYNAMODB_TIMEOUT_MS ??= '10000';

interface MemberM {
  readonly id: string;
  role: BuiltIn;
  customRoles: string[];
  removed: boolean;
}

interface TokenM {
  readonly id: string;
  secret: string;
  /** The owner (personal) or creator (service). */
  readonly memberId: string;
  readonly service: boolean;
  scope: Scope;
  live: boolean;
}

interface Model {
  ownerId: string;
  readonly members: Map<string, MemberM>;
  readonly tokens: Map<string, TokenM>;
  /** Every secret (token value or invitation code) ever handed out. */
  readonly seen: Set<string>;
  /** Secrets that must be 401 now. */
  readonly dead: string[];
  readonly invites: { code: string; memberId: string }[];
  step: number;
  readonly stats: Record<string, number>;
}

interface Real {
  readonly api: Api;
  /** An admin service token outside the model's commands, to read members for the invariants. */
  readonly observer: string;
}

const api = new Api();
const SECRET = /\b(atk|ati)_[0-9A-Za-z]{39}\b/g;
const SECRET_CALLS = /^POST \/(tokens(\/[^/]+\/(reset|clone))?|members|invitations\/accept)$/;

class Violation extends Error {}

const fail = (message: string): never => {
  throw new Violation(message);
};

// --- the model's view of actors and their rights --------------------------------------------------

const liveTokens = (m: Model) => [...m.tokens.values()].filter((t) => t.live);
const liveMembers = (m: Model) => [...m.members.values()].filter((x) => !x.removed);
const pick = <T>(items: readonly T[], index: number): T | undefined =>
  items.length === 0 ? undefined : items[index % items.length];

function otherMember(m: Model, self: string | null): string {
  return liveMembers(m).find((x) => x.id !== self && x.id !== m.ownerId)?.id ?? 'nobody';
}

function pairsFor(m: Model, self: string | null): Pair[] {
  return samplePairs(self, otherMember(m, self), m.ownerId);
}

/** What a token may do now, per the model: its scope AND (personal) its member. */
function tokenAllows(m: Model, t: TokenM, pair: Pair): boolean {
  if (!scopeAllows(t.scope, pair, t.service)) return false;
  if (t.service) return true;
  const member = m.members.get(t.memberId)!;
  return memberAllows(member, pair);
}

/** Whether a scope given to a token of `self` stays within what `actor` may do (on the sample). */
function scopeWithinActor(m: Model, actor: TokenM, scope: Scope, service: boolean): boolean {
  const self = service ? null : actor.memberId;
  const pairs = pairsFor(m, self);
  return withinOnSample(
    pairs,
    (p) => scopeAllows(scope, p, service),
    (p) => tokenAllows(m, actor, p),
  );
}

/** Whether a member grant, as if `actor`'s member held it, stays within what `actor` may do. */
function grantWithinActor(m: Model, actor: TokenM, grant: { role: BuiltIn; customRoles: string[] }) {
  const pairs = pairsFor(m, actor.service ? null : actor.memberId);
  return withinOnSample(
    pairs,
    (p) => memberAllows(grant, p),
    (p) => tokenAllows(m, actor, p),
  );
}

const mayManageServiceTokens = (m: Model, actor: TokenM) =>
  tokenAllows(m, actor, pairsFor(m, null).find((p) => p.cls === 'serviceToken')!);

/** Below admin: neither admin nor owner, or holding custom roles (which then replace the role). */
const belowAdmin = (member: MemberM) => member.customRoles.length > 0 || RANK[member.role] < RANK.admin;

/**
 * The token a command acts on: with `own`, one of the actor's own member's tokens (service tokens
 * for a service token), so that the operations that only a token's own member may do happen too.
 */
function targetOf(m: Model, actor: TokenM, index: number, own: boolean): TokenM {
  const live = liveTokens(m);
  const mine = live.filter((t) => (actor.service ? t.service : !t.service && t.memberId === actor.memberId));
  return pick(own && mine.length > 0 ? mine : live, index)!;
}

const isOwnerCredential = (m: Model, actor: TokenM) => !actor.service && actor.memberId === m.ownerId;

// --- calls, with invariants (a) and (e) on every reply --------------------------------------------

async function call(
  m: Model,
  r: Real,
  actor: TokenM | null,
  method: string,
  path: string,
  options: { body?: unknown; query?: Record<string, string> } = {},
): Promise<Reply> {
  const reply = await r.api.call(actor?.secret ?? null, method, path, options);
  const request = `${method} ${path} ${JSON.stringify(options.body ?? null)}`;
  if (reply.status >= 500) fail(`(e) ${request} → ${reply.status} ${JSON.stringify(reply.body)}`);
  const found = JSON.stringify(reply.body ?? null).match(SECRET) ?? [];
  if (found.length > 0) {
    if (!SECRET_CALLS.test(`${method} ${path}`) || reply.status >= 300)
      fail(`(a) ${request} → ${reply.status} returned a secret`);
    for (const secret of found) {
      if (m.seen.has(secret)) fail(`(a) ${request} returned a secret seen before`);
      m.seen.add(secret);
    }
  }
  return reply;
}

/** (a) for a reply that hands out a token: to its own member, or a service token to an admin. */
function checkSecretHolder(m: Model, actor: TokenM, token: any, request: string) {
  if (token.serviceToken) {
    if (!mayManageServiceTokens(m, actor))
      fail(`(a) ${request}: a service token's secret went to ${actor.id}`);
  } else if (actor.service || token.memberId !== actor.memberId) {
    fail(`(a) ${request}: member ${token.memberId}'s secret went to a credential of ${actor.memberId}`);
  }
}

function addToken(m: Model, body: any, scope: Scope) {
  m.tokens.set(body._id, {
    id: body._id,
    secret: body.token,
    memberId: body.memberId,
    service: body.serviceToken === true,
    scope,
    live: true,
  });
}

function kill(m: Model, t: TokenM) {
  t.live = false;
  m.dead.push(t.secret);
}

const count = (m: Model, what: string) => {
  m.stats[what] = (m.stats[what] ?? 0) + 1;
};

// --- invariants after every step: (b), (c), (d) --------------------------------------------------

async function checkInvariants(m: Model, r: Real, touched: Set<string>) {
  m.step++;
  const live = liveTokens(m);
  const rotating = [0, 1].map((i) => pick(live, m.step * 2 + i)).filter((t) => t !== undefined);
  const chosen = new Set([...live.filter((t) => touched.has(t.memberId)).slice(0, 6), ...rotating]);
  for (const [i, t] of [...chosen].entries()) {
    const pairs = pairsFor(m, t.service ? null : t.memberId);
    const pair = pairs[(m.step + i) % pairs.length]!;
    const reply = await call(m, r, t, 'POST', '/caller-identity/check', {
      body: { action: pair.action, resource: pair.resource },
    });
    if (reply.status !== 200) fail(`(b) live token ${t.id} got ${reply.status}`);
    const expected = tokenAllows(m, t, pair);
    if (reply.body.allowed && !expected)
      fail(
        `(b) token ${t.id} ${JSON.stringify(t.scope)} may ${pair.action} on ${pair.resource}; its member may not`,
      );
    if (!reply.body.allowed && expected)
      fail(`model drift: token ${t.id} may not ${pair.action} on ${pair.resource}: ${reply.body.reason}`);
  }
  const dead = pick(m.dead, m.step);
  if (dead !== undefined) {
    const reply = await r.api.get(dead, '/caller-identity');
    if (reply.status !== 401) fail(`(d) a dead secret got ${reply.status}`);
  }
  const members: any[] = (await r.api.get(r.observer, '/members', { limit: '1000' })).body.items;
  const owners = members.filter((x) => x.role === 'owner').map((x) => x._id);
  if (owners.length !== 1 || owners[0] !== m.ownerId)
    fail(`(c) owners are ${JSON.stringify(owners)}, the model's owner is ${m.ownerId}`);
  const ids = new Set(members.map((x) => x._id));
  for (const x of liveMembers(m)) if (!ids.has(x.id)) fail(`model drift: member ${x.id} is gone`);
  for (const x of members) {
    const known = m.members.get(x._id);
    if (known === undefined || known.removed) fail(`model drift: unexpected member ${x._id}`);
    const [real, model] = [
      JSON.stringify([x.role, x.customRoles]),
      JSON.stringify([known!.role, known!.customRoles]),
    ];
    if (real !== model) fail(`model drift: member ${x._id} is ${real}, the model says ${model}`);
  }
}

// --- commands ------------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Model, Real>;

abstract class Step implements Cmd {
  abstract readonly label: string;
  check(m: Readonly<Model>) {
    return liveTokens(m as Model).length > 0;
  }
  abstract act(m: Model, r: Real): Promise<Set<string>>;
  async run(m: Model, r: Real) {
    const touched = await this.act(m, r);
    await checkInvariants(m, r, touched);
  }
  toString() {
    return this.label;
  }
}

const SCOPES: Scope[] = [
  { role: 'reader' },
  { role: 'writer' },
  { role: 'admin' },
  { customRoleIds: [INVITER] },
  { inline: 'view' },
  { inline: 'star' },
];
const scopeArb = fc.constantFrom(...SCOPES);

class CreateToken extends Step {
  constructor(
    readonly actor: number,
    readonly scope: Scope,
    readonly service: boolean,
  ) {
    super();
  }
  get label() {
    return `create(${this.actor}, ${JSON.stringify(this.scope)}, service=${this.service})`;
  }
  async act(m: Model, r: Real) {
    const actor = pick(liveTokens(m), this.actor)!;
    const body = { name: 'made', ...scopeBody(this.scope), ...(this.service ? { serviceToken: true } : {}) };
    const reply = await call(m, r, actor, 'POST', '/tokens', { body });
    const request = `${actor.id} POST /tokens ${JSON.stringify(body)}`;
    if (reply.status === 201) {
      count(m, 'create');
      checkSecretHolder(m, actor, reply.body, request);
      if (!this.service && actor.service) fail(`${request}: a service token created a personal token`);
      if (!scopeWithinActor(m, actor, this.scope, this.service))
        fail(`${request}: the new token is not within its creator's credential`);
      addToken(m, reply.body, this.scope);
    }
    return new Set([actor.memberId]);
  }
}

class CloneToken extends Step {
  constructor(
    readonly actor: number,
    readonly target: number,
    readonly own: boolean,
  ) {
    super();
  }
  get label() {
    return `clone(${this.actor}, ${this.own ? 'own ' : ''}${this.target})`;
  }
  async act(m: Model, r: Real) {
    const actor = pick(liveTokens(m), this.actor)!;
    const target = targetOf(m, actor, this.target, this.own);
    const reply = await call(m, r, actor, 'POST', `/tokens/${target.id}/clone`, { body: { name: 'clone' } });
    const request = `${actor.id} POST /tokens/${target.id}/clone`;
    if (reply.status === 201) {
      count(m, 'clone');
      checkSecretHolder(m, actor, reply.body, request);
      if (!scopeWithinActor(m, actor, target.scope, target.service))
        fail(`${request}: the clone is not within the cloning credential`);
      addToken(m, reply.body, target.scope);
    }
    return new Set([actor.memberId]);
  }
}

class ResetToken extends Step {
  constructor(
    readonly actor: number,
    readonly target: number,
    readonly own: boolean,
  ) {
    super();
  }
  get label() {
    return `reset(${this.actor}, ${this.own ? 'own ' : ''}${this.target})`;
  }
  async act(m: Model, r: Real) {
    const actor = pick(liveTokens(m), this.actor)!;
    const target = targetOf(m, actor, this.target, this.own);
    const reply = await call(m, r, actor, 'POST', `/tokens/${target.id}/reset`);
    const request = `${actor.id} POST /tokens/${target.id}/reset`;
    if (reply.status === 200) {
      count(m, 'reset');
      checkSecretHolder(m, actor, reply.body, request);
      if (!scopeWithinActor(m, actor, target.scope, target.service))
        fail(`${request}: reset a token beyond the resetting credential`);
      m.dead.push(target.secret);
      target.secret = reply.body.token;
      // A token that resets itself goes on with its new secret.
    }
    return new Set([actor.memberId, target.memberId]);
  }
}

class PatchToken extends Step {
  constructor(
    readonly actor: number,
    readonly target: number,
    readonly own: boolean,
    readonly scope: Scope | null,
  ) {
    super();
  }
  get label() {
    return `patch(${this.actor}, ${this.own ? 'own ' : ''}${this.target}, ${this.scope ? JSON.stringify(this.scope) : 'rename'})`;
  }
  async act(m: Model, r: Real) {
    const actor = pick(liveTokens(m), this.actor)!;
    const target = targetOf(m, actor, this.target, this.own);
    const ops: unknown[] = [{ op: 'replace', path: '/name', value: `renamed ${m.step}` }];
    if (this.scope !== null) {
      const next = scopeBody(this.scope);
      const had = scopeBody(target.scope);
      if ('role' in had && !('role' in next)) ops.push({ op: 'remove', path: '/role' });
      for (const field of ['customRoleIds', 'inlineRole'])
        if (field in had && !(field in next)) ops.push({ op: 'replace', path: `/${field}`, value: [] });
      for (const [field, value] of Object.entries(next))
        ops.push({ op: field === 'role' && !('role' in had) ? 'add' : 'replace', path: `/${field}`, value });
    }
    const reply = await call(m, r, actor, 'PATCH', `/tokens/${target.id}`, { body: ops });
    const request = `${actor.id} PATCH /tokens/${target.id} ${JSON.stringify(ops)}`;
    if (reply.status === 200 && this.scope !== null) {
      count(m, 'rescope');
      if (target.service) fail(`${request}: a service token was rescoped`);
      if (!scopeWithinActor(m, actor, this.scope, false) && actor.memberId === target.memberId)
        fail(`${request}: rescoped beyond the rescoping credential`);
      const holder = m.members.get(target.memberId)!;
      const within = withinOnSample(
        pairsFor(m, target.memberId),
        (p) => scopeAllows(this.scope!, p, false),
        (p) => memberAllows(holder, p),
      );
      if (!within && belowAdmin(holder)) fail(`${request}: rescoped beyond the token's member`);
      target.scope = this.scope;
    }
    return new Set([actor.memberId, target.memberId]);
  }
}

class DeleteToken extends Step {
  constructor(
    readonly actor: number,
    readonly target: number,
    readonly own: boolean,
  ) {
    super();
  }
  get label() {
    return `delete(${this.actor}, ${this.own ? 'own ' : ''}${this.target})`;
  }
  async act(m: Model, r: Real) {
    const actor = pick(liveTokens(m), this.actor)!;
    const target = targetOf(m, actor, this.target, this.own);
    const reply = await call(m, r, actor, 'DELETE', `/tokens/${target.id}`);
    if (reply.status === 204) {
      count(m, 'delete');
      kill(m, target);
    }
    return new Set([actor.memberId, target.memberId]);
  }
}

type Grant = { role: BuiltIn; customRoles: string[] };

const GRANTS: Grant[] = [
  { role: 'reader', customRoles: [] },
  { role: 'writer', customRoles: [] },
  { role: 'admin', customRoles: [] },
  { role: 'no_access', customRoles: [] },
  { role: 'no_access', customRoles: [INVITER] },
  { role: 'no_access', customRoles: [NO_BASE] },
];
const grantArb = fc.constantFrom(...GRANTS);

class Invite extends Step {
  constructor(
    readonly actor: number,
    readonly grant: { role: BuiltIn; customRoles: string[] },
    readonly accept: boolean,
  ) {
    super();
  }
  get label() {
    return `invite(${this.actor}, ${JSON.stringify(this.grant)}, accept=${this.accept})`;
  }
  async act(m: Model, r: Real) {
    const actor = pick(liveTokens(m), this.actor)!;
    const entry = { email: `m${m.step}-${Math.random().toString(36).slice(2)}@example.com`, ...this.grant };
    const reply = await call(m, r, actor, 'POST', '/members', { body: [entry] });
    const request = `${actor.id} POST /members ${JSON.stringify([entry])}`;
    if (reply.status === 201) {
      count(m, 'invite');
      if (!grantWithinActor(m, actor, this.grant))
        fail(`${request}: the invitation grants beyond the granter`);
      const invited = reply.body.items[0];
      m.members.set(invited._id, { id: invited._id, ...this.grant, removed: false });
      m.invites.push({ code: invited._inviteCode, memberId: invited._id });
    }
    if (this.accept) await acceptPending(m, r);
    return new Set([actor.memberId]);
  }
}

/** Accepts the oldest pending invitation: the invitee's first token, theirs alone. */
async function acceptPending(m: Model, r: Real) {
  const pending = m.invites.shift();
  if (pending === undefined) return;
  const member = m.members.get(pending.memberId)!;
  const reply = await call(m, r, null, 'POST', '/invitations/accept', { body: { code: pending.code } });
  if (member.removed) {
    if (reply.status !== 401) fail(`(d) a removed member's invitation was accepted: ${reply.status}`);
    return;
  }
  if (reply.status !== 201)
    fail(`accepting an invitation gave ${reply.status} ${JSON.stringify(reply.body)}`);
  count(m, 'accept');
  const token = reply.body.token;
  if (token.memberId !== member.id)
    fail(`(a) accepting ${member.id}'s invitation gave ${token.memberId}'s token`);
  const scope: Scope =
    member.customRoles.length > 0
      ? { customRoleIds: member.customRoles }
      : { role: member.role === 'writer' || member.role === 'admin' ? member.role : 'reader' };
  addToken(m, token, scope);
}

class Accept extends Step {
  readonly label = 'accept';
  override check(m: Readonly<Model>) {
    return m.invites.length > 0;
  }
  async act(m: Model, r: Real) {
    await acceptPending(m, r);
    return new Set<string>();
  }
}

class ChangeMember extends Step {
  constructor(
    readonly actor: number,
    readonly target: number,
    readonly requested: { role: BuiltIn; customRoles: string[] },
    /** Through LaunchDarkly's bulk update (`PATCH /members`, one instruction) instead of the member's PATCH. */
    readonly bulk = false,
  ) {
    super();
  }
  get label() {
    return `changeMember${this.bulk ? 'InBulk' : ''}(${this.actor}, ${this.target}, ${JSON.stringify(this.requested)})`;
  }
  protected actorOf(m: Model): TokenM {
    return pick(liveTokens(m), this.actor)!;
  }
  async act(m: Model, r: Real) {
    const actor = this.actorOf(m);
    const target = pick(liveMembers(m), this.target)!;
    // In bulk, one instruction: a role (which also clears custom roles), or custom roles (which keep the role).
    const grant =
      this.bulk && this.requested.role !== 'owner' && this.requested.customRoles.length > 0
        ? { role: target.role, customRoles: this.requested.customRoles }
        : this.bulk
          ? { role: this.requested.role, customRoles: [] }
          : this.requested;
    let reply: Awaited<ReturnType<typeof call>>;
    let request: string;
    if (this.bulk) {
      const instruction =
        grant.customRoles.length > 0
          ? { kind: 'replaceMembersCustomRoles', values: grant.customRoles, memberIDs: [target.id] }
          : { kind: 'replaceMembersRoles', value: grant.role, memberIDs: [target.id] };
      const body = { instructions: [instruction] };
      const bulk = await call(m, r, actor, 'PATCH', '/members', { body });
      request = `${actor.id} PATCH /members ${JSON.stringify(body)}`;
      // The member's own outcome: changed (200) or refused (reported in `errors`).
      const done = bulk.status === 200 && bulk.body?.members?.includes(target.id);
      reply = { ...bulk, status: done ? 200 : bulk.status === 200 ? 403 : bulk.status };
    } else {
      const ops =
        grant.role === 'owner'
          ? [{ op: 'replace', path: '/role', value: 'owner' }]
          : [
              { op: 'replace', path: '/role', value: grant.role },
              { op: 'replace', path: '/customRoles', value: grant.customRoles },
            ];
      reply = await call(m, r, actor, 'PATCH', `/members/${target.id}`, { body: ops });
      request = `${actor.id} PATCH /members/${target.id} ${JSON.stringify(ops)}`;
    }
    if (reply.status === 200) {
      const changed =
        target.role !== grant.role ||
        (grant.role !== 'owner' && JSON.stringify(target.customRoles) !== JSON.stringify(grant.customRoles));
      if (changed && target.id === m.ownerId) fail(`(c) ${request}: the owner was demoted`);
      if (grant.role === 'owner' && target.id !== m.ownerId) {
        count(m, 'transfer');
        if (!isOwnerCredential(m, actor))
          fail(`(c) ${request}: ownership moved without the owner's credential`);
        m.members.get(m.ownerId)!.role = 'admin';
        m.ownerId = target.id;
        target.role = 'owner';
        target.customRoles = [];
      } else if (changed) {
        count(m, this.bulk ? 'bulkChangeMember' : 'changeMember');
        if (!isOwnerCredential(m, actor) && !grantWithinActor(m, actor, grant))
          fail(`${request}: the change grants beyond the granter`);
        target.role = grant.role;
        target.customRoles = [...grant.customRoles];
      }
    }
    return new Set([actor.memberId, target.id]);
  }
}

/** Ownership handed on, half the time with one of the owner's own tokens (weak ones included). */
class TransferOwnership extends ChangeMember {
  constructor(
    actor: number,
    target: number,
    readonly byOwner: boolean,
  ) {
    super(actor, target, { role: 'owner', customRoles: [] });
  }
  override get label() {
    return `transferOwnership(${this.byOwner ? "owner's " : ''}${this.actor}, ${this.target})`;
  }
  protected override actorOf(m: Model): TokenM {
    const owners = liveTokens(m).filter((t) => !t.service && t.memberId === m.ownerId);
    return pick(this.byOwner && owners.length > 0 ? owners : liveTokens(m), this.actor)!;
  }
}

class RemoveMember extends Step {
  constructor(
    readonly actor: number,
    readonly target: number,
  ) {
    super();
  }
  get label() {
    return `removeMember(${this.actor}, ${this.target})`;
  }
  async act(m: Model, r: Real) {
    const actor = pick(liveTokens(m), this.actor)!;
    const target = pick(liveMembers(m), this.target)!;
    const reply = await call(m, r, actor, 'DELETE', `/members/${target.id}`);
    if (reply.status === 204) {
      count(m, 'remove');
      if (target.id === m.ownerId) fail(`(c) ${actor.id} removed the owner`);
      target.removed = true;
      const theirs = [...m.tokens.values()].filter((t) => t.live && !t.service && t.memberId === target.id);
      for (const t of theirs) {
        kill(m, t);
        const after = await r.api.get(t.secret, '/caller-identity');
        if (after.status !== 401) fail(`(d) a removed member's token got ${after.status}`);
      }
    }
    return new Set([actor.memberId]);
  }
}

const actorArb = fc.nat(1000);

const commands = [
  fc.tuple(actorArb, scopeArb, fc.boolean()).map(([a, s, svc]) => new CreateToken(a, s, svc)),
  fc.tuple(actorArb, actorArb, fc.boolean()).map(([a, t, own]) => new CloneToken(a, t, own)),
  fc.tuple(actorArb, actorArb, fc.boolean()).map(([a, t, own]) => new ResetToken(a, t, own)),
  fc
    .tuple(actorArb, actorArb, fc.boolean(), fc.option(scopeArb, { freq: 2 }))
    .map(([a, t, own, s]) => new PatchToken(a, t, own, s)),
  fc.tuple(actorArb, actorArb, fc.boolean()).map(([a, t, own]) => new DeleteToken(a, t, own)),
  fc.tuple(actorArb, grantArb, fc.boolean()).map(([a, g, acc]) => new Invite(a, g, acc)),
  fc.constant(new Accept()),
  // One of the two member-change commands goes through LaunchDarkly's bulk update, under the same rules.
  ...[false, true].map((bulk) =>
    fc.tuple(actorArb, actorArb, grantArb).map(([a, t, g]) => new ChangeMember(a, t, g, bulk)),
  ),
  fc.tuple(actorArb, actorArb, fc.boolean()).map(([a, t, byOwner]) => new TransferOwnership(a, t, byOwner)),
  fc.tuple(actorArb, actorArb).map(([a, t]) => new RemoveMember(a, t)),
];

/** A fresh account: the owner, an admin, a writer, a reader, an admin's reader token, a reader service token. */
async function setup(): Promise<{ model: Model; real: Real }> {
  const account = await newAccount();
  const owner = account.ownerToken;
  for (const [key, basePermissions] of [
    [INVITER, 'reader'],
    [NO_BASE, 'no_access'],
  ] as const) {
    const reply = await api.post(owner, '/roles', {
      key,
      name: key,
      basePermissions,
      policy: [{ effect: 'allow', actions: ['createMember'], resources: ['member/*'] }],
    });
    if (reply.status !== 201) throw new Error(`setup: role ${reply.status}`);
  }
  const observer = await api.post(owner, '/tokens', { name: 'observer', role: 'admin', serviceToken: true });
  const me = (await api.get(owner, '/caller-identity')).body;
  const model: Model = {
    ownerId: account.ownerId,
    members: new Map([
      [account.ownerId, { id: account.ownerId, role: 'owner', customRoles: [], removed: false }],
    ]),
    tokens: new Map([
      [
        me.tokenId,
        {
          id: me.tokenId,
          secret: owner,
          memberId: account.ownerId,
          service: false,
          scope: { role: 'admin' },
          live: true,
        },
      ],
    ]),
    seen: new Set([owner, observer.body.token]),
    dead: [],
    invites: [],
    step: 0,
    stats: {},
  };
  const real: Real = { api, observer: observer.body.token };
  const ownerToken = model.tokens.get(me.tokenId)!;
  for (const grant of GRANTS.slice(0, 3)) await new Invite(0, grant, true).act(model, real);
  const admin = liveTokens(model).find((t) => model.members.get(t.memberId)?.role === 'admin')!;
  await new CreateToken(liveTokens(model).indexOf(admin), { role: 'reader' }, false).act(model, real);
  await new CreateToken(liveTokens(model).indexOf(ownerToken), { role: 'reader' }, true).act(model, real);
  return { model, real };
}

describe('the token system as a state machine', () => {
  it('keeps secrets, ownership and permissions within bounds under random operations', async () => {
    const totals: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25, size: 'max' }), async (cmds) => {
        const { model, real } = await setup();
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        for (const [k, v] of Object.entries(model.stats)) totals[k] = (totals[k] ?? 0) + v;
      }),
      { numRuns: 8, seed: 20_261_129, endOnFailure: true },
    );
    // The operations really happened, not just their refusals.
    console.info('successful operations over all runs:', JSON.stringify(totals));
    for (const what of [
      'create',
      'clone',
      'reset',
      'rescope',
      'delete',
      'invite',
      'accept',
      'changeMember',
      'bulkChangeMember',
      'transfer',
    ])
      expect(totals[what] ?? 0, `successful ${what}`).toBeGreaterThan(0);
  }, 120_000);
});
