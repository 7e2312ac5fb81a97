import { useState } from 'preact/hooks';
import { api, listAll } from '../api/client';
import type { Member, Token } from '../api/types';
import { isAdmin } from '../api/types';
import { RowAction } from './data-table';
import { ConfirmDialog, FormDialog } from './dialog';
import { SelectField, TextField, useAction } from './forms';
import { PageHeading } from './page-heading';
import { href } from './router';
import { SecretReveal } from './secret-reveal';
import { ResourceView, StatusMessage } from './states';
import { isOwn, TokenTable } from './token-table';
import { useResource } from './use-resource';

type Action = { kind: 'clone' | 'reset' | 'delete'; token: Token };

const GRACE_PERIODS: readonly (readonly [ms: string, label: string])[] = [
  ['0', 'None: the old value stops now'],
  ['3600000', '1 hour'],
  ['86400000', '24 hours'],
  [String(7 * 86_400_000), '7 days'],
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
  const close = () => setAction(undefined);

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
      <ResourceView
        resource={tokens}
        what="tokens"
        retry={reload}
        isEmpty={(data) => data.length === 0}
        empty={
          <>
            <p>{showAll ? 'Nobody in the account has a token yet.' : 'You have no access tokens yet.'}</p>
            <a class="button" href={href('tokens/new')}>
              Create your first token
            </a>
          </>
        }
      >
        {(data) => (
          <TokenTable
            caption={showAll ? "Every member's tokens" : 'Your tokens'}
            tokens={data}
            showMember={showAll}
            actions={(token) => (
              <>
                {isOwn(token, me) && (
                  <>
                    <RowAction
                      verb="Clone"
                      subject={token.name}
                      onClick={() => setAction({ kind: 'clone', token })}
                    />
                    <RowAction
                      verb="Reset"
                      subject={token.name}
                      onClick={() => setAction({ kind: 'reset', token })}
                    />
                  </>
                )}
                <RowAction
                  verb="Delete"
                  subject={token.name}
                  danger
                  onClick={() => setAction({ kind: 'delete', token })}
                />
              </>
            )}
          />
        )}
      </ResourceView>
      {action?.kind === 'clone' && <CloneDialog token={action.token} onClose={close} onDone={done} />}
      {action?.kind === 'reset' && <ResetDialog token={action.token} onClose={close} onDone={done} />}
      {action?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete “${action.token.name}”?`}
          confirmLabel="Delete token"
          onClose={close}
          onConfirm={async () => {
            await api.delete(`/tokens/${action.token._id}`);
            await done(`Deleted “${action.token.name}”.`);
          }}
        >
          <p>
            Anything that uses this token gets “401 Invalid access token” from now on. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

type Done = (message: string, revealed?: { name: string; value: string }) => Promise<void>;

function CloneDialog({ token, onClose, onDone }: { token: Token; onClose: () => void; onDone: Done }) {
  const [name, setName] = useState(`${token.name} (copy)`);
  const { busy, error, run } = useAction();
  const clone = () =>
    run(async () => {
      const clone = await api.post<Token>(`/tokens/${token._id}/clone`, { name });
      await onDone(`Cloned “${token.name}” as “${clone.name}”.`, { name: clone.name, value: clone.token });
    });
  return (
    <FormDialog
      title={`Clone “${token.name}”`}
      onClose={onClose}
      onSubmit={clone}
      busy={busy}
      submitLabel="Clone token"
      busyLabel="Cloning…"
    >
      <p>A new token with the same scope and a new value.</p>
      <TextField
        id="clone-name"
        label="Name of the new token"
        value={name}
        onValue={setName}
        error={error}
        required
        maxLength={256}
      />
    </FormDialog>
  );
}

function ResetDialog({ token, onClose, onDone }: { token: Token; onClose: () => void; onDone: Done }) {
  const [grace, setGrace] = useState('0');
  const { busy, error, run } = useAction();
  const reset = () =>
    run(async () => {
      const ms = Number(grace);
      const reset = await api.post<Token>(
        `/tokens/${token._id}/reset`,
        undefined,
        ms > 0 ? { expiry: Date.now() + ms } : undefined,
      );
      await onDone(`Reset “${token.name}”.`, { name: reset.name, value: reset.token });
    });
  return (
    <FormDialog
      title={`Reset “${token.name}”`}
      onClose={onClose}
      onSubmit={reset}
      busy={busy}
      submitLabel="Reset token"
      busyLabel="Resetting…"
      error={error}
    >
      <p>
        The token gets a new value; its scope stays. Whatever uses the old value must be given the new one.
      </p>
      <SelectField
        id="reset-grace"
        label="The old value keeps working for"
        value={grace}
        onValue={setGrace}
        options={GRACE_PERIODS}
      />
    </FormDialog>
  );
}
