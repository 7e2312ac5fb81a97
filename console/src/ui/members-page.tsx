import { useState } from 'preact/hooks';
import { api, listAll } from '../api/client';
import { assignableMemberRoles } from '../api/grants';
import type { CustomRole, Member, MemberRole, Token } from '../api/types';
import { DataTable, RowAction } from './data-table';
import { ConfirmDialog, FormDialog } from './dialog';
import { formatDate, memberName } from './format';
import { FieldError, messageOf, onSubmit, SelectField, TextField, useAction } from './forms';
import { PageHeading } from './page-heading';
import { SecretReveal } from './secret-reveal';
import { ResourceView, StatusMessage } from './states';
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

const roleOptions = (me: Member) => assignableMemberRoles(me).map((role) => [role, role] as const);

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
      setStatus(`Could not change ${member.email}'s role: ${messageOf(failure)}`);
    }
    await reload();
  };

  return (
    <>
      <PageHeading>Members</PageHeading>
      <InviteForm me={me} onInvited={reload} />
      <StatusMessage message={status} />
      <ResourceView
        resource={data}
        what="members"
        retry={reload}
        isEmpty={({ members }) => members.length === 0}
        empty={<p>No members yet: invite someone above.</p>}
      >
        {({ members, tokens }) => (
          <DataTable
            caption="The account's members"
            columns={['Member', 'Role', 'Custom roles', 'Tokens', 'Last seen']}
          >
            {members.map((member) => {
              const use = tokens.get(member._id);
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
                      <RowAction
                        verb="Edit"
                        subject={`custom roles of ${member.email}`}
                        link
                        onClick={() => setEditingRoles(member)}
                      />
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
                      <RowAction
                        verb="Remove"
                        subject={member.email}
                        danger
                        onClick={() => setRemoving(member)}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </ResourceView>
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
        <ConfirmDialog
          title={`Remove ${removing.email}?`}
          confirmLabel="Remove member"
          onClose={() => setRemoving(undefined)}
          onConfirm={async () => {
            await api.delete(`/members/${removing._id}`);
            setRemoving(undefined);
            await reload();
            setStatus(`Removed ${removing.email}; their tokens no longer work.`);
          }}
        >
          <p class="impact">{removalImpact(data.data.tokens.get(removing._id))}</p>
          <p>Service tokens they made belong to the account and keep working.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** What removing a member ends: their personal tokens, and when those were last used. */
function removalImpact(use: TokenUse | undefined): string {
  const count = use?.count ?? 0;
  if (count === 0) return 'They have no access tokens.';
  return `They have ${count} access token${count === 1 ? '' : 's'}, last used ${formatDate(use?.lastUsed, 'never')}. ${count === 1 ? 'It stops' : 'All of them stop'} working at once.`;
}

function InviteForm({ me, onInvited }: { me: Member; onInvited: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('reader');
  const [invited, setInvited] = useState<Member>();
  const { busy, error, run } = useAction();
  const invite = () =>
    run(async () => {
      const answer = await api.post<{ items: Member[] }>('/members', [{ email, role }]);
      setInvited(answer.items[0]);
      setEmail('');
      await onInvited();
    });
  return (
    <section aria-labelledby="invite-heading" class="panel">
      <h2 id="invite-heading">Invite a member</h2>
      <form onSubmit={onSubmit(invite)} class="inline-form" noValidate>
        <TextField
          id="invite-email"
          label="E-mail"
          type="email"
          required
          value={email}
          onValue={setEmail}
          error={error}
          errorShownBelow
        />
        <SelectField id="invite-role" label="Role" value={role} onValue={setRole} options={roleOptions(me)} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Inviting…' : 'Invite'}
        </button>
      </form>
      <FieldError id="invite-email-error" message={error} />
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
  const { busy, error, run } = useAction();
  const save = () =>
    run(async () =>
      onSaved(await patchMember(member, [{ op: 'replace', path: '/customRoles', value: [...chosen] }])),
    );
  return (
    <FormDialog
      title={`Custom roles of ${member.email}`}
      onClose={onClose}
      onSubmit={save}
      busy={busy}
      submitLabel="Save custom roles"
      error={error}
    >
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
    </FormDialog>
  );
}
