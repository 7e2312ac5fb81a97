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
  const [cidrs, setCidrs] = useState('');
  const [expiryDays, setExpiryDays] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const { busy, run } = useAction();

  const save = async () => {
    const scope = scopeOfDraft(draft);
    if ('error' in scope) return setErrors({ scope: scope.error });
    setErrors({});
    const allowedCidrs = rangesOf(cidrs);
    const expiresAt = expiryOf(expiryDays);
    if (expiresAt === null) return setErrors({ expiry: 'expiresAt: a whole number of days, at least 1' });
    const body = {
      name,
      ...(description !== '' ? { description } : {}),
      ...scopeFields(scope.scope),
      ...(allowedCidrs.length > 0 ? { allowedCidrs } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
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
      <TextField
        id="token-allowed-cidrs"
        label="IP ranges (optional, e.g. 203.0.113.0/24, 2001:db8::/32; calls from elsewhere are refused)"
        maxLength={2000}
        value={cidrs}
        onValue={(next) => {
          setCidrs(next);
          setErrors({ ...errors, cidrs: undefined });
        }}
        error={errors.cidrs}
      />
      <TextField
        id="token-expiry-days"
        label="Expires in days (optional; the account's token policy may require it or cap it)"
        maxLength={5}
        value={expiryDays}
        onValue={(next) => {
          setExpiryDays(next);
          setErrors({ ...errors, expiry: undefined });
        }}
        error={errors.expiry}
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

interface FormErrors {
  name?: string | undefined;
  scope?: string | undefined;
  cidrs?: string | undefined;
  expiry?: string | undefined;
  form?: string | undefined;
}

/** Days from now → `expiresAt` (epoch ms); empty: none; anything but a whole number ≥ 1: null. */
function expiryOf(text: string): number | undefined | null {
  if (text.trim() === '') return undefined;
  const days = Number(text);
  return Number.isInteger(days) && days >= 1 ? Date.now() + days * 24 * 60 * 60 * 1000 : null;
}

/** `10.0.0.0/8, 2001:db8::/32` → the ranges (the API checks and normalises each). */
export const rangesOf = (text: string) => text.split(/[\s,]+/).filter((range) => range !== '');

/**
 * The API's 400 names its field: the name's under the name, the IP ranges' under the ranges; a
 * refused scope (400, 403) under the scope.
 */
function placeError(failure: unknown): FormErrors {
  const message = messageOf(failure);
  if (/^name\b/.test(message)) return { name: message };
  if (/^allowedCidrs\b/.test(message)) return { cidrs: message };
  if (/^(expiresAt|serviceToken)\b/.test(message)) return { expiry: message };
  if (failure instanceof ApiError && (failure.status === 400 || failure.status === 403))
    return { scope: message };
  return { form: message };
}
