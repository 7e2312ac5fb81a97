import { useState } from 'preact/hooks';
import { ApiError, api, listAll } from '../api/client';
import type { CustomRole, Member, Token } from '../api/types';
import { PageHeading } from './page-heading';
import { href, navigate } from './router';
import { newDraft, type ScopeDraft, ScopePicker, scopeFields, scopeOfDraft } from './scope-picker';
import { SecretReveal } from './secret-reveal';
import { LoadError, Loading } from './states';
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
      ) : context.state === 'loading' ? (
        <Loading what="the roles you can grant" />
      ) : context.state === 'error' ? (
        <LoadError what="the roles you can grant" error={context.error} retry={reload} />
      ) : (
        <CreateForm me={context.data.me ?? signedIn} roles={context.data.roles} onCreated={setCreated} />
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
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const scope = scopeOfDraft(draft);
    if ('error' in scope) return setErrors({ scope: scope.error });
    setBusy(true);
    setErrors({});
    try {
      onCreated(
        await api.post<Token>('/tokens', {
          name,
          ...(description !== '' ? { description } : {}),
          ...scopeFields(scope.scope),
        }),
      );
    } catch (failure) {
      const message = failure instanceof ApiError ? failure.message : String(failure);
      if (/^name\b/.test(message)) setErrors({ name: message });
      else if (failure instanceof ApiError && (failure.status === 400 || failure.status === 403))
        setErrors({ scope: message });
      else setErrors({ form: message });
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="form" noValidate>
      <div class="field">
        <label for="token-name">Name</label>
        <input
          id="token-name"
          required
          maxLength={256}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={errors.name !== undefined}
          aria-describedby={errors.name !== undefined ? 'token-name-error' : undefined}
        />
        {errors.name !== undefined && (
          <p id="token-name-error" class="field-error" role="alert">
            {errors.name}
          </p>
        )}
      </div>
      <div class="field">
        <label for="token-description">Description (optional)</label>
        <input
          id="token-description"
          maxLength={1024}
          value={description}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </div>
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
      {errors.form !== undefined && (
        <p class="field-error" role="alert">
          {errors.form}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save token'}
        </button>
        <a class="button" href={href('tokens')}>
          Cancel
        </a>
      </div>
    </form>
  );
}
