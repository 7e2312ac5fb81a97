import { useEffect, useState } from 'preact/hooks';

/** The console's pages, addressed by the URL's hash so that a static host needs no rewrites. */
export const ROUTES = [
  'tokens',
  'tokens/new',
  'authorizations',
  'members',
  'roles',
  'audit',
  'token-policy',
] as const;
export type Route = (typeof ROUTES)[number];

export function routeOf(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  return (ROUTES as readonly string[]).includes(path) ? (path as Route) : 'tokens';
}

export const href = (route: Route) => `#/${route}`;

export function navigate(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const changed = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
