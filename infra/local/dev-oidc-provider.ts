/**
 * The local stack's OpenID Connect provider, for development only: `npm start` serves it under
 * `/oidc`, so that the console's sign-in (authorization code + PKCE) works on one machine with
 * nothing else installed. Its accounts are the local account's members, read from DynamoDB; its
 * login page takes a member's e-mail and no password. It is never deployed: nothing under
 * functions/ or shared/ imports it, so it is in no Lambda bundle (on AWS, sign-in is Cognito's or
 * an external issuer's).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import type {
  AdapterFactory,
  AdapterPayload,
  Configuration,
  KoaContextWithOIDC,
  default as Provider,
} from 'oidc-provider';
import { type MemberRecord, memberRepo } from '../../shared/data/member-repo.js';
import { logger } from '../../shared/http/logger.js';

/** Where the provider is mounted on the local server. */
export const DEV_OIDC_PATH = '/oidc';
/** The console's client: public (no secret), authorization code with PKCE only. */
export const DEV_CONSOLE_CLIENT_ID = 'console';
/** The console's sign-in callback, beside `/` (where the console itself is served). */
export const DEV_CONSOLE_CALLBACK_PATH = '/callback';

const HOUR_S = 3600;

export interface DevOidcProviderOptions {
  /** The issuer, e.g. `http://localhost:3000/oidc` (what ID tokens carry in `iss`). */
  readonly issuer: string;
  /** The origins the console is opened on (`http://localhost:3000`, …): its redirect URIs. */
  readonly consoleOrigins: readonly string[];
  /** The account whose members are the provider's accounts. */
  readonly accountId: string;
}

export interface DevOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  /** Handles a request under DEV_OIDC_PATH. */
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.dev{background:#fff3cd;border:1px solid #e0c46c;padding:.75rem;border-radius:.4rem;font-size:.9rem}
label,input,button{display:block;width:100%;box-sizing:border-box;font-size:1rem}
input{padding:.5rem;margin:.25rem 0 1rem}button{padding:.6rem;cursor:pointer}
.error{color:#a00}
</style></head><body>
<p class="dev"><strong>Development only.</strong> This is the local stack's sign-in (<code>npm start</code>):
it asks for no password. Deployments sign in at their own identity provider.</p>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function loginPage(uid: string, error?: string): string {
  return page(
    'Sign in',
    `${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${DEV_OIDC_PATH}/interaction/${encodeURIComponent(uid)}/login" autocomplete="off">
<label for="email">A member's e-mail address</label>
<input id="email" name="email" type="email" required autofocus>
<button type="submit">Sign in</button>
</form>`,
  );
}

function consentPage(uid: string, scopes: readonly string[]): string {
  return page(
    'Allow the console',
    `<p>The console asks for: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}.</p>
<form method="post" action="${DEV_OIDC_PATH}/interaction/${encodeURIComponent(uid)}/confirm">
<button type="submit">Continue</button>
</form>`,
  );
}

/**
 * RP-initiated logout (the console's sign-out). oidc-provider asks the person to confirm; this
 * provider skips the question when the console proves whose session it ends, with an ID token of
 * the signed-in member (`id_token_hint`, verified by the library before this runs), as OpenID
 * Connect RP-Initiated Logout 1.0 allows: the form is submitted as soon as the page loads, and the
 * provider sends the browser back to the console (`post_logout_redirect_uri`).
 */
function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  const hint = ctx.oidc.entities.IdTokenHint?.payload.sub;
  const confirmed = hint !== undefined && hint === ctx.oidc.session?.accountId;
  ctx.type = 'html';
  ctx.body = confirmed
    ? page(
        'Signing out',
        `${form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>')}
<noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
<script>document.getElementById('op.logoutForm').submit()</script>`,
      )
    : page(
        'Sign out?',
        `<p>Sign out of the development provider (<code>${escapeHtml(ctx.host)}</code>)?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
      );
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p>You have signed out of the development provider.</p>');
}

async function formBody(request: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 4096) break;
  }
  return new URLSearchParams(text);
}

function send(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
  });
  response.end(html);
}

/**
 * The provider's own state (interactions, codes, sessions, grants) in this process's memory, for
 * as long as each lives: a development provider keeps nothing across restarts. (The package's
 * built-in memory adapter does the same, with a warning on every start.)
 */
function memoryAdapter(): AdapterFactory {
  const store = new Map<string, { readonly payload: AdapterPayload; readonly expiresAt: number }>();
  const live = (key: string): AdapterPayload | undefined => {
    const entry = store.get(key);
    if (entry !== undefined && entry.expiresAt > Date.now()) return entry.payload;
    store.delete(key);
    return undefined;
  };
  const findWhere = (name: string, match: (payload: AdapterPayload) => boolean) => {
    for (const key of store.keys()) {
      const payload = key.startsWith(`${name}:`) ? live(key) : undefined;
      if (payload !== undefined && match(payload)) return payload;
    }
    return undefined;
  };
  return (name) => ({
    upsert: async (id, payload, expiresIn) => {
      for (const key of store.keys()) live(key);
      store.set(`${name}:${id}`, { payload, expiresAt: Date.now() + (expiresIn ?? 3600) * 1000 });
    },
    find: async (id) => live(`${name}:${id}`),
    findByUid: async (uid) => findWhere(name, (p) => p.uid === uid),
    findByUserCode: async (userCode) => findWhere(name, (p) => p.userCode === userCode),
    consume: async (id) => {
      const payload = live(`${name}:${id}`);
      if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
    },
    destroy: async (id) => {
      store.delete(`${name}:${id}`);
    },
    revokeByGrantId: async (grantId) => {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
    },
  });
}

/** The member as the provider's account: `sub` is the member id; the e-mail is the member's (verified). */
function accountOf(member: MemberRecord) {
  return {
    accountId: member.memberId,
    claims: () => ({
      sub: member.memberId,
      email: member.email,
      email_verified: true,
      ...(member.firstName !== undefined ? { given_name: member.firstName } : {}),
      ...(member.lastName !== undefined ? { family_name: member.lastName } : {}),
      name: [member.firstName, member.lastName].filter(Boolean).join(' ') || member.email,
    }),
  };
}

async function configuration(options: DevOidcProviderOptions): Promise<Configuration> {
  // A fresh signing key and cookie key per start: nothing of the provider outlives the process
  // (sessions made from its ID tokens are DynamoDB's and do).
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: `dev-${randomBytes(4).toString('hex')}`,
    use: 'sig',
    alg: 'RS256',
  };
  const redirectUris = options.consoleOrigins.flatMap((origin) => [
    `${origin}/`,
    `${origin}${DEV_CONSOLE_CALLBACK_PATH}`,
  ]);
  return {
    adapter: memoryAdapter(),
    clients: [
      {
        client_id: DEV_CONSOLE_CLIENT_ID,
        client_name: 'Console (local development)',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: redirectUris,
        post_logout_redirect_uris: redirectUris,
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    // The console reads the member's e-mail from the ID token itself, as from Cognito's.
    conformIdTokenClaims: false,
    ttl: {
      IdToken: 8 * HOUR_S,
      AccessToken: HOUR_S,
      AuthorizationCode: 60,
      Interaction: HOUR_S,
      Session: 8 * HOUR_S,
      Grant: 8 * HOUR_S,
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    interactions: {
      url: (_ctx: KoaContextWithOIDC, interaction) => `${DEV_OIDC_PATH}/interaction/${interaction.uid}`,
    },
    findAccount: async (_ctx, sub) => {
      const member = await memberRepo.get(options.accountId, sub, true);
      return member === undefined ? undefined : accountOf(member);
    },
  };
}

/**
 * oidc-provider 9 warns on import that it supports Node.js 22 LTS and later; this project runs on
 * Node.js 20 too (engines, and the machines its tests run on), where the provider works and is
 * tested. That one line is left out of `npm start`'s output; any other warning is shown.
 */
async function importProvider(): Promise<typeof Provider> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
  };
  try {
    return (await import('oidc-provider')).default;
  } finally {
    console.warn = warn;
  }
}

/** The provider, and the handler of its login and consent pages. */
export async function startDevOidcProvider(options: DevOidcProviderOptions): Promise<DevOidcProvider> {
  const Provider = await importProvider();
  const provider = new Provider(options.issuer, await configuration(options));
  provider.on('server_error', (_ctx: unknown, error: Error) =>
    logger.error('development OpenID provider error', { error }),
  );
  const callback = provider.callback();

  async function interaction(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
  ): Promise<void> {
    const [, uid, step] = /^\/interaction\/([^/]+)(?:\/(login|confirm))?$/.exec(path) ?? [];
    if (uid === undefined) return send(response, 404, page('Not found', '<p>No such page.</p>'));
    const details = await provider.interactionDetails(request, response);
    if (details.uid !== uid)
      return send(response, 400, page('Sign-in expired', '<p>Start again from the console.</p>'));
    if (request.method === 'GET' && step === undefined) {
      if (details.prompt.name === 'login') return send(response, 200, loginPage(uid));
      const scopes = String(details.params.scope ?? 'openid').split(' ');
      return send(response, 200, consentPage(uid, scopes));
    }
    if (request.method === 'POST' && step === 'login') {
      const email = (await formBody(request)).get('email')?.trim().toLowerCase() ?? '';
      const member = email === '' ? undefined : await memberRepo.findByEmail(options.accountId, email);
      if (member === undefined)
        return send(response, 200, loginPage(uid, 'No member of the local account has this e-mail.'));
      return provider.interactionFinished(
        request,
        response,
        { login: { accountId: member.memberId } },
        {
          mergeWithLastSubmission: false,
        },
      );
    }
    if (request.method === 'POST' && step === 'confirm') {
      const { prompt, params, session, grantId } = details;
      if (session === undefined)
        return send(response, 400, page('Sign-in expired', '<p>Start again from the console.</p>'));
      const grant =
        (grantId !== undefined ? await provider.Grant.find(grantId) : undefined) ??
        new provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
      const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      return provider.interactionFinished(
        request,
        response,
        { consent: { grantId: await grant.save() } },
        {
          mergeWithLastSubmission: true,
        },
      );
    }
    return send(response, 405, page('Not allowed', '<p>This page does not take that method.</p>'));
  }

  return {
    issuer: options.issuer,
    clientId: DEV_CONSOLE_CLIENT_ID,
    handle: (request, response) => {
      const url = request.url ?? '/';
      const path = url.slice(DEV_OIDC_PATH.length).split('?')[0] || '/';
      if (path.startsWith('/interaction/')) {
        interaction(request, response, path).catch((error: unknown) => {
          logger.error('development sign-in page failed', { error: error as Error });
          if (!response.headersSent)
            send(response, 400, page('Sign-in failed', '<p>Start again from the console.</p>'));
          else response.destroy();
        });
        return;
      }
      // The provider computes its endpoints from the mount path, which it reads off originalUrl.
      Object.assign(request, { originalUrl: url, url: url.slice(DEV_OIDC_PATH.length) || '/' });
      callback(request, response);
    },
  };
}
