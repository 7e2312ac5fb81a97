/**
 * The API as the console calls it: the public routes of docs/openapi.json and `/sessions`, with
 * the session token (in memory only, see session.ts) as `Authorization`.
 */
import type { Session } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let baseUrl = '';
let session: Session | undefined;
let onSessionEnded: () => void = () => {};

export function configureApi(apiBaseUrl: string, sessionEnded: () => void): void {
  baseUrl = apiBaseUrl.replace(/\/$/, '');
  onSessionEnded = sessionEnded;
}

/** The signed-in member's session: a module variable, never written to any storage. */
export const currentSession = (): Session | undefined => session;

export function setSession(next: Session | undefined): void {
  session = next;
}

type Query = Record<string, string | number | boolean | undefined>;

export async function call<T>(
  method: string,
  path: string,
  options: { body?: unknown; query?: Query } = {},
): Promise<T> {
  const url = new URL(`${baseUrl}${path}`, location.href);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(session !== undefined ? { authorization: session.token } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'The API could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  const body = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (response.ok) return body as T;
  const error = (body ?? {}) as { code?: string; message?: string };
  if (response.status === 401 && session !== undefined && path !== '/sessions') {
    session = undefined;
    onSessionEnded();
  }
  throw new ApiError(
    response.status,
    error.code ?? 'error',
    error.message ?? `The API answered ${response.status}.`,
  );
}

export const api = {
  get: <T>(path: string, query?: Query) => call<T>('GET', path, query ? { query } : {}),
  post: <T>(path: string, body?: unknown, query?: Query) =>
    call<T>('POST', path, { ...(body !== undefined ? { body } : {}), ...(query ? { query } : {}) }),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, { body }),
  delete: (path: string) => call<void>('DELETE', path),
};

/** Every item of a list route, page by page (at most 1000 a page). */
export async function listAll<T>(path: string, query: Query = {}): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const page = await api.get<{ items: T[]; totalCount: number }>(path, {
      ...query,
      limit: 1000,
      offset: items.length,
    });
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.totalCount) return items;
  }
}
