import type { Principal } from './principal.js';

/** Who is calling, as the authorizer found them: everything but the compiled permissions. */
export type PrincipalData = Omit<Principal, 'permissions'>;

/**
 * Kept apart from principal.ts (which decodes with zod) so that the authorizer's bundle carries
 * no schema library: it only encodes.
 *
 * API Gateway passes an authorizer's context to the handlers as strings, numbers or booleans only,
 * so structured parts travel as JSON strings. The answer is cached and reused for every route, so
 * it holds who the caller is and what they may do, never which route they called.
 */
export type AuthorizerContext = Record<string, string>;

export function toAuthorizerContext(data: PrincipalData): AuthorizerContext {
  return {
    accountId: data.accountId,
    tokenId: data.tokenId,
    tokenName: data.tokenName,
    serviceToken: String(data.serviceToken),
    memberId: data.memberId,
    member: JSON.stringify(data.member),
    scope: JSON.stringify(data.scope),
    roles: JSON.stringify([...data.roles.values()]),
    ...(data.validUntil !== undefined ? { validUntil: String(data.validUntil) } : {}),
    ...(data.session === true ? { session: 'true' } : {}),
    // Ranges in normal form hold no comma.
    ...(data.allowedCidrs !== undefined ? { allowedCidrs: data.allowedCidrs.join(',') } : {}),
  };
}
