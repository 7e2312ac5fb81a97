import type { Repositories } from '../data/repositories.js';
import type { HashRecord } from '../data/token-repo.js';
import { accessTokenFormat, hashSecret, secretsEqual } from '../domain/token-format.js';
import { conflict } from './errors.js';

/** How many reported values are looked up at once (a report holds at most 100). */
const LOOKUPS_AT_ONCE = 10;
/**
 * A token that changes under a report is read again; past this many changes in a row (its member
 * rewriting it as fast as it is read), the report is a 409 that says to send it again: a race,
 * not a fault, and no 5xx.
 */
const ATTEMPTS = 5;

/** Whether the secret a hash item was found by still works now (as the authorizer judges it). */
function works(token: HashRecord, hash: string, now: number): boolean {
  if (token.secretExpiresAt !== undefined && token.secretExpiresAt <= now) return false;
  if (token.expiresAt !== undefined && token.expiresAt <= now) return false;
  return (
    secretsEqual(token.hash, hash) ||
    (token.previousHash !== undefined &&
      token.previousHashExpiresAt !== undefined &&
      token.previousHashExpiresAt > now &&
      secretsEqual(token.previousHash, hash))
  );
}

/**
 * Leaked-token reports (`POST /tokens/leaked`, no credentials: the values are what is reported).
 * Every reported value that is a live token's secret, its current one or one still in grace after
 * a reset, revokes the whole token (reason `leaked`): whoever holds a working secret of it may
 * act as it, so the token is compromised, not just that secret. The revocation is the one every
 * other takes: the token, its hash items and its revocation record in one transaction, then the
 * stream handler publishes `Token Revoked` and flushes the authorizer cache (the edge flushes too,
 * at once). Cheap checks first: a value that fails the format or checksum costs no read.
 */
export function leakService({ tokens }: Pick<Repositories, 'tokens'>) {
  /** Revokes the token whose live secret hashes to `hash`; false when there is none. */
  async function revokeByHash(hash: string, now: number): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const found = await tokens.getHash(hash);
      if (found === undefined || !works(found, hash, now)) return false;
      const { secretExpiresAt: _secretExpiresAt, ...token } = found;
      if (await tokens.revokeAsRead(token, { reason: 'leaked', revokedAt: now })) return true;
      if (attempt >= ATTEMPTS)
        throw conflict('a reported token changed while it was being revoked; send the report again');
    }
  }

  return {
    /**
     * Revokes every live token among `values`. Returns how many were revoked, for the edge to know
     * whether to flush the authorizer cache; the caller is never told (the answer is the same).
     */
    async report(values: readonly string[], now = Date.now()): Promise<number> {
      const hashes = [...new Set(values.filter((v) => accessTokenFormat.isWellFormed(v)).map(hashSecret))];
      let revoked = 0;
      for (let i = 0; i < hashes.length; i += LOOKUPS_AT_ONCE) {
        const batch = hashes.slice(i, i + LOOKUPS_AT_ONCE);
        const results = await Promise.all(batch.map((hash) => revokeByHash(hash, now)));
        revoked += results.filter(Boolean).length;
      }
      return revoked;
    },
  };
}

export type LeakService = ReturnType<typeof leakService>;
