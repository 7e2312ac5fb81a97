import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * An OpenID Connect issuer of the tests' own: its discovery document and key set served over HTTP
 * on this machine, and ID tokens signed with its key (or, to be refused, with a key it does not
 * publish), with any claims a test wants. `use` points sign-in (`POST /sessions`) at it.
 */
export class TestIssuer {
  readonly clientId = 'test-console';

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    private readonly key: KeyPair,
    private readonly stranger: KeyPair,
  ) {}

  static async start(): Promise<TestIssuer> {
    const key = await generateKeyPair('RS256', { extractable: true });
    const stranger = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    let issuer = '';
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', issuer).pathname;
      const documents: Record<string, unknown> = {
        '/issuer/.well-known/openid-configuration': {
          issuer,
          jwks_uri: `${issuer}/jwks`,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
        },
        '/issuer/jwks': { keys: [jwk] },
      };
      const body = documents[path];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}/issuer`;
    return new TestIssuer(server, issuer, key, stranger);
  }

  /**
   * Makes sign-in trust this issuer (with its keys found through discovery unless `jwksUri` says
   * where), for the members of `accountId`.
   */
  use(accountId: string, { discover = false }: { discover?: boolean } = {}): void {
    Object.assign(process.env, {
      OIDC_ISSUER: this.issuer,
      OIDC_CLIENT_ID: this.clientId,
      CONSOLE_ACCOUNT_ID: accountId,
    });
    if (discover) delete process.env.OIDC_JWKS_URI;
    else process.env.OIDC_JWKS_URI = `${this.issuer}/jwks`;
  }

  /**
   * An ID token for `email` with `nonce`, valid for an hour, as a provider would issue it; every
   * claim can be overridden (`undefined` leaves one out). `signedBy: 'stranger'` signs it with a
   * key the issuer does not publish (same key id).
   */
  async idToken(
    claims: { email?: string | undefined; nonce?: string | undefined } & Record<string, unknown>,
    options: { signedBy?: 'issuer' | 'stranger'; expiresInSeconds?: number } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = Object.fromEntries(
      Object.entries({
        iss: this.issuer,
        aud: this.clientId,
        sub: `sub-${claims.email ?? 'none'}`,
        iat: now,
        exp: now + (options.expiresInSeconds ?? 3600),
        email_verified: true,
        ...claims,
      }).filter(([, value]) => value !== undefined),
    );
    const key = options.signedBy === 'stranger' ? this.stranger : this.key;
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key.privateKey);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
