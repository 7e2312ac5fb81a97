import { ConditionFailedError } from '../data/errors.js';
import { type MemberRecord, memberRepo, type NewMember } from '../data/member-repo.js';
import { type TokenRecord, tokenRepo } from '../data/token-repo.js';
import { TOKEN_ROLES, type TokenRole } from '../domain/built-in-roles.js';
import type { TokenScope } from '../domain/effective-permissions.js';
import { resources } from '../domain/resource.js';
import {
  accessTokenFormat,
  hashSecret,
  inviteCodeFormat,
  newId,
  obscure,
  secretsEqual,
} from '../domain/token-format.js';
import { forbidden, invalid, notFound, unauthorized } from '../http/errors.js';
import { applyJsonPatch } from '../http/json-patch.js';
import { type Page, paginate, paginationSchema } from '../http/pagination.js';
import { API_BASE } from '../http/routes.js';
import { parseInput } from '../http/validation.js';
import { acceptSchema, editableMemberSchema, inviteSchema } from '../schemas/member.js';
import { ensureAllowed, ensureVisible } from './authorize.js';
import { customRoleDefinitions, ensureBornWithin, ensureMayGrant } from './grant-rules.js';
import type { Principal } from './principal.js';
import { type TokenView, tokenView } from './token-service.js';

export const INVITE_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

export interface MemberView {
  readonly _id: string;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly role: string;
  readonly customRoles: readonly string[];
  readonly creationDate: number;
  readonly _lastSeen?: number;
  readonly _pendingInvite: boolean;
  readonly _inviteCode?: string;
  readonly _links: { readonly self: { readonly href: string; readonly type: 'application/json' } };
}

export function memberView(member: MemberRecord, inviteCode?: string): MemberView {
  return {
    _id: member.memberId,
    email: member.email,
    ...(member.firstName !== undefined ? { firstName: member.firstName } : {}),
    ...(member.lastName !== undefined ? { lastName: member.lastName } : {}),
    role: member.role,
    customRoles: member.customRoles,
    creationDate: member.creationDate,
    ...(member.lastSeen !== undefined ? { _lastSeen: member.lastSeen } : {}),
    _pendingInvite: member.inviteHash !== undefined,
    ...(inviteCode !== undefined ? { _inviteCode: inviteCode } : {}),
    _links: { self: { href: `${API_BASE}/members/${member.memberId}`, type: 'application/json' } },
  };
}

const memberResource = (member: MemberRecord) => resources.member(member.memberId, member.role === 'owner');

async function findVisible(principal: Principal, id: string): Promise<MemberRecord> {
  const memberId = id === 'me' ? principal.memberId : id;
  const member = await memberRepo.get(principal.accountId, memberId, true);
  if (member === undefined) throw notFound('member');
  ensureVisible(principal, 'viewMember', memberResource(member), 'member');
  return member;
}

export async function listMembers(
  principal: Principal,
  query: Record<string, string>,
): Promise<Page<MemberView>> {
  const page = parseInput(paginationSchema, query);
  const members = await memberRepo.list(principal.accountId);
  const visible = members
    .filter((m) => principal.permissions.allows('viewMember', memberResource(m)))
    .map((m) => memberView(m));
  return paginate(visible, page, `${API_BASE}/members`);
}

export async function getMember(principal: Principal, id: string): Promise<MemberView> {
  return memberView(await findVisible(principal, id));
}

export async function inviteMembers(principal: Principal, body: unknown): Promise<Page<MemberView>> {
  const invites = parseInput(inviteSchema, body);
  ensureAllowed(principal, 'createMember', resources.member('*'));
  const emails = invites.map((i) => i.email.toLowerCase());
  const duplicate = emails.find((e, i) => emails.indexOf(e) !== i);
  if (duplicate !== undefined) throw invalid(`email: "${duplicate}" is listed twice`);
  for (const [index, invite] of invites.entries()) {
    if (invite.role === 'owner')
      throw invalid(`${index}.role: there is exactly one owner; an owner transfers ownership with PATCH`);
    await ensureMayGrant(
      principal,
      { role: invite.role ?? 'reader', customRoles: invite.customRoles ?? [] },
      { role: `${index}.role`, customRoles: `${index}.customRoles` },
    );
  }
  const now = Date.now();
  const created: { record: NewMember; code: string }[] = invites.map((invite) => {
    const code = inviteCodeFormat.generate();
    const member: MemberRecord = {
      accountId: principal.accountId,
      memberId: newId(),
      email: invite.email.toLowerCase(),
      ...(invite.firstName !== undefined ? { firstName: invite.firstName } : {}),
      ...(invite.lastName !== undefined ? { lastName: invite.lastName } : {}),
      role: invite.role ?? 'reader',
      customRoles: [...new Set(invite.customRoles ?? [])],
      creationDate: now,
      inviteHash: hashSecret(code),
      version: 1,
    };
    return {
      record: { member, invite: { hash: hashSecret(code), expiresAt: now + INVITE_VALIDITY_MS } },
      code,
    };
  });
  await memberRepo.createMany(created.map((c) => c.record));
  const items = created.map((c) => memberView(c.record.member, c.code));
  return {
    items,
    totalCount: items.length,
    _links: { self: { href: `${API_BASE}/members`, type: 'application/json' } },
  };
}

const WRITABLE = /^\/(role|customRoles(\/.*)?)$/;

export async function patchMember(principal: Principal, id: string, body: unknown): Promise<MemberView> {
  const member = await findVisible(principal, id);
  const { document, touched } = applyJsonPatch(memberView(member), body, (pointer) => WRITABLE.test(pointer));
  const edited = parseInput(editableMemberSchema, { role: document.role, customRoles: document.customRoles });
  const roleChanged = touched.has('role') && edited.role !== member.role;
  const customRoles = [...new Set(edited.customRoles)];
  const customRolesChanged =
    touched.has('customRoles') && JSON.stringify(customRoles) !== JSON.stringify(member.customRoles);
  if (roleChanged) ensureAllowed(principal, 'updateRole', memberResource(member));
  if (customRolesChanged) ensureAllowed(principal, 'updateCustomRole', memberResource(member));
  const callerIsOwner = principal.member?.isOwner === true;
  if (member.role === 'owner' && (roleChanged || customRoles.length > 0)) {
    throw forbidden(
      'the owner cannot be demoted or given custom roles; the owner can transfer ownership to another member',
    );
  }
  if (roleChanged && edited.role === 'owner') {
    if (!callerIsOwner) throw forbidden('only the owner can give the owner role');
    if (customRoles.length > 0) throw invalid('customRoles: the owner cannot have custom roles');
  } else if (roleChanged || customRolesChanged) {
    await ensureMayGrant(
      principal,
      { role: edited.role, customRoles },
      { role: 'role', customRoles: 'customRoles' },
    );
  }
  const after: MemberRecord = { ...member, role: edited.role, customRoles, version: member.version + 1 };
  if (roleChanged && edited.role === 'owner') {
    // Ownership moves: the old owner becomes an admin, in the same transaction.
    const owner = await memberRepo.get(principal.accountId, principal.memberId, true);
    if (owner === undefined || owner.role !== 'owner')
      throw forbidden('only the owner can give the owner role');
    await memberRepo.update([
      { before: member, after },
      { before: owner, after: { ...owner, role: 'admin', version: owner.version + 1 } },
    ]);
  } else if (roleChanged || customRolesChanged) {
    await memberRepo.update([{ before: member, after }]);
  } else {
    return memberView(member);
  }
  return memberView(after);
}

export async function deleteMember(principal: Principal, id: string): Promise<void> {
  const member = await findVisible(principal, id);
  ensureAllowed(principal, 'deleteMember', memberResource(member));
  if (member.role === 'owner') throw forbidden('the owner cannot be removed');
  await memberRepo.delete(member);
}

/**
 * The scope of an invited member's first token: their own role, or their custom roles. A
 * `no_access` member has no role a token can take, so their first token is an inline policy that
 * allows nothing (it stays that way if they are promoted later; they then create a new token).
 */
function firstTokenScope(member: MemberRecord): TokenScope {
  if (member.customRoles.length > 0) return { kind: 'customRoles', roleKeys: member.customRoles };
  if ((TOKEN_ROLES as readonly string[]).includes(member.role))
    return { kind: 'role', role: member.role as TokenRole };
  return { kind: 'inline', policy: [{ effect: 'deny', actions: ['*'], resources: ['acct'] }] };
}

/** No credentials: the code is the credential, so every kind of bad code is the same 401. */
export async function acceptInvitation(body: unknown): Promise<{ member: MemberView; token: TokenView }> {
  const input = parseInput(acceptSchema, body);
  const rejected = () => unauthorized('Invalid invitation code');
  if (!inviteCodeFormat.isWellFormed(input.code)) throw rejected();
  const hash = hashSecret(input.code);
  const invite = await memberRepo.getInvite(hash);
  const now = Date.now();
  if (invite === undefined || invite.expiresAt <= now) throw rejected();
  const member = await memberRepo.get(invite.accountId, invite.memberId, true);
  if (member === undefined || member.inviteHash === undefined || !secretsEqual(member.inviteHash, hash))
    throw rejected();
  // Accepting returns a secret, so it obeys the rules of creation like every other path.
  const scope = firstTokenScope(member);
  ensureBornWithin(
    member,
    scope,
    await customRoleDefinitions(member.accountId, member.customRoles, 'customRoles'),
  );
  const secret = accessTokenFormat.generate();
  const token: TokenRecord = {
    accountId: member.accountId,
    tokenId: newId(),
    memberId: member.memberId,
    serviceToken: false,
    name: input.tokenName ?? 'First token',
    scope,
    creationDate: now,
    lastModified: now,
    last4: obscure(secret),
    hash: hashSecret(secret),
    version: 1,
  };
  try {
    await tokenRepo.create(token, memberRepo.consumeInviteItems(hash, member));
  } catch (error) {
    if (error instanceof ConditionFailedError) throw rejected();
    throw error;
  }
  const { inviteHash: _used, ...accepted } = member;
  return {
    member: memberView({ ...accepted, version: member.version + 1 }),
    token: tokenView(token, member, secret),
  };
}
