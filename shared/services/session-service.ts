import { actingAs } from '../data/change-context.js';
import { ConditionFailedError } from '../data/errors.js';
import type { MemberRecord } from '../data/member-repo.js';
import type { Repositories } from '../data/repositories.js';
import type { TransactItem } from '../data/transact.js';
import { customRoleDefinitions, ensureBornWithin } from './grant-rules.js';
import { firstTokenScope } from './member-service.js';
import { newToken } from './token-factory.js';
import type { TokenWithMember } from './token-service.js';
import type { IdTokenRefusal, IdTokenResult } from './verify-id-token.js';

/** A console session lasts at most this long (API.md), and never beyond its ID token's own expiry. */
export const SESSION_MAX_LIFETIME_MS = 8 * 60 * 60 * 1000;

export const SESSION_NAME = 'Console session';

export interface SignInCommand {
  /** The ID token the console got from the issuer's token endpoint. */
  readonly idToken: string;
  /** The nonce the console generated for this sign-in and sent with its authorization request. */
  readonly nonce: string;
}

/** Why a sign-in was refused (for the logs; every one is the same 401). */
export type SignInRefusal =
  | IdTokenRefusal
  | 'NO_SUCH_MEMBER'
  | 'INVITATION_EXPIRED'
  | 'ID_TOKEN_USED'
  | 'ID_TOKEN_EXPIRING';

export type SignInResult =
  | { readonly ok: true; readonly session: TokenWithMember & { readonly secret: string } }
  | { readonly ok: false; readonly code: SignInRefusal };

export interface SessionDependencies {
  /** Verifies the ID token against the configured issuer (verify-id-token.ts). */
  readonly verifyIdToken: (idToken: string, nonce: string) => Promise<IdTokenResult>;
  /** The account whose members sign in to the console. */
  readonly accountId: () => string;
}

/**
 * Console sign-in: a verified ID token becomes a session token of the member its e-mail names, in
 * the console's account. Sign-out is `endSession` in token-service.ts (a session ends itself).
 */
export function sessionService(
  { members, tokens, roles }: Pick<Repositories, 'members' | 'tokens' | 'roles'>,
  { verifyIdToken, accountId }: SessionDependencies,
) {
  /**
   * A member with a pending invitation may sign in while the invitation is valid: the verified
   * e-mail proves it reached them, so signing in accepts it (the code is used up with the session).
   */
  async function acceptingInvitation(member: MemberRecord, now: number): Promise<TransactItem[] | null> {
    if (member.inviteHash === undefined) return [];
    const invite = await members.getInvite(member.inviteHash);
    if (invite === undefined || invite.expiresAt <= now) return null;
    return members.consumeInviteItems(member.inviteHash, member);
  }

  return {
    async signIn(command: SignInCommand, now = Date.now()): Promise<SignInResult> {
      const verified = await verifyIdToken(command.idToken, command.nonce);
      if (!verified.ok) return verified;
      const { idToken } = verified;
      // A session never outlives the ID token it was made from; one that would end at once is refused.
      const expiresAt = Math.min(now + SESSION_MAX_LIFETIME_MS, idToken.expiresAt);
      if (expiresAt <= now) return { ok: false, code: 'ID_TOKEN_EXPIRING' };

      const found = await members.findByEmail(accountId(), idToken.email);
      if (found === undefined) return { ok: false, code: 'NO_SUCH_MEMBER' };
      // The verified ID token was this member's: the session is their doing (the audit log's actor).
      actingAs({ kind: 'member', member: { memberId: found.memberId, email: found.email } });
      const accepting = await acceptingInvitation(found, now);
      if (accepting === null) return { ok: false, code: 'INVITATION_EXPIRED' };
      const { inviteHash: _accepted, ...rest } = found;
      const member: MemberRecord = accepting.length > 0 ? { ...rest, version: found.version + 1 } : found;

      // What the member is now; a session returns a secret, so it obeys the rules of creation too.
      const scope = firstTokenScope(member);
      ensureBornWithin(
        member,
        scope,
        await customRoleDefinitions(roles, member.accountId, member.customRoles, 'customRoles'),
      );
      const { token, secret } = newToken(
        {
          accountId: member.accountId,
          memberId: member.memberId,
          serviceToken: false,
          session: true,
          name: SESSION_NAME,
          scope,
          expiresAt,
        },
        now,
      );
      try {
        await tokens.createSession(token, { hash: idToken.hash, expiresAt: idToken.expiresAt }, accepting);
      } catch (error) {
        // The ID token was exchanged already (or the invitation was used meanwhile).
        if (error instanceof ConditionFailedError) return { ok: false, code: 'ID_TOKEN_USED' };
        throw error;
      }
      return { ok: true, session: { token, member, secret } };
    },
  };
}

export type SessionService = ReturnType<typeof sessionService>;
