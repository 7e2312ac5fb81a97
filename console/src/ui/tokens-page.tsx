import { useState } from 'preact/hooks';
import { ApiError, api, listAll } from '../api/client';
import type { Member, Token } from '../api/types';
import { isAdmin } from '../api/types';
import { ConfirmDialog, Dialog } from './dialog';
import { PageHeading } from './page-heading';
import { href } from './router';
import { SecretReveal } from './secret-reveal';
import { Empty, LoadError, Loading, StatusMessage } from './states';
import { isOwn, TokenTable } from './token-table';
import { useResource } from './use-resource';

type Action = { kind: 'clone' | 'reset' | 'delete'; token: Token };

const GRACE_PERIODS: readonly { readonly label: string; readonly ms: number }[] = [
  { label: 'None: the old value stops now', ms: 0 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '24 hours', ms: 86_400_000 },
  { label: '7 days', ms: 7 * 86_400_000 },
];

/** Account settings → Access tokens: the member's own tokens (admins: everyone's, on request). */
export function TokensPage({ me }: { me: Member }) {
  const [showAll, setShowAll] = useState(false);
  const [tokens, reload] = useResource(
    () => listAll<Token>('/tokens', { showAll: showAll ? 'true' : undefined }),
    String(showAll),
  );
  const [action, setAction] = useState<Action>();
  const [secret, setSecret] = useState<{ name: string; value: string }>();
  const [status, setStatus] = useState<string>();

  const done = async (message: string, revealed?: { name: string; value: string }) => {
    setAction(undefined);
    setSecret(revealed);
    await reload();
    setStatus(message);
  };

  return (
    <>
      <div class="page-head">
        <PageHeading>Access tokens</PageHeading>
        <a class="button primary" href={href('tokens/new')}>
          + token
        </a>
      </div>
      <p>
        Personal API access tokens act as you, within the scope you give them. A token's value is shown once,
        when it is made; keep it somewhere safe.
      </p>
      {isAdmin(me) && (
        <div class="field checkbox">
          <input
            id="show-all"
            type="checkbox"
            checked={showAll}
            onChange={(e) => setShowAll(e.currentTarget.checked)}
          />
          <label for="show-all">Show every member's tokens</label>
        </div>
      )}
      {secret !== undefined && (
        <SecretReveal
          label={`New value of “${secret.name}”`}
          value={secret.value}
          reminder="Copy it now: you will not be able to see it again once you leave or reload this page."
          onDone={() => setSecret(undefined)}
        />
      )}
      <StatusMessage message={status} />
      {tokens.state === 'loading' && <Loading what="tokens" />}
      {tokens.state === 'error' && <LoadError what="tokens" error={tokens.error} retry={reload} />}
      {tokens.state === 'ready' && tokens.data.length === 0 && (
        <Empty>
          <p>{showAll ? 'Nobody in the account has a token yet.' : 'You have no access tokens yet.'}</p>
          <a class="button" href={href('tokens/new')}>
            Create your first token
          </a>
        </Empty>
      )}
      {tokens.state === 'ready' && tokens.data.length > 0 && (
        <TokenTable
          caption={showAll ? "Every member's tokens" : 'Your tokens'}
          tokens={tokens.data}
          showMember={showAll}
          actions={(token) => (
            <>
              {isOwn(token, me) && (
                <>
                  <button
                    type="button"
                    onClick={() => setAction({ kind: 'clone', token })}
                    aria-label={`Clone ${token.name}`}
                  >
                    Clone
                  </button>
                  <button
                    type="button"
                    onClick={() => setAction({ kind: 'reset', token })}
                    aria-label={`Reset ${token.name}`}
                  >
                    Reset
                  </button>
                </>
              )}
              <button
                type="button"
                class="danger"
                onClick={() => setAction({ kind: 'delete', token })}
                aria-label={`Delete ${token.name}`}
              >
                Delete
              </button>
            </>
          )}
        />
      )}
      {action?.kind === 'clone' && (
        <CloneDialog token={action.token} onClose={() => setAction(undefined)} onDone={done} />
      )}
      {action?.kind === 'reset' && (
        <ResetDialog token={action.token} onClose={() => setAction(undefined)} onDone={done} />
      )}
      {action?.kind === 'delete' && (
        <DeleteDialog token={action.token} onClose={() => setAction(undefined)} onDone={done} />
      )}
    </>
  );
}

type Done = (message: string, revealed?: { name: string; value: string }) => Promise<void>;

function CloneDialog({ token, onClose, onDone }: { token: Token; onClose: () => void; onDone: Done }) {
  const [name, setName] = useState(`${token.name} (copy)`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const clone = await api.post<Token>(`/tokens/${token._id}/clone`, { name });
      await onDone(`Cloned “${token.name}” as “${clone.name}”.`, { name: clone.name, value: clone.token });
    } catch (failure) {
      setError((failure as ApiError).message);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Clone “${token.name}”`} onClose={onClose}>
      <form onSubmit={submit}>
        <p>A new token with the same scope and a new value.</p>
        <div class="field">
          <label for="clone-name">Name of the new token</label>
          <input
            id="clone-name"
            required
            maxLength={256}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            aria-invalid={error !== undefined}
            aria-describedby={error !== undefined ? 'clone-error' : undefined}
          />
          {error !== undefined && (
            <p id="clone-error" class="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Cloning…' : 'Clone token'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ResetDialog({ token, onClose, onDone }: { token: Token; onClose: () => void; onDone: Done }) {
  const [grace, setGrace] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const reset = await api.post<Token>(
        `/tokens/${token._id}/reset`,
        undefined,
        grace > 0 ? { expiry: Date.now() + grace } : undefined,
      );
      await onDone(`Reset “${token.name}”.`, { name: reset.name, value: reset.token });
    } catch (failure) {
      setError((failure as ApiError).message);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Reset “${token.name}”`} onClose={onClose}>
      <form onSubmit={submit}>
        <p>
          The token gets a new value; its scope stays. Whatever uses the old value must be given the new one.
        </p>
        <div class="field">
          <label for="reset-grace">The old value keeps working for</label>
          <select
            id="reset-grace"
            value={String(grace)}
            onChange={(e) => setGrace(Number(e.currentTarget.value))}
          >
            {GRACE_PERIODS.map((period) => (
              <option key={period.ms} value={String(period.ms)}>
                {period.label}
              </option>
            ))}
          </select>
        </div>
        {error !== undefined && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Resetting…' : 'Reset token'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteDialog({ token, onClose, onDone }: { token: Token; onClose: () => void; onDone: Done }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const confirm = async () => {
    setBusy(true);
    try {
      await api.delete(`/tokens/${token._id}`);
      await onDone(`Deleted “${token.name}”.`);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Delete “${token.name}”?`}
      confirmLabel="Delete token"
      onConfirm={confirm}
      onClose={onClose}
      busy={busy}
      error={error}
    >
      <p>Anything that uses this token gets “401 Invalid access token” from now on. This cannot be undone.</p>
    </ConfirmDialog>
  );
}
