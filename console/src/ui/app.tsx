import { useEffect, useState } from 'preact/hooks';
import { ApiError, configureApi } from '../api/client';
import type { Session } from '../api/types';
import { isAdmin } from '../api/types';
import {
  beginSignIn,
  completeSignIn,
  endProviderSession,
  NEEDS_INTERACTION,
  returnedFromProvider,
} from '../auth/oidc';
import { endSession, startSession } from '../auth/session';
import { type ConsoleConfig, loadConfig } from '../config';
import { AuditPage } from './audit-page';
import { AuthorizationsPage } from './authorizations-page';
import { FieldError } from './forms';
import { MembersPage } from './members-page';
import { RolesPage } from './roles-page';
import { href, type Route, useRoute } from './router';
import { TokenCreatePage } from './token-create-page';
import { TokenPolicyPage } from './token-policy-page';
import { TokensPage } from './tokens-page';

type Phase =
  | { readonly kind: 'starting'; readonly message: string }
  | { readonly kind: 'failed'; readonly message: string }
  | {
      readonly kind: 'signed-out';
      readonly config: ConsoleConfig;
      readonly notice?: string;
      readonly error?: string;
    }
  | { readonly kind: 'signed-in'; readonly config: ConsoleConfig; readonly session: Session };

/**
 * Set by sign-out, so that the next load does not sign in again silently (through a provider
 * session that survived: one with no sign-out endpoint). `just` says it on the page that follows.
 */
const SIGNED_OUT_KEY = 'console.signedOut';

async function boot(setPhase: (phase: Phase) => void): Promise<void> {
  // Back from the provider, the settings the sign-in began with are at hand: no config.json read
  // stands before the code exchange.
  const returned = returnedFromProvider<ConsoleConfig>();
  const config = returned?.pending.settings ?? (await loadConfig());
  configureApi(config.apiBaseUrl, () =>
    setPhase({ kind: 'signed-out', config, notice: 'Your session has ended. Sign in again to go on.' }),
  );
  if (returned !== undefined) {
    const result = await completeSignIn(returned);
    if (result.kind === 'signed-in') {
      setPhase({ kind: 'starting', message: 'Signing in…' });
      const session = await startSession(result.idToken, result.nonce);
      return setPhase({ kind: 'signed-in', config, session });
    }
    const error = NEEDS_INTERACTION.has(result.error) ? undefined : result.description || result.error;
    return setPhase({ kind: 'signed-out', config, ...(error !== undefined ? { error } : {}) });
  }
  const signedOut = sessionStorage.getItem(SIGNED_OUT_KEY);
  if (signedOut !== null) {
    sessionStorage.setItem(SIGNED_OUT_KEY, 'yes');
    return setPhase({
      kind: 'signed-out',
      config,
      ...(signedOut === 'just' ? { notice: 'You have signed out.' } : {}),
    });
  }
  await beginSignIn(config, { silent: true, returnTo: location.hash });
}

function explain(error: unknown): string {
  if (error instanceof ApiError && error.status === 401)
    return 'Your sign-in was not accepted: is your e-mail a member of this account?';
  return (error as Error).message;
}

/** The console's phases as they come, and the latest one. */
export interface Phases {
  readonly current: () => Phase;
  /** Calls `listener` with the latest phase, then with each one after it. */
  readonly listen: (listener: (phase: Phase) => void) => void;
}

/**
 * Starts the console at once, before the first render (an effect would wait for a painted frame):
 * reads the settings, then signs in silently, or exchanges the code the provider sent back.
 */
export function startConsole(): Phases {
  let current: Phase = { kind: 'starting', message: 'Starting…' };
  let listener: (phase: Phase) => void = () => {};
  const setPhase = (phase: Phase) => {
    current = phase;
    listener(phase);
  };
  boot(setPhase).catch(async (error: unknown) => {
    const config = await loadConfig().catch(() => undefined);
    setPhase(
      config === undefined
        ? { kind: 'failed', message: explain(error) }
        : { kind: 'signed-out', config, error: explain(error) },
    );
  });
  return {
    current: () => current,
    listen: (next) => {
      listener = next;
      next(current);
    },
  };
}

export function App({ phases }: { phases: Phases }) {
  const [phase, setPhase] = useState<Phase>(phases.current);
  useEffect(() => phases.listen(setPhase), [phases]);

  if (phase.kind === 'starting' || phase.kind === 'failed') {
    return (
      <main id="main" class="centered">
        <h1>Account settings</h1>
        <p role={phase.kind === 'failed' ? 'alert' : 'status'}>{phase.message}</p>
      </main>
    );
  }
  if (phase.kind === 'signed-out') return <SignedOut {...phase} />;
  return (
    <Shell
      session={phase.session}
      signOut={async () => {
        sessionStorage.setItem(SIGNED_OUT_KEY, 'just');
        const hint = await endSession();
        if (await endProviderSession(phase.config, hint)) return;
        sessionStorage.setItem(SIGNED_OUT_KEY, 'yes');
        setPhase({ kind: 'signed-out', config: phase.config, notice: 'You have signed out.' });
      }}
    />
  );
}

function SignedOut({ config, notice, error }: { config: ConsoleConfig; notice?: string; error?: string }) {
  const [busy, setBusy] = useState(false);
  const signIn = async () => {
    setBusy(true);
    sessionStorage.removeItem(SIGNED_OUT_KEY);
    await beginSignIn(config, { silent: false, returnTo: location.hash });
  };
  return (
    <>
      <header class="banner">
        <span class="brand">Access tokens</span>
      </header>
      <main id="main" class="centered">
        <h1>Sign in to Account settings</h1>
        {notice !== undefined && <p role="status">{notice}</p>}
        <FieldError message={error} />
        <p>
          Manage your personal API access tokens, and, as an admin, the account's members and custom roles.
        </p>
        <button type="button" class="primary" onClick={signIn} disabled={busy}>
          {busy ? 'Going to sign-in…' : 'Sign in'}
        </button>
      </main>
    </>
  );
}

const TABS: readonly { readonly route: Route; readonly label: string; readonly admin: boolean }[] = [
  { route: 'tokens', label: 'Access tokens', admin: false },
  { route: 'authorizations', label: 'Authorizations', admin: false },
  { route: 'members', label: 'Members', admin: true },
  { route: 'roles', label: 'Custom roles', admin: true },
  { route: 'audit', label: 'Audit log', admin: true },
  { route: 'token-policy', label: 'Token policy', admin: true },
];

function Shell({ session, signOut }: { session: Session; signOut: () => Promise<void> }) {
  const route = useRoute();
  const me = session.member;
  const admin = isAdmin(me);
  const tabs = TABS.filter((tab) => admin || !tab.admin);
  const current = route === 'tokens/new' ? 'tokens' : route;
  return (
    <>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="banner">
        <span class="brand">Access tokens</span>
        <span class="whoami">
          Signed in as <strong>{me.email}</strong> ({me.role})
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Account settings" class="tabs">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.route}>
              <a href={href(tab.route)} aria-current={tab.route === current ? 'page' : undefined}>
                {tab.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {route === 'tokens' && <TokensPage me={me} />}
        {route === 'tokens/new' && <TokenCreatePage me={me} />}
        {route === 'authorizations' && <AuthorizationsPage me={me} />}
        {route === 'members' && (admin ? <MembersPage me={me} /> : <NotAllowed />)}
        {route === 'roles' && (admin ? <RolesPage me={me} /> : <NotAllowed />)}
        {route === 'audit' && (admin ? <AuditPage me={me} /> : <NotAllowed />)}
        {route === 'token-policy' && (admin ? <TokenPolicyPage me={me} /> : <NotAllowed />)}
      </main>
    </>
  );
}

function NotAllowed() {
  return (
    <>
      <h1>Not available</h1>
      <p>
        Only admins and the owner manage members, custom roles and the token policy, and read the audit log.
      </p>
    </>
  );
}
