/**
 * The pieces every form of the console is made of: an action that runs once at a time and keeps
 * its failure; labelled fields whose errors are tied to them (`aria-invalid`, `aria-describedby`);
 * a form's buttons.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** A failure as a person reads it: the API's message (it names the field), or the error's own. */
export const messageOf = (failure: unknown): string =>
  failure instanceof Error ? failure.message : String(failure);

export interface Action {
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly setError: (message: string | undefined) => void;
  /**
   * Runs `work`, busy meanwhile. A failure's message becomes `error`, unless `onFailure` places it
   * (under the field the API named). True when it went through.
   */
  readonly run: (work: () => Promise<void>, onFailure?: (failure: unknown) => void) => Promise<boolean>;
}

/** What a submit or a confirmation button starts: busy while it runs, its failure kept to show. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (work: () => Promise<void>, onFailure?: (failure: unknown) => void) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (failure) {
      if (onFailure !== undefined) onFailure(failure);
      else setError(messageOf(failure));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** A form's submit handler: no page load, then `work`. */
export const onSubmit =
  (work: () => unknown) =>
  (event: Event): void => {
    event.preventDefault();
    void work();
  };

/** An error, announced; `id` ties it to its field. */
export function FieldError({ id, message }: { id?: string; message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <p id={id} class="field-error" role="alert">
      {message}
    </p>
  );
}

/** `aria-*` of a field: its hint, and its error when it has one. */
export function describedBy(id: string, error: string | undefined, hint = false) {
  const ids = [hint ? `${id}-hint` : '', error !== undefined ? `${id}-error` : ''].filter(Boolean);
  return {
    'aria-invalid': error !== undefined,
    'aria-describedby': ids.length > 0 ? ids.join(' ') : undefined,
  };
}

/** What a text field may say of its input besides its value. */
interface InputProps {
  readonly type?: 'text' | 'email';
  readonly required?: boolean;
  readonly maxLength?: number;
}

/**
 * A labelled text input; its error (`<id>-error`) right under it, or, with `errorShownBelow`,
 * shown by the form under a row of fields (the input still points at it).
 */
export function TextField({
  id,
  label,
  value,
  onValue,
  error,
  errorShownBelow = false,
  type = 'text',
  required = false,
  maxLength,
}: InputProps & {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  errorShownBelow?: boolean;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        // Preact types an e-mail input apart from a text one: each literal on its own.
        {...(type === 'email' ? ({ type: 'email' } as const) : ({ type: 'text' } as const))}
        id={id}
        required={required}
        maxLength={maxLength}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        {...describedBy(id, error)}
      />
      {!errorShownBelow && <FieldError id={`${id}-error`} message={error} />}
    </div>
  );
}

/** A labelled dropdown of `options` (value, label). */
export function SelectField<T extends string>({
  id,
  label,
  value,
  onValue,
  options,
}: {
  id: string;
  label: string;
  value: T;
  onValue: (value: T) => void;
  options: readonly (readonly [value: T, label: string])[];
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value as T)}>
        {options.map(([option, text]) => (
          <option key={option} value={option}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A form's buttons: the submit (`busyLabel` while it runs), then a way out. */
export function FormActions({
  busy,
  submitLabel,
  busyLabel = 'Saving…',
  onCancel,
  children,
}: {
  busy: boolean;
  submitLabel: string;
  busyLabel?: string;
  onCancel?: () => void;
  children?: ComponentChildren;
}) {
  return (
    <div class="actions">
      <button type="submit" class="primary" disabled={busy}>
        {busy ? busyLabel : submitLabel}
      </button>
      {onCancel !== undefined && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
      {children}
    </div>
  );
}
