import type { ComponentChildren } from 'preact';
import type { Resource } from './use-resource';

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

/**
 * What a page loaded, in whichever state it is: loading, failed (with a retry), empty (when
 * `isEmpty` says so), or `children` with the data.
 */
export function ResourceView<T>({
  resource,
  what,
  retry,
  isEmpty,
  empty,
  children,
}: {
  resource: Resource<T>;
  what: string;
  retry: () => void;
  isEmpty?: (data: T) => boolean;
  empty?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  if (resource.state === 'loading') return <Loading what={what} />;
  if (resource.state === 'error') return <LoadError what={what} error={resource.error} retry={retry} />;
  if (isEmpty?.(resource.data)) return <Empty>{empty}</Empty>;
  return <>{children(resource.data)}</>;
}

/** Polite announcements of what an action did ("Token deleted"). */
export function StatusMessage({ message }: { message: string | undefined }) {
  return (
    <p class="status-message" role="status">
      {message ?? ''}
    </p>
  );
}
