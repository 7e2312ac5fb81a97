import { useState } from 'preact/hooks';
import { ApiError, api, listAll } from '../api/client';
import type { CustomRole, Member } from '../api/types';
import { ConfirmDialog, Dialog } from './dialog';
import { PageHeading } from './page-heading';
import { POLICY_TEMPLATE, PolicyEditor, parsePolicy } from './policy-editor';
import { Empty, LoadError, Loading, StatusMessage } from './states';
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

type FieldErrors = Partial<
  Record<'key' | 'name' | 'description' | 'basePermissions' | 'policy' | 'form', string>
>;

/** The API's 400 names its field first (`policy.0.actions.0: …`): the error goes under that field. */
function placeError(failure: unknown): FieldErrors {
  const message = failure instanceof ApiError ? failure.message : String(failure);
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
      {roles.state === 'loading' && <Loading what="custom roles" />}
      {roles.state === 'error' && <LoadError what="custom roles" error={roles.error} retry={reload} />}
      {roles.state === 'ready' && roles.data.length === 0 && (
        <Empty>
          <p>No custom roles yet: create one below.</p>
        </Empty>
      )}
      {roles.state === 'ready' && roles.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption>The account's custom roles</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Base permissions</th>
                <th scope="col">Statements</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {roles.data.map((role) => (
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
                    <button type="button" onClick={() => setEditing(role)} aria-label={`Edit ${role.name}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => setDeleting(role)}
                      aria-label={`Delete ${role.name}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
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
        <DeleteRoleDialog
          role={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={async () => {
            setDeleting(undefined);
            await reload();
            setStatus(`Deleted the custom role “${deleting.name}”.`);
          }}
        />
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
  const [busy, setBusy] = useState(false);
  const prefix = editing ? 'edit-role' : 'new-role';
  const set = (change: Partial<RoleDraft>) => setDraft({ ...draft, ...change });
  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = parsePolicy(draft.policyText);
    if ('error' in parsed) return setErrors({ policy: parsed.error });
    setBusy(true);
    setErrors({});
    try {
      await save(draft, parsed.policy);
      if (!editing) setDraft(emptyDraft());
    } catch (failure) {
      setErrors(placeError(failure));
    }
    setBusy(false);
  };
  const field = (
    name: 'key' | 'name' | 'description',
    label: string,
    extra: Record<string, unknown> = {},
  ) => (
    <div class="field">
      <label for={`${prefix}-${name}`}>{label}</label>
      <input
        id={`${prefix}-${name}`}
        value={draft[name]}
        onInput={(e) => set({ [name]: e.currentTarget.value })}
        aria-invalid={errors[name] !== undefined}
        aria-describedby={errors[name] !== undefined ? `${prefix}-${name}-error` : undefined}
        {...extra}
      />
      {errors[name] !== undefined && (
        <p id={`${prefix}-${name}-error`} class="field-error" role="alert">
          {errors[name]}
        </p>
      )}
    </div>
  );
  return (
    <form onSubmit={submit} class="form" noValidate>
      {!editing && field('key', 'Key (letters, digits, . _ -)', { required: true, maxLength: 100 })}
      {field('name', 'Name', { required: true })}
      {field('description', 'Description (optional)')}
      <div class="field">
        <label for={`${prefix}-base`}>Base permissions</label>
        <select
          id={`${prefix}-base`}
          value={draft.basePermissions}
          onChange={(e) => set({ basePermissions: e.currentTarget.value as RoleDraft['basePermissions'] })}
        >
          <option value="reader">reader: can view everything, plus the policy</option>
          <option value="no_access">no access: only the policy</option>
        </select>
        {errors.basePermissions !== undefined && (
          <p class="field-error" role="alert">
            {errors.basePermissions}
          </p>
        )}
      </div>
      <PolicyEditor
        id={`${prefix}-policy`}
        label="Policy (JSON)"
        value={draft.policyText}
        onInput={(policyText) => set({ policyText })}
        error={errors.policy}
      />
      {errors.form !== undefined && (
        <p class="field-error" role="alert">
          {errors.form}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel !== undefined && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function DeleteRoleDialog({
  role,
  onClose,
  onDeleted,
}: {
  role: CustomRole;
  onClose: () => void;
  onDeleted: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const confirm = async () => {
    setBusy(true);
    try {
      await api.delete(`/roles/${role.key}`);
      await onDeleted();
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 409
          ? `${failure.message}`
          : (failure as Error).message,
      );
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Delete “${role.name}”?`}
      confirmLabel="Delete role"
      onConfirm={confirm}
      onClose={onClose}
      busy={busy}
      error={error}
    >
      <p>A role still given to a member or a token cannot be deleted: take it from them first.</p>
    </ConfirmDialog>
  );
}
