import { grantableCustomRoles, grantableRoles } from '../api/grants';
import type { CustomRole, Member, Scope, Statement, Token } from '../api/types';
import { describedBy, FieldError } from './forms';
import { POLICY_TEMPLATE, PolicyEditor, parsePolicy } from './policy-editor';

/** The scope as the form holds it: the dropdown's choice (`role:reader`, `custom:<key>`, `inline`) and the policy text. */
export interface ScopeDraft {
  readonly choice: string;
  readonly policyText: string;
}

export const newDraft = (): ScopeDraft => ({ choice: 'role:reader', policyText: POLICY_TEMPLATE });

export function draftOf(scope: Scope): ScopeDraft {
  if (scope.kind === 'role') return { choice: `role:${scope.role}`, policyText: POLICY_TEMPLATE };
  if (scope.kind === 'customRoles')
    return { choice: `custom:${scope.keys[0] ?? ''}`, policyText: POLICY_TEMPLATE };
  return { choice: 'inline', policyText: JSON.stringify(scope.policy, null, 2) };
}

export function scopeOfDraft(draft: ScopeDraft): { scope: Scope } | { error: string } {
  if (draft.choice === 'inline') {
    const parsed = parsePolicy(draft.policyText);
    return 'error' in parsed ? parsed : { scope: { kind: 'inline', policy: parsed.policy } };
  }
  if (draft.choice.startsWith('custom:'))
    return { scope: { kind: 'customRoles', keys: [draft.choice.slice(7)] } };
  return { scope: { kind: 'role', role: draft.choice.slice(5) as 'reader' } };
}

/** The body fields of `POST /tokens` for a scope. */
export function scopeFields(scope: Scope): {
  role?: string;
  customRoleIds?: string[];
  inlineRole?: Statement[];
} {
  if (scope.kind === 'role') return { role: scope.role };
  if (scope.kind === 'customRoles') return { customRoleIds: scope.keys };
  return { inlineRole: scope.policy };
}

export type PatchOperation = { op: 'add' | 'replace' | 'remove' | 'test'; path: string; value?: unknown };

/** The JSON Patch that moves a token to another scope in one request (the API wants exactly one kind). */
export function scopePatch(token: Token, scope: Scope): PatchOperation[] {
  const operations: PatchOperation[] = [];
  if (scope.kind === 'role')
    operations.push({ op: token.role === undefined ? 'add' : 'replace', path: '/role', value: scope.role });
  else if (token.role !== undefined) operations.push({ op: 'remove', path: '/role' });
  const keys = scope.kind === 'customRoles' ? scope.keys : [];
  if (JSON.stringify(keys) !== JSON.stringify(token.customRoleIds))
    operations.push({ op: 'replace', path: '/customRoleIds', value: keys });
  const policy = scope.kind === 'inline' ? scope.policy : [];
  if (JSON.stringify(policy) !== JSON.stringify(token.inlineRole))
    operations.push({ op: 'replace', path: '/inlineRole', value: policy });
  return operations;
}

/** An API error about the policy belongs under the editor; any other under the dropdown. */
export const isPolicyError = (message: string) => /^(inlineRole|policy)\b/.test(message);

/**
 * The scope dropdown: built-in roles no higher than the member's, custom roles they hold (any, for
 * admins), or an inline policy edited in place.
 */
export function ScopePicker({
  id,
  me,
  customRoles,
  draft,
  onChange,
  error,
}: {
  id: string;
  me: Member;
  customRoles: readonly CustomRole[];
  draft: ScopeDraft;
  onChange: (draft: ScopeDraft) => void;
  error: string | undefined;
}) {
  const roles = grantableRoles(me);
  const custom = grantableCustomRoles(me, customRoles);
  const policyError =
    error !== undefined && (isPolicyError(error) || draft.choice === 'inline') ? error : undefined;
  const choiceError = error !== undefined && policyError === undefined ? error : undefined;
  return (
    <>
      <div class="field">
        <label for={id}>Role</label>
        <p id={`${id}-hint`} class="hint">
          What the token may do. It can never do more than you can: your own role bounds it on every request.
        </p>
        <select
          id={id}
          value={draft.choice}
          onChange={(e) => onChange({ ...draft, choice: e.currentTarget.value })}
          {...describedBy(id, choiceError, true)}
        >
          <optgroup label="Built-in roles">
            {roles.map((role) => (
              <option key={role} value={`role:${role}`}>
                {role}
              </option>
            ))}
          </optgroup>
          {custom.length > 0 && (
            <optgroup label="Custom roles">
              {custom.map((role) => (
                <option key={role.key} value={`custom:${role.key}`}>
                  {role.name} ({role.key})
                </option>
              ))}
            </optgroup>
          )}
          <optgroup label="Other">
            <option value="inline">Inline policy…</option>
          </optgroup>
        </select>
        <FieldError id={`${id}-error`} message={choiceError} />
      </div>
      {draft.choice === 'inline' && (
        <PolicyEditor
          id={`${id}-policy`}
          label="Inline policy (JSON)"
          value={draft.policyText}
          onInput={(policyText) => onChange({ ...draft, policyText })}
          error={policyError}
        />
      )}
    </>
  );
}
