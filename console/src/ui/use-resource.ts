import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';

export type Resource<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: Error }
  | { readonly state: 'ready'; readonly data: T };

/**
 * Loads on mount and whenever `key` changes (and on `reload`). An answer that arrives after a
 * newer load started is dropped.
 */
export function useResource<T>(load: () => Promise<T>, key = ''): [Resource<T>, () => Promise<void>] {
  const [resource, setResource] = useState<Resource<T>>({ state: 'loading' });
  const latest = useRef(load);
  latest.current = load;
  const generation = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const data = await latest.current();
      if (mine === generation.current) setResource({ state: 'ready', data });
    } catch (error) {
      if (mine === generation.current) setResource({ state: 'error', error: error as Error });
    }
  }, []);
  // Started as soon as the page is rendered, not after the browser has painted it (an effect
  // waits for the next frame, longer on a busy machine): the request is the page's critical path.
  useLayoutEffect(() => {
    void reload();
  }, [reload, key]);
  return [resource, reload];
}
