import { useState } from 'preact/hooks';
import { ApiError, api, listAll } from '../api/client';
import type { CustomRole, Member, Token } from '../api/types';
import { describeScope, isAdmin, scopeOf } from '../api/types';
import { RowAction } from './data-table';
import { FormDialog } from './dialog';
import { FieldError, messageOf, TextField, useAction } from './forms';
import { PageHeading } from './page-heading';
import {
  draftOf,
  type PatchOperation,
  type ScopeDraft,
  ScopePicker,
  scopeOfDraft,
  scopePatch,
} from './scope-picker';
import { ResourceView, StatusMessage } from './states';
import { loadGrantContext, rangesOf } from './token-create-page';
import { TokenTable } from './token-table';
import { useResource } from './use-resource';

/** Account settings → Authorizations: what each token may do, changed in place (`PATCH /tokens/{id}`). */
export function AuthorizationsPage({ me }: { me: Member }) {
  const admin = isAdmin(me);
  const [data, reload] = useResource(async () => {
    const [tokens, context] = await Promise.all([
      listAll<Token>('/tokens', { showAll: admin ? 'true' : undefined }),
      loadGrantContext(),
    ]);
    return { tokens: tokens.filter((token) => !token.serviceToken || admin), ...context };
  });
  const [editing, setEditing] = useState<Token>();
  const [status, setStatus] = useState<string>();

  return (
    <>
      <PageHeading>Authorizations</PageHeading>
      <p>
        A token's scope says what it may do: a built-in role, custom roles, or an inline policy. Every request
        is also bounded by what its member may do at that moment.
      </p>
      <StatusMessage message={status} />
      <ResourceView
        resource={data}
        what="authorizations"
        retry={reload}
        isEmpty={({ tokens }) => tokens.length === 0}
        empty={<p>There are no tokens to authorize yet.</p>}
      >
        {({ tokens }) => (
          <TokenTable
            caption={admin ? "Every member's tokens and their scopes" : 'Your tokens and their scopes'}
            tokens={tokens}
            showMember={admin}
            actions={(token) => (
              // A service token's scope is fixed at creation; its IP ranges are not.
              <RowAction
                verb={token.serviceToken ? 'Change IP ranges' : 'Change scope'}
                subject={`of ${token.name}`}
                onClick={() => setEditing(token)}
              />
            )}
          />
        )}
      </ResourceView>
      {editing !== undefined && data.state === 'ready' && (
        <ScopeDialog
          token={editing}
          me={data.data.me}
          roles={data.data.roles}
          onClose={() => setEditing(undefined)}
          onConflict={async () => {
            const { name } = editing;
            setEditing(undefined);
            await reload();
            setStatus(
              `“${name}” was changed by someone else while you edited it, so nothing was saved: here it is as it is now.`,
            );
          }}
          onSaved={async (token) => {
            setEditing(undefined);
            await reload();
            const where =
              token.allowedCidrs !== undefined ? `, from ${token.allowedCidrs.join(', ')} only` : '';
            setStatus(`“${token.name}” now has the scope ${describeScope(scopeOf(token))}${where}.`);
          }}
        />
      )}
    </>
  );
}

function ScopeDialog({
  token,
  me,
  roles,
  onClose,
  onConflict,
  onSaved,
}: {
  token: Token;
  me: Member;
  roles: CustomRole[];
  onClose: () => void;
  onConflict: () => Promise<void>;
  onSaved: (token: Token) => Promise<void>;
}) {
  const rangesOnly = token.serviceToken === true;
  const [draft, setDraft] = useState<ScopeDraft>(() => draftOf(scopeOf(token)));
  // Scope operations only when the scope was changed here: a save of the ranges alone rewrites no scope.
  const [scopeTouched, setScopeTouched] = useState(false);
  const [cidrs, setCidrs] = useState(() => (token.allowedCidrs ?? []).join(', '));
  const [cidrsError, setCidrsError] = useState<string>();
  const { busy, error, setError, run } = useAction();
  const save = async () => {
    const scope = scopeOfDraft(draft);
    if ('error' in scope) return setError(scope.error);
    const changes = [
      ...(rangesOnly || !scopeTouched ? [] : scopePatch(token, scope.scope)),
      ...rangesPatch(token, rangesOf(cidrs)),
    ];
    if (changes.length === 0) return onClose();
    // Only over the token as this dialog showed it: any change since (a rescope, new ranges, a
    // reset) moves `lastModified`, and the patch is then a 409 that overwrites nothing.
    const patch = [{ op: 'test', path: '/lastModified', value: token.lastModified }, ...changes];
    await run(
      async () => onSaved(await api.patch<Token>(`/tokens/${token._id}`, patch)),
      (failure) => {
        if (failure instanceof ApiError && failure.status === 409) return void onConflict();
        // The API's 400 names its field: the ranges' under the ranges, the rest under the scope.
        const message = messageOf(failure);
        if (failure instanceof ApiError && /^allowedCidrs\b/.test(message)) setCidrsError(message);
        else setError(message);
      },
    );
  };
  return (
    <FormDialog
      title={rangesOnly ? `IP ranges of “${token.name}”` : `Scope of “${token.name}”`}
      onClose={onClose}
      onSubmit={save}
      busy={busy}
      submitLabel={rangesOnly ? 'Save IP ranges' : 'Save scope'}
    >
      <p>
        {rangesOnly ? 'Scope, fixed at creation' : 'Now'}: {describeScope(scopeOf(token))}.
      </p>
      {rangesOnly ? (
        <FieldError message={error} />
      ) : (
        <ScopePicker
          id="edit-scope"
          me={me}
          customRoles={roles}
          draft={draft}
          onChange={(next) => {
            setDraft(next);
            setScopeTouched(true);
            setError(undefined);
          }}
          error={error}
        />
      )}
      <TextField
        id="edit-allowed-cidrs"
        label="IP ranges (empty: any address; e.g. 203.0.113.0/24, 2001:db8::/32)"
        maxLength={2000}
        value={cidrs}
        onValue={(next) => {
          setCidrs(next);
          setCidrsError(undefined);
        }}
        error={cidrsError}
      />
    </FormDialog>
  );
}

/** The JSON Patch for a token's IP ranges: none when unchanged, `remove` to unbind, else the new list. */
function rangesPatch(token: Token, ranges: string[]): PatchOperation[] {
  const now = token.allowedCidrs ?? [];
  if (ranges.join(',') === now.join(',')) return [];
  if (ranges.length === 0) return [{ op: 'remove', path: '/allowedCidrs' }];
  return [{ op: 'add', path: '/allowedCidrs', value: ranges }];
}
