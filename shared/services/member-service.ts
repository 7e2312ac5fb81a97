import { actingAs } from '../data/change-context.js';
import { ConditionFailedError } from '../data/errors.js';
import type { MemberRecord, NewMember } from '../data/member-repo.js';
import type { Repositories } from '../data/repositories.js';
import { type BuiltInRole, TOKEN_ROLES, type TokenRole } from '../domain/built-in-roles.js';
import type { TokenScope } from '../domain/effective-permissions.js';
import { resources } from '../domain/resource.js';
import { hashSecret, inviteCodeFormat, newId, secretsEqual } from '../domain/token-format.js';
import { defaultExpiry } from '../domain/token-policy.js';
import { ensureAllowed, ensureVisible } from './authorize.js';
import { DomainError, forbidden, invalid, notFound, unauthenticated } from './errors.js';
import {
  customRoleDefinitions,
  ensureBornWithin,
  ensureBoundWithinCaller,
  ensureMayGrant,
} from './grant-rules.js';
import { accountTokenPolicy, ensureLifetimeAllowed } from './lifetime-rules.js';
import type { Principal } from './principal.js';
import { newToken } from './token-factory.js';
import type { TokenWithMember } from './token-service.js';

export const INVITE_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

export interface InviteCommand {
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly role?: BuiltInRole;
  readonly customRoles?: readonly string[];
}

/** The fields a change sets; an absent field is left alone. */
export interface MemberChange {
  readonly role?: BuiltInRole;
  readonly customRoles?: readonly string[];
}

export interface Invited {
  readonly member: MemberRecord;
  /** The invitation code, once: only its hash is stored. */
  readonly code: string;
}

const memberResource = (member: MemberRecord) => resources.member(member.memberId, member.role === 'owner');

/**
 * The scope of an invited member's first token, and of a console session: what the member is now,
 * their own role or their custom roles. A `no_access` member has no role a token can take, so it is
 * an inline policy that allows nothing (it stays that way if they are promoted later; they then
 * create a new token, or sign in again). The owner's is `admin`, as the owner's first token is:
 * with the owner's own permissions, that is everything an owner's token can do.
 */
export function firstTokenScope(member: Pick<MemberRecord, 'role' | 'customRoles'>): TokenScope {
  if (member.customRoles.length > 0) return { kind: 'customRoles', roleKeys: member.customRoles };
  if (member.role === 'owner') return { kind: 'role', role: 'admin' };
  if ((TOKEN_ROLES as readonly string[]).includes(member.role))
    return { kind: 'role', role: member.role as TokenRole };
  return { kind: 'inline', policy: [{ effect: 'deny', actions: ['*'], resources: ['acct'] }] };
}

/** The use cases of an account's members: invitations, role changes, removal. */
export function memberService({
  members,
  tokens,
  roles,
  tokenPolicies,
}: Pick<Repositories, 'members' | 'tokens' | 'roles' | 'tokenPolicies'>) {
  async function findVisible(principal: Principal, id: string): Promise<MemberRecord> {
    const memberId = id === 'me' ? principal.memberId : id;
    const member = await members.get(principal.accountId, memberId, true);
    if (member === undefined) throw notFound('member');
    ensureVisible(principal, 'viewMember', memberResource(member), 'member');
    return member;
  }

  /**
   * One member's change, with every rule of role changes: the actions, the owner's guards, and
   * never beyond the granter. `fields` names the fields in errors (`role`, `0.role`, …).
   */
  async function change(
    principal: Principal,
    member: MemberRecord,
    requested: MemberChange,
    fields = { role: 'role', customRoles: 'customRoles' },
  ): Promise<MemberRecord> {
    const role = requested.role ?? member.role;
    const customRoles = [...new Set(requested.customRoles ?? member.customRoles)];
    const roleChanged = requested.role !== undefined && role !== member.role;
    const customRolesChanged =
      requested.customRoles !== undefined &&
      JSON.stringify(customRoles) !== JSON.stringify(member.customRoles);
    if (roleChanged) ensureAllowed(principal, 'updateRole', memberResource(member));
    if (customRolesChanged) ensureAllowed(principal, 'updateCustomRole', memberResource(member));
    if (!roleChanged && !customRolesChanged) return member;
    if (member.role === 'owner') {
      throw forbidden(
        'the owner cannot be demoted or given custom roles; the owner can transfer ownership to another member',
      );
    }
    const now = Date.now();
    const after: MemberRecord = {
      ...member,
      role,
      customRoles,
      permissionsChangedAt: now,
      version: member.version + 1,
    };
    if (roleChanged && role === 'owner') {
      if (principal.member?.isOwner !== true) throw forbidden('only the owner can give the owner role');
      if (customRoles.length > 0) throw invalid(`${fields.customRoles}: the owner cannot have custom roles`);
      // Ownership moves: the old owner becomes an admin, in the same transaction.
      const owner = await members.get(principal.accountId, principal.memberId, true);
      if (owner === undefined || owner.role !== 'owner')
        throw forbidden('only the owner can give the owner role');
      await members.update([
        { before: member, after },
        {
          before: owner,
          after: { ...owner, role: 'admin', permissionsChangedAt: now, version: owner.version + 1 },
        },
      ]);
      return after;
    }
    await ensureMayGrant(roles, principal, { role, customRoles }, fields);
    await members.update([{ before: member, after }]);
    return after;
  }

  return {
    /** Every member the caller may view, oldest first. */
    async list(principal: Principal): Promise<MemberRecord[]> {
      const all = await members.list(principal.accountId);
      return all.filter((m) => principal.permissions.allows('viewMember', memberResource(m)));
    },

    /** One member; `me` names the caller's own. */
    get: findVisible,

    async invite(principal: Principal, invites: readonly InviteCommand[]): Promise<Invited[]> {
      ensureAllowed(principal, 'createMember', resources.member('*'));
      // An invitation hands out a secret (the first token, on acceptance) that no binding follows.
      ensureBoundWithinCaller(
        principal,
        undefined,
        'it cannot invite members: an invitation hands out a first token that is not bound',
      );
      const emails = invites.map((i) => i.email.toLowerCase());
      const duplicate = emails.find((e, i) => emails.indexOf(e) !== i);
      if (duplicate !== undefined) throw invalid(`email: "${duplicate}" is listed twice`);
      for (const [index, invite] of invites.entries()) {
        if (invite.role === 'owner')
          throw invalid(`${index}.role: there is exactly one owner; an owner transfers ownership with PATCH`);
        await ensureMayGrant(
          roles,
          principal,
          { role: invite.role ?? 'reader', customRoles: invite.customRoles ?? [] },
          { role: `${index}.role`, customRoles: `${index}.customRoles` },
        );
      }
      const now = Date.now();
      const created = invites.map((invite) => {
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
        const record: NewMember = {
          member,
          invite: { hash: hashSecret(code), expiresAt: now + INVITE_VALIDITY_MS },
        };
        return { record, code };
      });
      await members.createMany(created.map((c) => c.record));
      return created.map(({ record, code }) => ({ member: record.member, code }));
    },

    /**
     * Changes a member's role or custom roles. `changeOf` turns the member as stored into the change
     * (the edge applies a JSON Patch to its representation), so the member is read once.
     */
    async update(
      principal: Principal,
      id: string,
      changeOf: (member: MemberRecord) => MemberChange,
    ): Promise<MemberRecord> {
      const member = await findVisible(principal, id);
      return change(principal, member, changeOf(member));
    },

    /**
     * The same change for several members (LaunchDarkly's bulk update): each goes through every rule
     * of a single change, and one that is refused does not stop the others.
     */
    async updateEach(
      principal: Principal,
      memberIds: readonly string[],
      requested: MemberChange,
    ): Promise<{ updated: string[]; errors: { memberId: string; message: string }[] }> {
      const updated: string[] = [];
      const errors: { memberId: string; message: string }[] = [];
      for (const memberId of new Set(memberIds)) {
        try {
          await change(principal, await findVisible(principal, memberId), requested);
          updated.push(memberId);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          errors.push({ memberId, message: error.message });
        }
      }
      return { updated, errors };
    },

    async delete(principal: Principal, id: string): Promise<void> {
      const member = await findVisible(principal, id);
      ensureAllowed(principal, 'deleteMember', memberResource(member));
      if (member.role === 'owner') throw forbidden('the owner cannot be removed');
      await members.delete(member);
    },

    /**
     * No credentials: the code is the credential, so every kind of bad code is the same refusal.
     * Returns the member and their first token (with its secret, once).
     */
    async accept(
      code: string,
      tokenName = 'First token',
    ): Promise<{ member: MemberRecord; token: TokenWithMember }> {
      const rejected = () => unauthenticated('Invalid invitation code');
      if (!inviteCodeFormat.isWellFormed(code)) throw rejected();
      const hash = hashSecret(code);
      const invite = await members.getInvite(hash);
      const now = Date.now();
      if (invite === undefined || invite.expiresAt <= now) throw rejected();
      const member = await members.get(invite.accountId, invite.memberId, true);
      if (member === undefined || member.inviteHash === undefined || !secretsEqual(member.inviteHash, hash))
        throw rejected();
      // The code was the invited member's: what follows is their doing (the audit log's actor).
      actingAs({ kind: 'member', member: { memberId: member.memberId, email: member.email } });
      // Accepting returns a secret, so it obeys the rules of creation like every other path.
      const scope = firstTokenScope(member);
      ensureBornWithin(
        member,
        scope,
        await customRoleDefinitions(roles, member.accountId, member.customRoles, 'customRoles'),
      );
      // Nobody chooses the first token's expiry: it gets the longest the account's policy allows.
      const policy = await accountTokenPolicy(tokenPolicies, member.accountId);
      const expiresAt = defaultExpiry(policy, now);
      ensureLifetimeAllowed(policy, { issuesServiceToken: false, expiresAt }, now);
      const { token, secret } = newToken(
        {
          accountId: member.accountId,
          memberId: member.memberId,
          serviceToken: false,
          name: tokenName,
          scope,
          ...(expiresAt !== undefined ? { expiresAt } : {}),
        },
        now,
      );
      try {
        await tokens.create(token, members.consumeInviteItems(hash, member));
      } catch (error) {
        if (error instanceof ConditionFailedError) throw rejected();
        throw error;
      }
      const { inviteHash: _used, ...accepted } = member;
      const joined: MemberRecord = { ...accepted, version: member.version + 1 };
      return { member: joined, token: { token, member: joined, secret } };
    },
  };
}

export type MemberService = ReturnType<typeof memberService>;
