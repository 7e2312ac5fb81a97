/**
 * OpenID Connect sign-in for a public client: authorization code + PKCE (S256), with a state and
 * a nonce, against any standard provider found through its discovery document. A full-page
 * redirect rather than a hidden iframe, so that no third-party cookie and no `frame-src` is needed;
 * a reload signs in again with `prompt=none` through the provider's own session.
 *
 * What must survive the redirect (state, nonce, code_verifier, where to come back to, the settings
 * the sign-in began with) is kept in sessionStorage for the few seconds of the round trip and
 * removed as soon as the browser is back; it is not a credential without the provider's code,
 * which is single use. The session token is
 * never stored anywhere but in memory (session.ts).
 */
import { challengeOf, jwtClaims, randomToken } from './pkce';

export interface OidcSettings {
  readonly oidcIssuer: string;
  readonly oidcClientId: string;
  readonly redirectUri: string;
  /** Cognito's sign-out endpoint (its discovery document names none); see ConsoleConfig. */
  readonly logoutEndpoint?: string;
}

interface Discovery {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly end_session_endpoint?: string;
}

interface Pending<S extends OidcSettings> {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly returnTo: string;
  /** The settings the sign-in began with: the code is redeemed with the same client and redirect URI. */
  readonly settings: S;
}

/** The browser is back from the provider with what it brought for the sign-in this tab began. */
export interface Returned<S extends OidcSettings> {
  readonly pending: Pending<S>;
  readonly query: URLSearchParams;
}

export type SignInResult =
  | {
      readonly kind: 'signed-in';
      readonly idToken: string;
      readonly nonce: string;
      readonly returnTo: string;
    }
  | {
      readonly kind: 'refused';
      readonly error: string;
      readonly description: string;
      readonly returnTo: string;
    };

/** The provider answered `prompt=none` with "a person must act": not a failure, just not signed in. */
export const NEEDS_INTERACTION = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);

const PENDING_KEY = 'console.oidc.pending';

export class SignInError extends Error {}

const DISCOVERY_KEY = 'console.oidc.discovery';

let discovered: Promise<Discovery> | undefined;

/**
 * The provider's discovery document, read once per tab: it is public, and kept in sessionStorage so
 * that the way back from the provider (a new page load) does not read it again.
 */
export function discover(issuer: string): Promise<Discovery> {
  discovered ??= (async () => {
    const kept = JSON.parse(sessionStorage.getItem(DISCOVERY_KEY) ?? 'null') as Discovery | null;
    if (kept?.issuer === issuer) return kept;
    const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    if (!response.ok) throw new SignInError(`The sign-in provider did not answer (${response.status}).`);
    const document = (await response.json()) as Discovery;
    if (document.issuer !== issuer) throw new SignInError('The sign-in provider names another issuer.');
    sessionStorage.setItem(DISCOVERY_KEY, JSON.stringify(document));
    return document;
  })();
  discovered.catch(() => {
    discovered = undefined;
  });
  return discovered;
}

/** Sends the browser to the provider; `silent` asks it not to show any page (`prompt=none`). */
export async function beginSignIn<S extends OidcSettings>(
  settings: S,
  options: { silent: boolean; returnTo: string },
): Promise<void> {
  const provider = await discover(settings.oidcIssuer);
  const pending: Pending<S> = {
    state: randomToken(16),
    nonce: randomToken(16),
    verifier: randomToken(32),
    returnTo: options.returnTo,
    settings,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(provider.authorization_endpoint);
  const parameters: Record<string, string> = {
    client_id: settings.oidcClientId,
    response_type: 'code',
    scope: 'openid email profile',
    redirect_uri: settings.redirectUri,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
    ...(options.silent ? { prompt: 'none' } : {}),
  };
  for (const [key, value] of Object.entries(parameters)) url.searchParams.set(key, value);
  location.assign(url.href);
}

function takePending<S extends OidcSettings>(): Pending<S> | undefined {
  const text = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Pending<S>;
  } catch {
    return undefined;
  }
}

/**
 * If the browser has just come back from the provider (a code or an error, with the state of the
 * sign-in this tab began), takes that sign-in's keepsakes and removes the answer from the address
 * bar. Synchronous, so that a page coming back needs no other read before the code exchange.
 */
export function returnedFromProvider<S extends OidcSettings>(): Returned<S> | undefined {
  const query = new URLSearchParams(location.search);
  const state = query.get('state');
  if (state === null || (!query.has('code') && !query.has('error'))) return undefined;
  const pending = takePending<S>();
  history.replaceState(null, '', `${location.pathname}${pending?.returnTo ?? ''}`);
  return pending?.state === state && pending.settings !== undefined ? { pending, query } : undefined;
}

/** What the provider answered: an error, or a code that is exchanged here for the ID token. */
export async function completeSignIn<S extends OidcSettings>({
  pending,
  query,
}: Returned<S>): Promise<SignInResult> {
  const error = query.get('error');
  if (error !== null) {
    return {
      kind: 'refused',
      error,
      description: query.get('error_description') ?? '',
      returnTo: pending.returnTo,
    };
  }
  const { settings } = pending;
  const provider = await discover(settings.oidcIssuer);
  const response = await fetch(provider.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code') ?? '',
      redirect_uri: settings.redirectUri,
      client_id: settings.oidcClientId,
      code_verifier: pending.verifier,
    }),
  });
  const answer = (await response.json().catch(() => ({}))) as {
    id_token?: string;
    error_description?: string;
  };
  if (!response.ok || typeof answer.id_token !== 'string') {
    throw new SignInError(
      answer.error_description ?? `The sign-in provider refused the code (${response.status}).`,
    );
  }
  if (jwtClaims(answer.id_token).nonce !== pending.nonce)
    throw new SignInError('The sign-in answer was not for this browser.');
  return { kind: 'signed-in', idToken: answer.id_token, nonce: pending.nonce, returnTo: pending.returnTo };
}

/**
 * Ends the provider's own session too, so that signing in again asks who is there: at Cognito's
 * `/logout` (given by configuration: its discovery names none), or at the `end_session_endpoint`
 * of OpenID Connect RP-initiated logout, with the ID token as a hint (the local provider then asks
 * nothing). Either sends the browser back to the console. Without either, does nothing.
 */
export async function endProviderSession(
  settings: OidcSettings,
  idToken: string | undefined,
): Promise<boolean> {
  let url: URL;
  if (settings.logoutEndpoint !== undefined) {
    url = new URL(settings.logoutEndpoint);
    url.searchParams.set('client_id', settings.oidcClientId);
    url.searchParams.set('logout_uri', settings.redirectUri);
  } else {
    const provider = await discover(settings.oidcIssuer).catch(() => undefined);
    if (provider?.end_session_endpoint === undefined) return false;
    url = new URL(provider.end_session_endpoint);
    url.searchParams.set('client_id', settings.oidcClientId);
    url.searchParams.set('post_logout_redirect_uri', settings.redirectUri);
    if (idToken !== undefined) url.searchParams.set('id_token_hint', idToken);
  }
  location.assign(url.href);
  return true;
}
