import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { FieldError, FormActions, onSubmit, useAction } from './forms';

/**
 * A modal dialog on the native `<dialog>` element: the browser traps focus, closes it on Escape
 * and gives focus back to what opened it.
 */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

/**
 * A dialog around a form: its fields, the error of the whole form (`error`; a field's own goes
 * under that field), then submit and Cancel.
 */
export function FormDialog({
  title,
  onClose,
  onSubmit: submit,
  busy,
  submitLabel,
  busyLabel,
  error,
  children,
}: {
  title: string;
  onClose: () => void;
  onSubmit: () => unknown;
  busy: boolean;
  submitLabel: string;
  busyLabel?: string;
  error?: string | undefined;
  children: ComponentChildren;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={onSubmit(submit)} noValidate>
        {children}
        <FieldError message={error} />
        <FormActions
          busy={busy}
          submitLabel={submitLabel}
          {...(busyLabel !== undefined ? { busyLabel } : {})}
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}

/**
 * A yes/no question about something that cannot be undone; `onConfirm` does it (busy meanwhile,
 * its failure shown in the dialog, which stays open).
 */
export function ConfirmDialog({
  title,
  confirmLabel,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const { busy, error, run } = useAction();
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      <FieldError message={error} />
      <div class="actions">
        <button type="button" class="danger" onClick={() => void run(onConfirm)} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
        <button type="button" onClick={onClose} autofocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
