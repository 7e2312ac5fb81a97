import { useState } from 'preact/hooks';
import { api, listAll } from '../api/client';
import type { CustomRole, Member } from '../api/types';
import { DataTable, RowAction } from './data-table';
import { ConfirmDialog, Dialog } from './dialog';
import { FieldError, FormActions, messageOf, onSubmit, SelectField, TextField, useAction } from './forms';
import { PageHeading } from './page-heading';
import { POLICY_TEMPLATE, PolicyEditor, parsePolicy } from './policy-editor';
import { ResourceView, StatusMessage } from './states';
import { useResource } from './use-resource';

interface RoleDraft {
  key: string;
  name: string;
  description: string;
  basePermissions: 'reader' | 'no_access';
  policyText: string;
}

const emptyDraft = (): RoleDraft => ({
  key: '',
  name: '',
  description: '',
  basePermissions: 'reader',
  policyText: POLICY_TEMPLATE,
});

const draftOf = (role: CustomRole): RoleDraft => ({
  key: role.key,
  name: role.name,
  description: role.description ?? '',
  basePermissions: role.basePermissions,
  policyText: JSON.stringify(role.policy, null, 2),
});

const BASE_PERMISSIONS: readonly (readonly [RoleDraft['basePermissions'], string])[] = [
  ['reader', 'reader: can view everything, plus the policy'],
  ['no_access', 'no access: only the policy'],
];

type FieldErrors = Partial<
  Record<'key' | 'name' | 'description' | 'basePermissions' | 'policy' | 'form', string>
>;

/** The API's 400 names its field first (`policy.0.actions.0: …`): the error goes under that field. */
function placeError(failure: unknown): FieldErrors {
  const message = messageOf(failure);
  const field = /^(key|name|description|basePermissions|policy)\b/.exec(message)?.[1] as
    | keyof FieldErrors
    | undefined;
  return { [field ?? 'form']: message };
}

/** For admins: custom roles, each one policy, created and edited with the API's validation errors in place. */
export function RolesPage(_: { me: Member }) {
  const [roles, reload] = useResource(() => listAll<CustomRole>('/roles'));
  const [editing, setEditing] = useState<CustomRole>();
  const [deleting, setDeleting] = useState<CustomRole>();
  const [status, setStatus] = useState<string>();
  return (
    <>
      <PageHeading>Custom roles</PageHeading>
      <p>
        A custom role is a policy that members and tokens can be given. Editing it changes what everyone
        holding it may do, at once.
      </p>
      <StatusMessage message={status} />
      <ResourceView
        resource={roles}
        what="custom roles"
        retry={reload}
        isEmpty={(data) => data.length === 0}
        empty={<p>No custom roles yet: create one below.</p>}
      >
        {(data) => (
          <DataTable
            caption="The account's custom roles"
            columns={['Name', 'Key', 'Base permissions', 'Statements']}
          >
            {data.map((role) => (
              <tr key={role.key}>
                <th scope="row">
                  {role.name}
                  {role.description && <div class="hint">{role.description}</div>}
                </th>
                <td>
                  <code>{role.key}</code>
                </td>
                <td>{role.basePermissions}</td>
                <td>{role.policy.length}</td>
                <td class="row-actions">
                  <RowAction verb="Edit" subject={role.name} onClick={() => setEditing(role)} />
                  <RowAction verb="Delete" subject={role.name} danger onClick={() => setDeleting(role)} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ResourceView>
      <section class="panel" aria-labelledby="new-role-heading">
        <h2 id="new-role-heading">New custom role</h2>
        <RoleForm
          key="new"
          initial={emptyDraft()}
          submitLabel="Create role"
          save={async (draft, policy) => {
            await api.post<CustomRole>('/roles', {
              key: draft.key,
              name: draft.name,
              ...(draft.description !== '' ? { description: draft.description } : {}),
              basePermissions: draft.basePermissions,
              policy,
            });
            await reload();
            setStatus(`Created the custom role “${draft.name}”.`);
          }}
        />
      </section>
      {editing !== undefined && (
        <Dialog title={`Edit “${editing.name}”`} onClose={() => setEditing(undefined)}>
          <RoleForm
            initial={draftOf(editing)}
            editing
            submitLabel="Save role"
            onCancel={() => setEditing(undefined)}
            save={async (draft, policy) => {
              await api.patch<CustomRole>(`/roles/${editing.key}`, [
                { op: 'replace', path: '/name', value: draft.name },
                { op: 'replace', path: '/description', value: draft.description },
                { op: 'replace', path: '/basePermissions', value: draft.basePermissions },
                { op: 'replace', path: '/policy', value: policy },
              ]);
              setEditing(undefined);
              await reload();
              setStatus(`Saved the custom role “${draft.name}”.`);
            }}
          />
        </Dialog>
      )}
      {deleting !== undefined && (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel="Delete role"
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api.delete(`/roles/${deleting.key}`);
            setDeleting(undefined);
            await reload();
            setStatus(`Deleted the custom role “${deleting.name}”.`);
          }}
        >
          <p>A role still given to a member or a token cannot be deleted: take it from them first.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function RoleForm({
  initial,
  editing = false,
  submitLabel,
  save,
  onCancel,
}: {
  initial: RoleDraft;
  editing?: boolean;
  submitLabel: string;
  save: (draft: RoleDraft, policy: unknown[]) => Promise<void>;
  onCancel?: () => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, run } = useAction();
  const prefix = editing ? 'edit-role' : 'new-role';
  const set = (change: Partial<RoleDraft>) => setDraft({ ...draft, ...change });
  const submit = async () => {
    const parsed = parsePolicy(draft.policyText);
    if ('error' in parsed) return setErrors({ policy: parsed.error });
    setErrors({});
    const saved = await run(
      () => save(draft, parsed.policy),
      (failure) => setErrors(placeError(failure)),
    );
    if (saved && !editing) setDraft(emptyDraft());
  };
  /** A text field of the draft, its API error under it. */
  const text = (name: 'key' | 'name' | 'description') => ({
    id: `${prefix}-${name}`,
    value: draft[name],
    onValue: (value: string) => set({ [name]: value }),
    error: errors[name],
  });
  return (
    <form onSubmit={onSubmit(submit)} class="form" noValidate>
      {!editing && (
        <TextField {...text('key')} label="Key (letters, digits, . _ -)" required maxLength={100} />
      )}
      <TextField {...text('name')} label="Name" required />
      <TextField {...text('description')} label="Description (optional)" />
      <SelectField
        id={`${prefix}-base`}
        label="Base permissions"
        value={draft.basePermissions}
        onValue={(basePermissions) => set({ basePermissions })}
        options={BASE_PERMISSIONS}
      />
      <FieldError message={errors.basePermissions} />
      <PolicyEditor
        id={`${prefix}-policy`}
        label="Policy (JSON)"
        value={draft.policyText}
        onInput={(policyText) => set({ policyText })}
        error={errors.policy}
      />
      <FieldError message={errors.form} />
      <FormActions busy={busy} submitLabel={submitLabel} {...(onCancel !== undefined ? { onCancel } : {})} />
    </form>
  );
}
