import type { ComponentChildren } from 'preact';

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status">
      Loading {what}…
    </p>
  );
}

export function LoadError({ what, error, retry }: { what: string; error: Error; retry: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>
        Couldn't load {what}: {error.message}
      </p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}

/** Polite announcements of what an action did ("Token deleted"). */
export function StatusMessage({ message }: { message: string | undefined }) {
  return (
    <p class="status-message" role="status">
      {message ?? ''}
    </p>
  );
}

export function FormError({ id, message }: { id: string; message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <p id={id} class="field-error" role="alert">
      {message}
    </p>
  );
}
