import type { MemberRecord } from '../data/member-repo.js';
import type { Repositories } from '../data/repositories.js';
import type { TokenRecord } from '../data/token-repo.js';
import type { Action } from '../domain/actions.js';
import { MAX_ALLOWED_CIDRS, parseCidrList } from '../domain/cidr.js';
import type { TokenScope } from '../domain/effective-permissions.js';
import { type Resource, resources } from '../domain/resource.js';
import { ensureAllowed, ensureVisible } from './authorize.js';
import { forbidden, invalid, notFound } from './errors.js';
import { ensureBoundWithinCaller, ensureMayIssue, type Holder } from './grant-rules.js';
import { ensureWithinTokenPolicy } from './lifetime-rules.js';
import type { Principal } from './principal.js';
import { newSecret, newToken } from './token-factory.js';

/** A token with its member as they are now (absent when a service token's creator was removed). */
export interface TokenWithMember {
  readonly token: TokenRecord;
  readonly member?: MemberRecord;
  /** The full value, only on the answer that made it (create, clone, reset). */
  readonly secret?: string;
}

export interface CreateTokenCommand {
  readonly name: string;
  readonly description?: string;
  readonly scope: TokenScope;
  readonly serviceToken: boolean;
  readonly expiresAt?: number;
  readonly defaultApiVersion?: number;
  /** IP binding, as given (normalised here); absent or empty: any address. */
  readonly allowedCidrs?: readonly string[];
}

/** The fields a change sets; a field that is absent is left alone (`null` clears an optional one). */
export interface TokenChange {
  readonly name?: string;
  readonly description?: string | null;
  readonly scope?: TokenScope;
  readonly expiresAt?: number | null;
  readonly defaultApiVersion?: number | null;
  readonly allowedCidrs?: readonly string[] | null;
}

export interface CloneTokenCommand {
  readonly name: string;
  readonly description?: string;
  /** A clone does not take its source's expiry: absent, it has none (if the token policy allows). */
  readonly expiresAt?: number;
  /** Absent: the source's IP binding; empty: none. */
  readonly allowedCidrs?: readonly string[];
}

const ACTION_FOR_CHANGE: Record<keyof TokenChange, Action> = {
  name: 'updateAccessTokenName',
  description: 'updateAccessTokenDescription',
  scope: 'updateAccessTokenPolicy',
  expiresAt: 'updateAccessTokenExpiry',
  defaultApiVersion: 'updateAccessTokenApiVersion',
  // Where a token may be used from bounds what it can do, as its scope does.
  allowedCidrs: 'updateAccessTokenPolicy',
};

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

/**
 * IP binding in normal form (shared/domain/cidr.ts), or a 400 naming the bad range. Every path that
 * sets it (create, clone, PATCH) comes through here; an empty list is no binding (undefined).
 */
function allowedCidrsOf(given: readonly string[] | undefined | null): readonly string[] | undefined {
  if (given === undefined || given === null) return undefined;
  if (given.length > MAX_ALLOWED_CIDRS)
    throw invalid(`allowedCidrs: at most ${MAX_ALLOWED_CIDRS} ranges, got ${given.length}`);
  const parsed = parseCidrList(given);
  if (!parsed.ok) throw invalid(`allowedCidrs.${parsed.index}: ${parsed.problem}`);
  return parsed.cidrs.length > 0 ? parsed.cidrs : undefined;
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

/**
 * An expired token is gone, though its item lives until the expiry sweep removes it: it is neither
 * listed nor found, so no change of `expiresAt` or reset can bring its secret back.
 */
const isExpired = (token: TokenRecord, now = Date.now()) =>
  token.expiresAt !== undefined && token.expiresAt <= now;

/** The use cases of access tokens. Every path that returns a secret obeys every rule of creation. */
export function tokenService({
  tokens,
  members,
  roles,
  tokenPolicies,
}: Pick<Repositories, 'tokens' | 'members' | 'roles' | 'tokenPolicies'>) {
  async function findVisible(principal: Principal, tokenId: string): Promise<TokenRecord> {
    const token = await tokens.get(principal.accountId, tokenId, true);
    // A console session is not an access token: no token route finds it by id.
    if (token === undefined || token.session === true || isExpired(token)) throw notFound('token');
    ensureVisible(principal, 'viewAccessToken', tokenResource(token), 'token');
    return token;
  }

  const withMember = async (token: TokenRecord, secret?: string): Promise<TokenWithMember> => {
    const member = await members.get(token.accountId, token.memberId);
    return {
      token,
      ...(member !== undefined ? { member } : {}),
      ...(secret !== undefined ? { secret } : {}),
    };
  };

  /** Who holds a personal token's rights: the caller, or (an admin rescoping it) its member as they are now. */
  async function holderOfToken(principal: Principal, token: TokenRecord): Promise<Holder> {
    if (token.memberId === principal.memberId && principal.member !== null)
      return { memberId: principal.memberId, ...principal.member };
    const member = await members.get(token.accountId, token.memberId);
    if (member === undefined) throw notFound('token');
    return member;
  }

  /**
   * Every rule of handing out a secret, in one place: create, clone and reset each return one, so
   * each calls this (accepting an invitation has no calling token, and checks its member's own
   * rules in member-service.ts). The caller may create such a token; its scope is within what the
   * caller may issue (the rank rule, the caller's token covering it); its life obeys the account's
   * token policy; and a bound caller hands out nothing bound wider than itself.
   */
  async function ensureMayHandOut(
    principal: Principal,
    secret: {
      readonly serviceToken: boolean;
      readonly scope: TokenScope;
      readonly expiresAt?: number | undefined;
      readonly allowedCidrs?: readonly string[] | undefined;
    },
    now: number,
  ): Promise<void> {
    ensureMayCreate(principal, secret.serviceToken);
    await ensureMayIssue(
      roles,
      principal,
      secret.scope,
      secret.serviceToken ? null : callerAsHolder(principal),
    );
    const lifetime = { issuesServiceToken: secret.serviceToken, expiresAt: secret.expiresAt };
    await ensureWithinTokenPolicy(tokenPolicies, principal.accountId, lifetime, now);
    ensureBoundWithinCaller(principal, secret.allowedCidrs);
  }

  async function issue(principal: Principal, command: CreateTokenCommand): Promise<TokenWithMember> {
    const { token, secret } = newToken({
      ...command,
      accountId: principal.accountId,
      memberId: principal.memberId,
    });
    await tokens.create(token);
    return withMember(token, secret);
  }

  return {
    /**
     * The caller's own personal tokens and the account's service tokens; with `showAll`, every
     * member's, for callers allowed to view them. Oldest first.
     */
    async list(principal: Principal, { showAll }: { showAll: boolean }): Promise<TokenWithMember[]> {
      if (showAll) ensureAllowed(principal, 'viewAccessToken', resources.personalToken('*', '*'));
      const [all, everyone] = await Promise.all([
        tokens.listByAccount(principal.accountId),
        members.list(principal.accountId),
      ]);
      const byId = new Map(everyone.map((m) => [m.memberId, m]));
      return (
        all
          // A service token has no personal tokens: its memberId is only who created it.
          .filter(
            (t) =>
              showAll || t.serviceToken || (!principal.serviceToken && t.memberId === principal.memberId),
          )
          .filter(
            (t) =>
              t.session !== true &&
              !isExpired(t) &&
              principal.permissions.allows('viewAccessToken', tokenResource(t)),
          )
          .sort((a, b) => a.creationDate - b.creationDate || a.tokenId.localeCompare(b.tokenId))
          .map((token) => {
            const member = byId.get(token.memberId);
            return member === undefined ? { token } : { token, member };
          })
      );
    },

    async get(principal: Principal, tokenId: string): Promise<TokenWithMember> {
      return withMember(await findVisible(principal, tokenId));
    },

    async create(principal: Principal, command: CreateTokenCommand): Promise<TokenWithMember> {
      const now = Date.now();
      ensureFuture(command.expiresAt, now);
      const { allowedCidrs, ...rest } = command;
      const bound = allowedCidrsOf(allowedCidrs);
      await ensureMayHandOut(principal, { ...command, allowedCidrs: bound }, now);
      return issue(principal, { ...rest, ...(bound !== undefined ? { allowedCidrs: bound } : {}) });
    },

    /**
     * Changes a token. `changeOf` turns the token as stored into the change (the edge applies a
     * JSON Patch to its representation), so the token is read once and written only if unchanged.
     */
    async update(
      principal: Principal,
      tokenId: string,
      changeOf: (token: TokenRecord) => TokenChange,
    ): Promise<TokenWithMember> {
      const token = await findVisible(principal, tokenId);
      const change = changeOf(token);
      for (const field of Object.keys(change) as (keyof TokenChange)[])
        ensureAllowed(principal, ACTION_FOR_CHANGE[field], tokenResource(token));
      if (change.scope !== undefined) {
        if (token.serviceToken) throw invalid("a service token's scope cannot be changed");
        await ensureMayIssue(roles, principal, change.scope, await holderOfToken(principal, token));
      }
      const now = Date.now();
      if (change.expiresAt !== undefined) ensureFuture(change.expiresAt, now);
      const { description, expiresAt, defaultApiVersion, allowedCidrs, ...rest } = token;
      const keep = <T>(next: T | null | undefined, current: T | undefined) =>
        next === null ? undefined : next === undefined ? current : next;
      const nextDescription = keep(change.description, description);
      const nextExpiry = keep(change.expiresAt, expiresAt);
      if (change.expiresAt !== undefined) {
        const lifetime = { issuesServiceToken: false, expiresAt: nextExpiry };
        await ensureWithinTokenPolicy(tokenPolicies, token.accountId, lifetime, now);
      }
      const nextVersion = keep(change.defaultApiVersion, defaultApiVersion);
      const nextCidrs =
        change.allowedCidrs === undefined ? allowedCidrs : allowedCidrsOf(change.allowedCidrs);
      if (change.allowedCidrs !== undefined) ensureBoundWithinCaller(principal, nextCidrs);
      const after: TokenRecord = {
        ...rest,
        name: change.name ?? token.name,
        ...(nextDescription !== undefined ? { description: nextDescription } : {}),
        ...(nextExpiry !== undefined ? { expiresAt: nextExpiry } : {}),
        ...(nextVersion !== undefined ? { defaultApiVersion: nextVersion } : {}),
        ...(nextCidrs !== undefined ? { allowedCidrs: nextCidrs } : {}),
        scope: change.scope ?? token.scope,
        lastModified: now,
        version: token.version + 1,
      };
      await tokens.update(token, after);
      return withMember(after);
    },

    async delete(principal: Principal, tokenId: string): Promise<void> {
      const token = await findVisible(principal, tokenId);
      ensureAllowed(principal, 'deleteAccessToken', tokenResource(token));
      await tokens.delete(token);
    },

    /** A new secret, same scope; the old one keeps working until `graceUntil` (if in the future). */
    async reset(
      principal: Principal,
      tokenId: string,
      { graceUntil }: { graceUntil?: number },
    ): Promise<TokenWithMember> {
      const token = await findVisible(principal, tokenId);
      if (!token.serviceToken && (principal.serviceToken || token.memberId !== principal.memberId)) {
        throw forbidden(
          "a personal token's secret goes only to its own member: it can be deleted, but not reset, by anyone else",
        );
      }
      ensureAllowed(principal, 'resetAccessToken', tokenResource(token));
      // A reset returns a secret, so it obeys every rule of creation. The new secret lives until
      // the token's expiry, which must obey the policy as it is now.
      const now = Date.now();
      await ensureMayHandOut(principal, token, now);
      const { hash, last4, secret } = newSecret();
      const grace = graceUntil !== undefined && graceUntil > now ? graceUntil : undefined;
      const { previousHash: _p, previousHashExpiresAt: _x, ...rest } = token;
      const after: TokenRecord = {
        ...rest,
        hash,
        last4,
        ...(grace !== undefined ? { previousHash: token.hash, previousHashExpiresAt: grace } : {}),
        lastModified: now,
        version: token.version + 1,
      };
      await tokens.replaceSecret(token, after);
      return withMember(after, secret);
    },

    /**
     * Signing out: the console session the call is made with ends (its secret is 401 from then
     * on). Only a session ends itself so; an access token is deleted by id.
     */
    async endSession(principal: Principal): Promise<void> {
      if (principal.session !== true) {
        throw invalid(
          'Authorization: this is an access token, not a console session; sign-out ends the session it is called with (an access token is deleted with DELETE /tokens/{id})',
        );
      }
      const session = await tokens.get(principal.accountId, principal.tokenId, true);
      if (session === undefined) return;
      await tokens.delete(session);
    },

    /** A new token with the source's scope, owned by the caller (a clone is a create). */
    async clone(principal: Principal, tokenId: string, command: CloneTokenCommand): Promise<TokenWithMember> {
      const source = await findVisible(principal, tokenId);
      const now = Date.now();
      ensureFuture(command.expiresAt, now);
      const allowedCidrs =
        command.allowedCidrs === undefined ? source.allowedCidrs : allowedCidrsOf(command.allowedCidrs);
      await ensureMayHandOut(
        principal,
        {
          serviceToken: source.serviceToken,
          scope: source.scope,
          expiresAt: command.expiresAt,
          allowedCidrs,
        },
        now,
      );
      const description = command.description ?? source.description;
      return issue(principal, {
        ...(allowedCidrs !== undefined ? { allowedCidrs } : {}),
        name: command.name,
        ...(description !== undefined ? { description } : {}),
        ...(command.expiresAt !== undefined ? { expiresAt: command.expiresAt } : {}),
        scope: source.scope,
        serviceToken: source.serviceToken,
        ...(source.defaultApiVersion !== undefined ? { defaultApiVersion: source.defaultApiVersion } : {}),
      });
    },
  };
}

export type TokenService = ReturnType<typeof tokenService>;
