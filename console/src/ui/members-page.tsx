import { useState } from 'preact/hooks';
import { ApiError, api, listAll } from '../api/client';
import { assignableMemberRoles } from '../api/grants';
import type { CustomRole, Member, MemberRole, Token } from '../api/types';
import { ConfirmDialog, Dialog } from './dialog';
import { formatDate, memberName } from './format';
import { PageHeading } from './page-heading';
import { SecretReveal } from './secret-reveal';
import { Empty, LoadError, Loading, StatusMessage } from './states';
import { useResource } from './use-resource';

interface TokenUse {
  readonly count: number;
  readonly lastUsed: number | undefined;
}

interface MembersData {
  readonly members: Member[];
  readonly roles: CustomRole[];
  readonly tokens: ReadonlyMap<string, TokenUse>;
}

async function loadMembers(): Promise<MembersData> {
  const [members, roles, tokens] = await Promise.all([
    listAll<Member>('/members'),
    listAll<CustomRole>('/roles'),
    listAll<Token>('/tokens', { showAll: 'true' }),
  ]);
  const use = new Map<string, TokenUse>();
  for (const token of tokens) {
    if (token.serviceToken) continue;
    const seen = use.get(token.ownerId) ?? { count: 0, lastUsed: undefined };
    const lastUsed = Math.max(seen.lastUsed ?? 0, token.lastUsed ?? 0) || undefined;
    use.set(token.ownerId, { count: seen.count + 1, lastUsed });
  }
  return { members, roles, tokens: use };
}

const patchMember = (member: Member, operations: unknown[]) =>
  api.patch<Member>(`/members/${member._id}`, operations);

/** For admins: invite members, change their roles and custom roles, remove them. */
export function MembersPage({ me }: { me: Member }) {
  const [data, reload] = useResource(loadMembers);
  const [status, setStatus] = useState<string>();
  const [editingRoles, setEditingRoles] = useState<Member>();
  const [removing, setRemoving] = useState<Member>();

  const changeRole = async (member: Member, role: MemberRole) => {
    try {
      await patchMember(member, [{ op: 'replace', path: '/role', value: role }]);
      setStatus(`${member.email} is now ${role}.`);
    } catch (failure) {
      setStatus(`Could not change ${member.email}'s role: ${(failure as Error).message}`);
    }
    await reload();
  };

  return (
    <>
      <PageHeading>Members</PageHeading>
      <InviteForm me={me} onInvited={reload} />
      <StatusMessage message={status} />
      {data.state === 'loading' && <Loading what="members" />}
      {data.state === 'error' && <LoadError what="members" error={data.error} retry={reload} />}
      {data.state === 'ready' && data.data.members.length === 0 && (
        <Empty>
          <p>No members yet: invite someone above.</p>
        </Empty>
      )}
      {data.state === 'ready' && data.data.members.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption>The account's members</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Custom roles</th>
                <th scope="col">Tokens</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.members.map((member) => {
                const use = data.data.tokens.get(member._id);
                const fixed = member.role === 'owner' || member._id === me._id;
                return (
                  <tr key={member._id} data-member-id={member._id}>
                    <th scope="row">
                      {memberName(member)}
                      {memberName(member) !== member.email && <div class="hint">{member.email}</div>}
                      {member._pendingInvite && <div class="hint">Invitation pending</div>}
                    </th>
                    <td>
                      {fixed ? (
                        member.role
                      ) : (
                        <select
                          aria-label={`Role of ${member.email}`}
                          value={member.role}
                          onChange={(e) => void changeRole(member, e.currentTarget.value as MemberRole)}
                        >
                          {assignableMemberRoles(me).map((role) => (
                            <option key={role} value={role}>
                              {role}
                            </option>
                          ))}
                        </select>
                      )}
                    </td>
                    <td>
                      {member.customRoles.length > 0 ? (
                        member.customRoles.join(', ')
                      ) : (
                        <span class="hint">none</span>
                      )}
                      {!fixed && (
                        <button
                          type="button"
                          class="link"
                          onClick={() => setEditingRoles(member)}
                          aria-label={`Edit custom roles of ${member.email}`}
                        >
                          Edit
                        </button>
                      )}
                    </td>
                    <td>
                      {use?.count ?? 0}
                      {use?.lastUsed !== undefined && (
                        <div class="hint">last used {formatDate(use.lastUsed)}</div>
                      )}
                    </td>
                    <td>{formatDate(member._lastSeen)}</td>
                    <td class="row-actions">
                      {!fixed && (
                        <button
                          type="button"
                          class="danger"
                          onClick={() => setRemoving(member)}
                          aria-label={`Remove ${member.email}`}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {editingRoles !== undefined && data.state === 'ready' && (
        <CustomRolesDialog
          member={editingRoles}
          roles={data.data.roles}
          onClose={() => setEditingRoles(undefined)}
          onSaved={async (member) => {
            setEditingRoles(undefined);
            await reload();
            setStatus(`${member.email}'s custom roles: ${member.customRoles.join(', ') || 'none'}.`);
          }}
        />
      )}
      {removing !== undefined && data.state === 'ready' && (
        <RemoveDialog
          member={removing}
          use={data.data.tokens.get(removing._id)}
          onClose={() => setRemoving(undefined)}
          onRemoved={async () => {
            setRemoving(undefined);
            await reload();
            setStatus(`Removed ${removing.email}; their tokens no longer work.`);
          }}
        />
      )}
    </>
  );
}

function InviteForm({ me, onInvited }: { me: Member; onInvited: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('reader');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [invited, setInvited] = useState<Member>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.post<{ items: Member[] }>('/members', [{ email, role }]);
      setInvited(answer.items[0]);
      setEmail('');
      await onInvited();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
    setBusy(false);
  };
  return (
    <section aria-labelledby="invite-heading" class="panel">
      <h2 id="invite-heading">Invite a member</h2>
      <form onSubmit={submit} class="inline-form" noValidate>
        <div class="field">
          <label for="invite-email">E-mail</label>
          <input
            id="invite-email"
            type="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            aria-invalid={error !== undefined}
            aria-describedby={error !== undefined ? 'invite-error' : undefined}
          />
        </div>
        <div class="field">
          <label for="invite-role">Role</label>
          <select
            id="invite-role"
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as MemberRole)}
          >
            {assignableMemberRoles(me).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Inviting…' : 'Invite'}
        </button>
      </form>
      {error !== undefined && (
        <p id="invite-error" class="field-error" role="alert">
          {error}
        </p>
      )}
      {invited?._inviteCode !== undefined && (
        <SecretReveal
          label={`Invitation code for ${invited.email}`}
          value={invited._inviteCode}
          reminder="Send this code to them: it is shown only now, works once, and expires in 7 days."
          onDone={() => setInvited(undefined)}
        />
      )}
    </section>
  );
}

function CustomRolesDialog({
  member,
  roles,
  onClose,
  onSaved,
}: {
  member: Member;
  roles: CustomRole[];
  onClose: () => void;
  onSaved: (member: Member) => Promise<void>;
}) {
  const [chosen, setChosen] = useState(() => new Set(member.customRoles));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await onSaved(await patchMember(member, [{ op: 'replace', path: '/customRoles', value: [...chosen] }]));
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Custom roles of ${member.email}`} onClose={onClose}>
      <form onSubmit={submit}>
        <p>
          With custom roles, a member's permissions are those of their custom roles (their built-in role no
          longer applies).
        </p>
        {roles.length === 0 ? (
          <p>There are no custom roles yet: create one in the Custom roles tab.</p>
        ) : (
          <fieldset>
            <legend>Custom roles</legend>
            {roles.map((role) => (
              <div class="field checkbox" key={role.key}>
                <input
                  id={`member-role-${role.key}`}
                  type="checkbox"
                  checked={chosen.has(role.key)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.currentTarget.checked) next.add(role.key);
                    else next.delete(role.key);
                    setChosen(next);
                  }}
                />
                <label for={`member-role-${role.key}`}>
                  {role.name} ({role.key})
                </label>
              </div>
            ))}
          </fieldset>
        )}
        {error !== undefined && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save custom roles'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RemoveDialog({
  member,
  use,
  onClose,
  onRemoved,
}: {
  member: Member;
  use: TokenUse | undefined;
  onClose: () => void;
  onRemoved: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const count = use?.count ?? 0;
  const confirm = async () => {
    setBusy(true);
    try {
      await api.delete(`/members/${member._id}`);
      await onRemoved();
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Remove ${member.email}?`}
      confirmLabel="Remove member"
      onConfirm={confirm}
      onClose={onClose}
      busy={busy}
      error={error}
    >
      <p class="impact">
        {count === 0
          ? 'They have no access tokens.'
          : `They have ${count} access token${count === 1 ? '' : 's'}, last used ${formatDate(use?.lastUsed, 'never')}. ${count === 1 ? 'It stops' : 'All of them stop'} working at once.`}
      </p>
      <p>Service tokens they made belong to the account and keep working.</p>
    </ConfirmDialog>
  );
}
