import type { TokenRecord } from '../data/token-repo.js';
import { accessTokenFormat, hashSecret, newId, obscure } from '../domain/token-format.js';

/** What a new token is made of; everything else (id, times, secret, hash) the factory fills in. */
export type NewTokenFields = Pick<
  TokenRecord,
  | 'accountId'
  | 'memberId'
  | 'serviceToken'
  | 'name'
  | 'description'
  | 'scope'
  | 'expiresAt'
  | 'defaultApiVersion'
  | 'allowedCidrs'
  | 'session'
>;

export interface IssuedSecret {
  readonly token: TokenRecord;
  /** The full value: returned to the caller once, never stored, logged or published. */
  readonly secret: string;
}

/**
 * The one place a token and its secret are made (create, clone, accept, bootstrap, sign-in): a fresh id and
 * secret, only the secret's hash and last four characters kept. Callers store the record.
 */
export function newToken(fields: NewTokenFields, now = Date.now()): IssuedSecret {
  const secret = accessTokenFormat.generate();
  const { description, expiresAt, defaultApiVersion, allowedCidrs, session, ...required } = fields;
  const token: TokenRecord = {
    ...required,
    ...(session === true ? { session } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(defaultApiVersion !== undefined ? { defaultApiVersion } : {}),
    ...(allowedCidrs !== undefined && allowedCidrs.length > 0 ? { allowedCidrs } : {}),
    tokenId: newId(),
    creationDate: now,
    lastModified: now,
    last4: obscure(secret),
    hash: hashSecret(secret),
    version: 1,
  };
  return { token, secret };
}

/** A new secret for an existing token (reset): the record with its new hash, and the secret once. */
export function newSecret(): { hash: string; last4: string; secret: string } {
  const secret = accessTokenFormat.generate();
  return { hash: hashSecret(secret), last4: obscure(secret), secret };
}
