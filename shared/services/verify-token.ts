import { config } from '../config/config.js';
import { withinAuthorizerBounds } from '../data/clients.js';
import { memberRepo } from '../data/member-repo.js';
import { roleRepo } from '../data/role-repo.js';
import { type HashRecord, type TokenRecord, tokenRepo } from '../data/token-repo.js';
import { addressAllowed } from '../domain/cidr.js';
import type { CustomRole } from '../domain/effective-permissions.js';
import { hashSecret, secretsEqual, tokenFromAuthorizationHeader } from '../domain/token-format.js';
import type { PrincipalData } from './authorizer-context.js';

/**
 * Expected denials are values, faults are exceptions: every way a presented token can be invalid
 * is a code (for logs and metrics), and all of them become the same 401 at the edge.
 */
export type VerifyFailure =
  | 'MALFORMED'
  | 'NOT_FOUND'
  | 'REVOKED'
  | 'EXPIRED'
  | 'SECRET_EXPIRED'
  | 'MEMBER_REMOVED'
  /** The token is bound to source ranges (`allowedCidrs`) that do not hold the request's address. */
  | 'ADDRESS_REFUSED';

export type VerifyResult =
  | { readonly ok: true; readonly principal: PrincipalData; readonly lastUsedWrite?: Promise<unknown> }
  | { readonly ok: false; readonly code: VerifyFailure };

function presentedSecretIsCurrent(token: TokenRecord, hash: string, now: number): boolean {
  if (secretsEqual(token.hash, hash)) return true;
  return (
    token.previousHash !== undefined &&
    token.previousHashExpiresAt !== undefined &&
    token.previousHashExpiresAt > now &&
    secretsEqual(token.previousHash, hash)
  );
}

/**
 * Checks a presented Authorization header. Cheap checks first: format and checksum (no read for a
 * malformed token); then one strongly consistent GetItem of the secret's hash item, which carries
 * the token; its IP binding against `sourceAddress` (no read); then the member, strongly
 * consistent, so a removed member's tokens fail at once; a third round trip only when custom roles
 * are involved. The reads have the authorizer's short deadline and breaker: while the database
 * does not answer, this throws (fails closed) quickly. A bound token with no source address to
 * check is refused.
 */
export async function verifyToken(
  authorization: string | undefined | null,
  now = Date.now(),
  sourceAddress?: string,
): Promise<VerifyResult> {
  const secret = tokenFromAuthorizationHeader(authorization);
  if (secret === null) return { ok: false, code: 'MALFORMED' };
  return withinAuthorizerBounds(() => verifyStored(hashSecret(secret), now, sourceAddress));
}

/** The token a well-formed secret's hash names, its member and their custom roles, now. */
async function verifyStored(hash: string, now: number, sourceAddress?: string): Promise<VerifyResult> {
  const token = await tokenRepo.getHash(hash);
  if (token === undefined) return { ok: false, code: 'NOT_FOUND' };
  if (token.secretExpiresAt !== undefined && token.secretExpiresAt <= now)
    return { ok: false, code: 'SECRET_EXPIRED' };
  if (!presentedSecretIsCurrent(token, hash, now)) return { ok: false, code: 'REVOKED' };
  if (token.expiresAt !== undefined && token.expiresAt <= now) return { ok: false, code: 'EXPIRED' };
  if (token.allowedCidrs !== undefined && !addressAllowed(token.allowedCidrs, sourceAddress))
    return { ok: false, code: 'ADDRESS_REFUSED' };

  const member = token.serviceToken ? undefined : await memberRepo.get(token.accountId, token.memberId, true);
  if (!token.serviceToken && member === undefined) return { ok: false, code: 'MEMBER_REMOVED' };

  const roleKeys = [
    ...(token.scope.kind === 'customRoles' ? token.scope.roleKeys : []),
    ...(member?.customRoles ?? []),
  ];
  const roles = new Map<string, CustomRole>();
  if (roleKeys.length > 0) {
    for (const role of await roleRepo.getMany(token.accountId, roleKeys)) {
      roles.set(role.key, { key: role.key, policy: role.policy, basePermissions: role.basePermissions });
    }
  }
  const principal: PrincipalData = {
    accountId: token.accountId,
    tokenId: token.tokenId,
    tokenName: token.name,
    serviceToken: token.serviceToken,
    memberId: token.memberId,
    member:
      member === undefined
        ? null
        : {
            role: member.role,
            customRoles: member.customRoles,
            email: member.email,
            isOwner: member.role === 'owner',
          },
    scope: token.scope,
    roles,
    ...(token.session === true ? { session: true } : {}),
    ...(token.allowedCidrs !== undefined ? { allowedCidrs: token.allowedCidrs } : {}),
    ...validUntilOf(token, hash),
  };
  return { ok: true, principal, lastUsedWrite: recordUse(token, hash, now) };
}

/**
 * `lastUsed` (and the member's `_lastSeen`) at most once a minute per token, off the request's
 * path; a failed write never fails the request.
 */
function recordUse(token: TokenRecord, hash: string, now: number): Promise<unknown> | undefined {
  const interval = config.lastUsedIntervalMs();
  if (token.lastUsed !== undefined && token.lastUsed > now - interval) return undefined;
  const memberSeen = token.serviceToken
    ? []
    : [
        memberRepo.lastSeenItem(
          token.accountId,
          token.memberId,
          now,
          token.session ? undefined : token.tokenId,
        ),
      ];
  return tokenRepo.touchLastUsed(token, hash, now, interval, memberSeen).catch(() => false);
}

function validUntilOf(token: HashRecord, presentedHash: string): { validUntil?: number } {
  const limits = [
    token.expiresAt,
    presentedHash === token.hash ? undefined : token.previousHashExpiresAt,
    token.secretExpiresAt,
  ].filter((t): t is number => t !== undefined);
  return limits.length > 0 ? { validUntil: Math.min(...limits) } : {};
}
