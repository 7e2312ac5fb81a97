import { createHash, randomBytes } from 'node:crypto';

/**
 * Signs in at an OpenID Connect provider over HTTP as a browser would, with fetch: the
 * authorization request (code + PKCE, a nonce and a state), the provider's login and consent
 * pages, the redirect back with the code, and the token endpoint. Cookies are kept across the
 * steps (a small jar: the provider's interaction and session cookies). Returns the ID token and
 * the nonce it was asked with, as the console would hold them before `POST /sessions`.
 */
export interface SignInOptions {
  readonly issuer: string;
  readonly clientId: string;
  /** Where the provider sends the code; one of the client's redirect URIs. */
  readonly redirectUri: string;
  readonly email: string;
}

export interface ProviderSignIn {
  readonly idToken: string;
  readonly nonce: string;
  /** What the token endpoint answered besides (access token, expiry, …). */
  readonly tokenResponse: Record<string, unknown>;
  /** The authorization code and the PKCE verifier it was redeemed with (secrets of the flow). */
  readonly code: string;
  readonly verifier: string;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

class Browser {
  private readonly cookies = new Map<string, string>();

  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') <= Date.now(),
      );
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Follows redirects (GET) until a page answers, or one leads to `stopAt`; returns that URL or page. */
  async follow(
    response: Response,
    from: string,
    stopAt: string,
  ): Promise<{ url: string; response: Response }> {
    let current = response;
    let url = from;
    for (let hops = 0; hops < 10 && current.status >= 300 && current.status < 400; hops++) {
      url = new URL(current.headers.get('location') ?? '', url).href;
      await current.body?.cancel();
      if (url.startsWith(stopAt)) return { url, response: current };
      current = await this.go(url);
    }
    return { url, response: current };
  }
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** The action of the page's (only) form, as an absolute URL. */
function formAction(html: string, pageUrl: string): string {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form on ${pageUrl}: ${html.slice(0, 300)}`);
  return new URL(action.replace(/&amp;/g, '&'), pageUrl).href;
}

export async function signInAtProvider(options: SignInOptions): Promise<ProviderSignIn> {
  const discovery = (await (await fetch(`${options.issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };
  const verifier = base64url(randomBytes(32));
  const nonce = base64url(randomBytes(16));
  const state = base64url(randomBytes(16));
  const authorize = new URL(discovery.authorization_endpoint);
  for (const [k, v] of Object.entries({
    client_id: options.clientId,
    response_type: 'code',
    scope: 'openid email profile',
    redirect_uri: options.redirectUri,
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    nonce,
    state,
  }))
    authorize.searchParams.set(k, v);

  const browser = new Browser();
  // authorize → the login page
  let step = await browser.follow(await browser.go(authorize.href), authorize.href, options.redirectUri);
  const login = await step.response.text();
  if (step.response.status !== 200)
    throw new Error(`login page: ${step.response.status} ${login.slice(0, 300)}`);
  // login → back to authorize → the consent page
  const loginAction = formAction(login, step.url);
  step = await browser.follow(
    await browser.go(loginAction, form({ email: options.email })),
    loginAction,
    options.redirectUri,
  );
  const consent = await step.response.text();
  if (step.response.status !== 200)
    throw new Error(`consent page: ${step.response.status} ${consent.slice(0, 300)}`);
  if (formAction(consent, step.url).endsWith('/login'))
    throw new Error(`login refused: ${/class="error">([^<]*)/.exec(consent)?.[1] ?? consent.slice(0, 300)}`);
  // consent → back to authorize → the redirect with the code
  const consentAction = formAction(consent, step.url);
  step = await browser.follow(await browser.go(consentAction, form({})), consentAction, options.redirectUri);
  const callback = new URL(step.url);
  if (!step.url.startsWith(options.redirectUri))
    throw new Error(
      `no redirect with a code: ${step.response.status} ${(await step.response.text()).slice(0, 300)}`,
    );
  if (callback.searchParams.get('state') !== state) throw new Error('the state came back changed');
  const code = callback.searchParams.get('code');
  if (code === null) throw new Error(`no code: ${callback.search}`);

  const token = await fetch(
    discovery.token_endpoint,
    form({
      grant_type: 'authorization_code',
      code,
      redirect_uri: options.redirectUri,
      client_id: options.clientId,
      code_verifier: verifier,
    }),
  );
  const tokenResponse = (await token.json()) as Record<string, unknown>;
  if (token.status !== 200 || typeof tokenResponse.id_token !== 'string')
    throw new Error(`token endpoint: ${token.status} ${JSON.stringify(tokenResponse)}`);
  return { idToken: tokenResponse.id_token, nonce, tokenResponse, code, verifier };
}
