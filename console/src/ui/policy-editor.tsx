import type { Statement } from '../api/types';
import { describedBy, FieldError } from './forms';

export const POLICY_TEMPLATE = `[
  {
    "effect": "allow",
    "actions": ["viewProject"],
    "resources": ["proj/*"]
  }
]`;

/** A policy as JSON text: a statement array, or the reason it is not one. */
export function parsePolicy(text: string): { policy: Statement[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `Not valid JSON: ${(error as Error).message}` };
  }
  if (!Array.isArray(value)) return { error: 'A policy is a JSON array of statements: [ {"effect": …}, … ]' };
  return { policy: value as Statement[] };
}

/**
 * Edits a policy as JSON. Its errors are shown in place: the text's own (not JSON, not an array)
 * and the API's validation answer, which names the statement and field (`inlineRole.0.resources.0: …`).
 */
export function PolicyEditor({
  id,
  label,
  value,
  onInput,
  error,
}: {
  id: string;
  label: string;
  value: string;
  onInput: (text: string) => void;
  error: string | undefined;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <p id={`${id}-hint`} class="hint">
        Statements <code>{'{effect, actions | notActions, resources | notResources}'}</code>, e.g.{' '}
        <code>proj/*:env/production:flag/*</code>. A deny beats any allow.
      </p>
      <textarea
        id={id}
        rows={10}
        spellcheck={false}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        {...describedBy(id, error, true)}
      />
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
