import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { config } from '../config/config.js';
import { hashSecret, secretsEqual } from '../domain/token-format.js';

/**
 * Every way a presented ID token can be refused, for the logs; all of them are the same 401 at
 * the edge. Faults (the issuer's keys cannot be fetched) are thrown, and answered 503.
 */
export type IdTokenRefusal =
  | 'MALFORMED'
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'WRONG_ISSUER'
  | 'WRONG_AUDIENCE'
  | 'BAD_CLAIMS'
  | 'NONCE_MISMATCH'
  | 'EMAIL_UNVERIFIED';

/** What sign-in needs of a verified ID token. */
export interface VerifiedIdToken {
  /** The `email` claim, lower-cased (member e-mails are stored so). */
  readonly email: string;
  readonly subject: string;
  /** The ID token's own expiry, epoch ms. */
  readonly expiresAt: number;
  /** SHA-256 of the ID token, to use it once. */
  readonly hash: string;
}

export type IdTokenResult =
  | { readonly ok: true; readonly idToken: VerifiedIdToken }
  | { readonly ok: false; readonly code: IdTokenRefusal };

/** The issuer's keys or discovery document could not be had: 503, nothing was let through. */
export class IssuerUnavailableError extends Error {
  override readonly name = 'ServiceUnavailable';
}

/** Signatures that ID tokens may carry: the asymmetric ones (an HMAC key would be a shared secret). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

type KeySet = ReturnType<typeof createRemoteJWKSet>;
const keySets = new Map<string, KeySet>();
const discovered = new Map<string, Promise<string>>();

/** The issuer's `jwks_uri`, from its discovery document (fetched once per process and issuer). */
function discoverJwksUri(issuer: string): Promise<string> {
  let uri = discovered.get(issuer);
  if (uri === undefined) {
    uri = (async () => {
      const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const response = await fetch(url, { signal: AbortSignal.timeout(config.awsCallTimeoutMs()) });
      if (!response.ok) throw new Error(`the issuer's discovery document answered ${response.status}`);
      const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
      if (document.issuer !== issuer || typeof document.jwks_uri !== 'string')
        throw new Error("the issuer's discovery document names another issuer, or no jwks_uri");
      return document.jwks_uri;
    })();
    discovered.set(issuer, uri);
    // A failure is not kept: the next sign-in tries again.
    uri.catch(() => discovered.delete(issuer));
  }
  return uri;
}

/** The remote key set (jose caches the keys, and refetches at most every 30 s on an unknown key id). */
async function keySet(issuer: string): Promise<KeySet> {
  const uri = config.oidcJwksUri() ?? (await discoverJwksUri(issuer));
  let keys = keySets.get(uri);
  if (keys === undefined) {
    keys = createRemoteJWKSet(new URL(uri), { timeoutDuration: config.awsCallTimeoutMs() });
    keySets.set(uri, keys);
  }
  return keys;
}

const REFUSED_AS: Readonly<Record<string, IdTokenRefusal>> = {
  ERR_JWT_EXPIRED: 'EXPIRED',
  ERR_JWS_INVALID: 'MALFORMED',
  ERR_JWT_INVALID: 'MALFORMED',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'BAD_SIGNATURE',
  ERR_JWKS_NO_MATCHING_KEY: 'BAD_SIGNATURE',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'BAD_SIGNATURE',
  ERR_JOSE_ALG_NOT_ALLOWED: 'BAD_SIGNATURE',
  ERR_JOSE_NOT_SUPPORTED: 'BAD_SIGNATURE',
};

function refusalOf(error: unknown): IdTokenRefusal | undefined {
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'WRONG_ISSUER';
    if (error.claim === 'aud') return 'WRONG_AUDIENCE';
    return 'BAD_CLAIMS';
  }
  return error instanceof errors.JOSEError ? REFUSED_AS[error.code] : undefined;
}

/** The claims sign-in relies on, beyond what `jwtVerify` checked (signature, iss, aud, exp). */
function checkClaims(payload: JWTPayload, nonce: string, clientId: string): IdTokenRefusal | undefined {
  // OpenID Connect Core 3.1.3.7: with several audiences, the authorized party must be this client.
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== clientId)
    return 'WRONG_AUDIENCE';
  if (typeof payload.nonce !== 'string' || !secretsEqual(payload.nonce, nonce)) return 'NONCE_MISMATCH';
  if (typeof payload.email !== 'string' || payload.email.length === 0) return 'BAD_CLAIMS';
  // Cognito has sent the claim as a string in some versions.
  if (payload.email_verified !== true && payload.email_verified !== 'true') return 'EMAIL_UNVERIFIED';
  return undefined;
}

/**
 * Verifies an OpenID Connect ID token for console sign-in: signed by a key of the configured
 * issuer (fetched from its `jwks_uri`), issued by it, for the console's client id, not expired,
 * carrying the `nonce` the console generated for this sign-in, and a verified `email`.
 */
export async function verifyIdToken(idToken: string, nonce: string): Promise<IdTokenResult> {
  const issuer = config.oidcIssuer();
  const clientId = config.oidcClientId();
  let payload: JWTPayload;
  try {
    const keys = await keySet(issuer);
    ({ payload } = await jwtVerify(idToken, keys, {
      issuer,
      audience: clientId,
      algorithms: ALGORITHMS,
      requiredClaims: ['exp', 'iat', 'sub'],
    }));
  } catch (error) {
    const code = refusalOf(error);
    if (code !== undefined) return { ok: false, code };
    throw new IssuerUnavailableError(`could not verify the ID token: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const refusal = checkClaims(payload, nonce, clientId);
  if (refusal !== undefined) return { ok: false, code: refusal };
  return {
    ok: true,
    idToken: {
      email: (payload.email as string).toLowerCase(),
      subject: payload.sub!,
      expiresAt: payload.exp! * 1000,
      hash: hashSecret(idToken),
    },
  };
}
