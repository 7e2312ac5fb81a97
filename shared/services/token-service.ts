import { type MemberRecord, memberRepo } from '../data/member-repo.js';
import { type TokenRecord, tokenRepo } from '../data/token-repo.js';
import { type Resource, resources } from '../domain/resource.js';
import { accessTokenFormat, hashSecret, newId, obscure } from '../domain/token-format.js';
import { forbidden, invalid, notFound } from '../http/errors.js';
import { applyJsonPatch } from '../http/json-patch.js';
import { type Page, paginate, paginationSchema } from '../http/pagination.js';
import { API_BASE } from '../http/routes.js';
import { parseInput } from '../http/validation.js';
import {
  cloneTokenSchema,
  createTokenSchema,
  editableTokenSchema,
  listTokensQuerySchema,
  resetQuerySchema,
  scopeOf,
} from '../schemas/token.js';
import { ensureAllowed, ensureVisible } from './authorize.js';
import { ensureMayIssue, type Holder } from './grant-rules.js';
import type { Principal } from './principal.js';

export interface TokenView {
  readonly _id: string;
  readonly name: string;
  readonly description?: string;
  readonly memberId: string;
  readonly _member?: { readonly _id: string; readonly email: string; readonly role: string };
  readonly role?: string;
  readonly customRoleIds: readonly string[];
  readonly inlineRole: readonly unknown[];
  readonly serviceToken: boolean;
  readonly creationDate: number;
  readonly lastModified: number;
  readonly lastUsed?: number;
  readonly expiresAt?: number;
  /** The full value once (create, reset, clone, accept); the last four characters otherwise. */
  readonly token: string;
  readonly _links: { readonly self: { readonly href: string; readonly type: 'application/json' } };
}

export function tokenView(token: TokenRecord, member?: MemberRecord, secret?: string): TokenView {
  const { scope } = token;
  return {
    _id: token.tokenId,
    name: token.name,
    ...(token.description !== undefined ? { description: token.description } : {}),
    memberId: token.memberId,
    ...(member ? { _member: { _id: member.memberId, email: member.email, role: member.role } } : {}),
    ...(scope.kind === 'role' ? { role: scope.role } : {}),
    customRoleIds: scope.kind === 'customRoles' ? scope.roleKeys : [],
    inlineRole: scope.kind === 'inline' ? scope.policy : [],
    serviceToken: token.serviceToken,
    creationDate: token.creationDate,
    lastModified: token.lastModified,
    ...(token.lastUsed !== undefined ? { lastUsed: token.lastUsed } : {}),
    ...(token.expiresAt !== undefined ? { expiresAt: token.expiresAt } : {}),
    token: secret ?? token.last4,
    _links: { self: { href: `${API_BASE}/tokens/${token.tokenId}`, type: 'application/json' } },
  };
}

export function tokenResource(token: Pick<TokenRecord, 'tokenId' | 'memberId' | 'serviceToken'>): Resource {
  return token.serviceToken
    ? resources.serviceToken(token.tokenId)
    : resources.personalToken(token.memberId, token.tokenId);
}

/** The caller's own member as a token holder; null for a service token (it has no member). */
function callerAsHolder(principal: Principal): Holder | null {
  return principal.member === null ? null : { memberId: principal.memberId, ...principal.member };
}

function ensureFuture(expiresAt: number | undefined | null, now: number): void {
  if (expiresAt !== undefined && expiresAt !== null && expiresAt <= now)
    throw invalid('expiresAt: must be in the future');
}

/** Where a new token would live, for the createAccessToken check. */
function ensureMayCreate(principal: Principal, serviceToken: boolean): void {
  if (serviceToken) {
    ensureAllowed(principal, 'createAccessToken', resources.serviceToken('*'));
  } else {
    if (principal.serviceToken) throw forbidden('a service token cannot create personal tokens');
    ensureAllowed(principal, 'createAccessToken', resources.personalToken(principal.memberId, '*'));
  }
}

async function issue(
  principal: Principal,
  fields: Omit<
    TokenRecord,
    'accountId' | 'tokenId' | 'memberId' | 'creationDate' | 'lastModified' | 'last4' | 'hash' | 'version'
  >,
) {
  const now = Date.now();
  const secret = accessTokenFormat.generate();
  const token: TokenRecord = {
    ...fields,
    accountId: principal.accountId,
    tokenId: newId(),
    memberId: principal.memberId,
    creationDate: now,
    lastModified: now,
    last4: obscure(secret),
    hash: hashSecret(secret),
    version: 1,
  };
  await tokenRepo.create(token);
  return { token, secret };
}

/**
 * An expired token is gone, though its item lives until the expiry sweep removes it: it is neither
 * listed nor found, so no PATCH of `expiresAt` or reset can bring its secret back.
 */
const isExpired = (token: TokenRecord, now = Date.now()) =>
  token.expiresAt !== undefined && token.expiresAt <= now;

async function findVisible(principal: Principal, tokenId: string): Promise<TokenRecord> {
  const token = await tokenRepo.get(principal.accountId, tokenId, true);
  if (token === undefined || isExpired(token)) throw notFound('token');
  ensureVisible(principal, 'viewAccessToken', tokenResource(token), 'token');
  return token;
}

const memberOf = (token: TokenRecord) => memberRepo.get(token.accountId, token.memberId);

export async function listTokens(
  principal: Principal,
  query: Record<string, string>,
): Promise<Page<TokenView>> {
  const { showAll } = parseInput(listTokensQuerySchema, query);
  const page = parseInput(paginationSchema, query);
  if (showAll === 'true') ensureAllowed(principal, 'viewAccessToken', resources.personalToken('*', '*'));
  const [tokens, members] = await Promise.all([
    tokenRepo.listByAccount(principal.accountId),
    memberRepo.list(principal.accountId),
  ]);
  const byId = new Map(members.map((m) => [m.memberId, m]));
  const visible = tokens
    // A service token has no personal tokens: its memberId is only who created it.
    .filter(
      (t) =>
        showAll === 'true' ||
        t.serviceToken ||
        (!principal.serviceToken && t.memberId === principal.memberId),
    )
    .filter((t) => !isExpired(t) && principal.permissions.allows('viewAccessToken', tokenResource(t)))
    .sort((a, b) => a.creationDate - b.creationDate || a.tokenId.localeCompare(b.tokenId))
    .map((t) => tokenView(t, byId.get(t.memberId)));
  return paginate(visible, page, `${API_BASE}/tokens`, showAll ? { showAll } : {});
}

export async function getToken(principal: Principal, tokenId: string): Promise<TokenView> {
  const token = await findVisible(principal, tokenId);
  return tokenView(token, await memberOf(token));
}

export async function createToken(principal: Principal, body: unknown): Promise<TokenView> {
  const input = parseInput(createTokenSchema, body);
  const scope = scopeOf(input);
  if (typeof scope === 'string') throw invalid(scope);
  const serviceToken = input.serviceToken ?? false;
  ensureMayCreate(principal, serviceToken);
  ensureFuture(input.expiresAt, Date.now());
  await ensureMayIssue(principal, scope, serviceToken ? null : callerAsHolder(principal));
  const { token, secret } = await issue(principal, {
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    scope,
    serviceToken,
    ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
  });
  return tokenView(token, await memberOf(token), secret);
}

const WRITABLE = /^\/(name|description|role|expiresAt|customRoleIds(\/.*)?|inlineRole(\/.*)?)$/;

const ACTION_FOR_FIELD: Record<string, string> = {
  name: 'updateAccessTokenName',
  description: 'updateAccessTokenDescription',
  role: 'updateAccessTokenPolicy',
  customRoleIds: 'updateAccessTokenPolicy',
  inlineRole: 'updateAccessTokenPolicy',
  expiresAt: 'updateAccessTokenExpiry',
};

export async function patchToken(principal: Principal, tokenId: string, body: unknown): Promise<TokenView> {
  const token = await findVisible(principal, tokenId);
  const view = tokenView(token);
  const { document, touched } = applyJsonPatch(view, body, (pointer) => WRITABLE.test(pointer));
  for (const field of touched)
    ensureAllowed(principal, ACTION_FOR_FIELD[field] ?? 'updateAccessTokenPolicy', tokenResource(token));
  const edited = parseInput(editableTokenSchema, {
    name: document.name,
    description: document.description,
    role: document.role,
    customRoleIds: document.customRoleIds,
    inlineRole: document.inlineRole,
    expiresAt: document.expiresAt,
  });
  let scope = token.scope;
  if (['role', 'customRoleIds', 'inlineRole'].some((f) => touched.has(f))) {
    if (token.serviceToken) throw invalid("a service token's scope cannot be changed");
    const next = scopeOf({
      ...(edited.role !== undefined ? { role: edited.role } : {}),
      ...(edited.customRoleIds !== undefined ? { customRoleIds: edited.customRoleIds } : {}),
      ...(edited.inlineRole !== undefined ? { inlineRole: edited.inlineRole } : {}),
    });
    if (typeof next === 'string') throw invalid(next);
    await ensureMayIssue(principal, next, await holderOfToken(principal, token));
    scope = next;
  }
  const now = Date.now();
  if (touched.has('expiresAt')) ensureFuture(edited.expiresAt, now);
  const { description: _d, expiresAt: _e, ...rest } = token;
  const after: TokenRecord = {
    ...rest,
    name: edited.name,
    ...(edited.description !== undefined ? { description: edited.description } : {}),
    ...(edited.expiresAt !== undefined && edited.expiresAt !== null ? { expiresAt: edited.expiresAt } : {}),
    scope,
    lastModified: now,
    version: token.version + 1,
  };
  await tokenRepo.update(token, after);
  return tokenView(after, await memberOf(after));
}

/** Who holds a personal token's rights: the caller, or (an admin rescoping it) the token's member as they are now. */
async function holderOfToken(principal: Principal, token: TokenRecord): Promise<Holder> {
  if (token.memberId === principal.memberId && principal.member !== null)
    return { memberId: principal.memberId, ...principal.member };
  const member = await memberOf(token);
  if (member === undefined) throw notFound('token');
  return member;
}

export async function deleteToken(principal: Principal, tokenId: string): Promise<void> {
  const token = await findVisible(principal, tokenId);
  ensureAllowed(principal, 'deleteAccessToken', tokenResource(token));
  await tokenRepo.delete(token);
}

export async function resetToken(
  principal: Principal,
  tokenId: string,
  query: Record<string, string>,
): Promise<TokenView> {
  const { expiry } = parseInput(resetQuerySchema, query);
  const token = await findVisible(principal, tokenId);
  if (!token.serviceToken && (principal.serviceToken || token.memberId !== principal.memberId)) {
    throw forbidden(
      "a personal token's secret goes only to its own member: it can be deleted, but not reset, by anyone else",
    );
  }
  ensureAllowed(principal, 'resetAccessToken', tokenResource(token));
  // A reset returns a secret, so it obeys every rule of creation.
  ensureMayCreate(principal, token.serviceToken);
  await ensureMayIssue(principal, token.scope, token.serviceToken ? null : callerAsHolder(principal));
  const now = Date.now();
  const secret = accessTokenFormat.generate();
  const graceUntil = expiry !== undefined && expiry > now ? expiry : undefined;
  const { previousHash: _p, previousHashExpiresAt: _x, ...rest } = token;
  const after: TokenRecord = {
    ...rest,
    hash: hashSecret(secret),
    last4: obscure(secret),
    ...(graceUntil !== undefined ? { previousHash: token.hash, previousHashExpiresAt: graceUntil } : {}),
    lastModified: now,
    version: token.version + 1,
  };
  await tokenRepo.replaceSecret(token, after);
  return tokenView(after, await memberOf(after), secret);
}

/** A new token with the source's scope, owned by the caller (a clone is a create). */
export async function cloneToken(principal: Principal, tokenId: string, body: unknown): Promise<TokenView> {
  const input = parseInput(cloneTokenSchema, body);
  const source = await findVisible(principal, tokenId);
  ensureMayCreate(principal, source.serviceToken);
  await ensureMayIssue(principal, source.scope, source.serviceToken ? null : callerAsHolder(principal));
  const description = input.description ?? source.description;
  const { token, secret } = await issue(principal, {
    name: input.name,
    ...(description !== undefined ? { description } : {}),
    scope: source.scope,
    serviceToken: source.serviceToken,
  });
  return tokenView(token, await memberOf(token), secret);
}
