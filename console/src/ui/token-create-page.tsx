import { useState } from 'preact/hooks';
import { ApiError, api, listAll } from '../api/client';
import type { CustomRole, Member, Token } from '../api/types';
import { FieldError, FormActions, messageOf, onSubmit, TextField, useAction } from './forms';
import { PageHeading } from './page-heading';
import { href, navigate } from './router';
import { newDraft, type ScopeDraft, ScopePicker, scopeFields, scopeOfDraft } from './scope-picker';
import { SecretReveal } from './secret-reveal';
import { ResourceView } from './states';
import { useResource } from './use-resource';

/** The member as they are now, and the custom roles they could hand out. */
export async function loadGrantContext(): Promise<{ me: Member; roles: CustomRole[] }> {
  const [me, roles] = await Promise.all([
    api.get<Member>('/members/me'),
    listAll<CustomRole>('/roles').catch(() => [] as CustomRole[]),
  ]);
  return { me, roles };
}

/** `+ token`: name and scope, then the value, once. */
export function TokenCreatePage({ me: signedIn }: { me: Member }) {
  const [context, reload] = useResource(loadGrantContext);
  const [created, setCreated] = useState<Token>();
  return (
    <>
      <PageHeading>New access token</PageHeading>
      <p>
        <a href={href('tokens')}>← Back to access tokens</a>
      </p>
      {created !== undefined ? (
        <SecretReveal
          label={`Your new token “${created.name}”`}
          value={created.token}
          reminder="Copy it now and keep it somewhere safe: it is shown only this once. Once you leave or reload this page, only its last four characters are shown."
          onDone={() => navigate('tokens')}
        />
      ) : (
        <ResourceView resource={context} what="the roles you can grant" retry={reload}>
          {(data) => <CreateForm me={data.me ?? signedIn} roles={data.roles} onCreated={setCreated} />}
        </ResourceView>
      )}
    </>
  );
}

function CreateForm({
  me,
  roles,
  onCreated,
}: {
  me: Member;
  roles: CustomRole[];
  onCreated: (token: Token) => void;
}) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [draft, setDraft] = useState<ScopeDraft>(newDraft);
  const [errors, setErrors] = useState<{ name?: string; scope?: string; form?: string }>({});
  const { busy, run } = useAction();

  const save = async () => {
    const scope = scopeOfDraft(draft);
    if ('error' in scope) return setErrors({ scope: scope.error });
    setErrors({});
    const body = { name, ...(description !== '' ? { description } : {}), ...scopeFields(scope.scope) };
    await run(
      async () => onCreated(await api.post<Token>('/tokens', body)),
      (failure) => setErrors(placeError(failure)),
    );
  };

  return (
    <form onSubmit={onSubmit(save)} class="form" noValidate>
      <TextField
        id="token-name"
        label="Name"
        required
        maxLength={256}
        value={name}
        onValue={setName}
        error={errors.name}
      />
      <TextField
        id="token-description"
        label="Description (optional)"
        maxLength={1024}
        value={description}
        onValue={setDescription}
      />
      <ScopePicker
        id="token-scope"
        me={me}
        customRoles={roles}
        draft={draft}
        onChange={(next) => {
          setDraft(next);
          setErrors({ ...errors, scope: undefined });
        }}
        error={errors.scope}
      />
      <FieldError message={errors.form} />
      <FormActions busy={busy} submitLabel="Save token">
        <a class="button" href={href('tokens')}>
          Cancel
        </a>
      </FormActions>
    </form>
  );
}

/** The API's 400 names its field: the name's under the name; a refused scope (400, 403) under the scope. */
function placeError(failure: unknown): { name?: string; scope?: string; form?: string } {
  const message = messageOf(failure);
  if (/^name\b/.test(message)) return { name: message };
  if (failure instanceof ApiError && (failure.status === 400 || failure.status === 403))
    return { scope: message };
  return { form: message };
}
