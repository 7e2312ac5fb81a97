import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Member } from '../api/types';
import { DataTable } from './data-table';
import { FieldError, FormActions, onSubmit, TextField, useAction } from './forms';
import { PageHeading } from './page-heading';
import { ResourceView, StatusMessage } from './states';
import { useResource } from './use-resource';

/** GET /account/token-policy, as the console uses it. */
interface TokenPolicy {
  readonly maxLifetimeDays: number | null;
  readonly requireExpiry: boolean;
  readonly inactivityDays: number | null;
  readonly serviceTokensAllowed: boolean;
  readonly violations: {
    readonly items: readonly {
      tokenId: string;
      name: string;
      memberId: string;
      rule: string;
      message: string;
    }[];
    readonly totalCount: number;
  };
}

const PATH = '/account/token-policy';
const daysText = (n: number | null) => (n === null ? '' : String(n));
/**
 * Empty: no limit; else the number typed. What is not a number is sent as typed, for the API to
 * refuse naming the field (`Number` would make it NaN, which JSON sends as null: no limit).
 */
function daysOf(text: string): number | string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const days = Number(trimmed);
  return Number.isFinite(days) ? days : trimmed;
}

/** The API's 400 names its field: a days field's error goes under it, anything else under the form. */
const FIELDS = ['maxLifetimeDays', 'inactivityDays'] as const;
type Errors = { [field in (typeof FIELDS)[number] | 'form']?: string };
function placeError(message: string): Errors {
  const field = FIELDS.find((f) => message.startsWith(`${f}:`));
  return field !== undefined ? { [field]: message } : { form: message };
}

/** The account's token policy (admins): the rules, a form to change them, and the tokens breaking them. */
export function TokenPolicyPage(_: { me: Member }) {
  const [resource, reload] = useResource(() => api.get<TokenPolicy>(PATH, { limit: 1000 }));
  return (
    <>
      <PageHeading>Token policy</PageHeading>
      <ResourceView resource={resource} what="the token policy" retry={reload}>
        {(policy) => <PolicyForm policy={policy} onSaved={reload} />}
      </ResourceView>
    </>
  );
}

function PolicyForm({ policy, onSaved }: { policy: TokenPolicy; onSaved: () => Promise<void> }) {
  const [maxDays, setMaxDays] = useState(daysText(policy.maxLifetimeDays));
  const [inactivity, setInactivity] = useState(daysText(policy.inactivityDays));
  const [requireExpiry, setRequireExpiry] = useState(policy.requireExpiry);
  const [serviceTokens, setServiceTokens] = useState(policy.serviceTokensAllowed);
  const [errors, setErrors] = useState<Errors>({});
  const [status, setStatus] = useState<string>();
  const { busy, run } = useAction();

  const save = () =>
    run(
      async () => {
        setErrors({});
        setStatus(undefined);
        await api.put(PATH, {
          maxLifetimeDays: daysOf(maxDays),
          requireExpiry,
          inactivityDays: daysOf(inactivity),
          serviceTokensAllowed: serviceTokens,
        });
        setStatus('Token policy saved');
        await onSaved();
      },
      (failure) => setErrors(placeError((failure as Error).message)),
    );

  return (
    <>
      <form onSubmit={onSubmit(save)} class="form" noValidate>
        <TextField
          id="policy-max-lifetime"
          label="Maximum lifetime in days (empty: no limit)"
          maxLength={5}
          value={maxDays}
          onValue={setMaxDays}
          error={errors.maxLifetimeDays}
        />
        <div class="field">
          <label>
            <input
              type="checkbox"
              checked={requireExpiry}
              onChange={(e) => setRequireExpiry((e.target as HTMLInputElement).checked)}
            />{' '}
            Every token must have an expiry
          </label>
        </div>
        <TextField
          id="policy-inactivity"
          label="Revoke tokens unused for this many days (empty: never)"
          maxLength={5}
          value={inactivity}
          onValue={setInactivity}
          error={errors.inactivityDays}
        />
        <div class="field">
          <label>
            <input
              type="checkbox"
              checked={serviceTokens}
              onChange={(e) => setServiceTokens((e.target as HTMLInputElement).checked)}
            />{' '}
            Service tokens allowed
          </label>
        </div>
        <FieldError message={errors.form} />
        <FormActions busy={busy} submitLabel="Save policy" />
      </form>
      <StatusMessage message={status} />
      <h2>Tokens breaking the policy ({policy.violations.totalCount})</h2>
      <p>Tightening the policy revokes no token: these keep working until changed or deleted.</p>
      {policy.violations.totalCount > 0 && (
        <DataTable caption="Violations" columns={['Token', 'Member', 'Rule']}>
          {policy.violations.items.map((v) => (
            <tr key={`${v.tokenId}-${v.rule}`}>
              <th scope="row">{v.name}</th>
              <td>{v.memberId}</td>
              <td>{v.message}</td>
              <td />
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
