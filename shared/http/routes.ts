/**
 * The one route table: the CDK REST API and the local gateway are both built from it, so the two
 * cannot drift. `action` is what the handler checks (documentation and the OpenAPI summary); the
 * authorizer allows the whole stage and each handler checks its own action and resource.
 */
export type FunctionName =
  | 'tokens'
  | 'members'
  | 'invitations'
  | 'roles'
  | 'resources'
  | 'identity'
  | 'sessions'
  | 'openapi'
  | 'audit'
  | 'leaks';

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly function: FunctionName;
  readonly action: string;
  /** No credentials: the authorizer does not run. */
  readonly public?: boolean;
  /**
   * A 2xx answer means a committed change of rights (a token deleted, rescoped or reset; a member
   * removed or their roles changed; a custom role edited or deleted): the handler's chain flushes
   * the stage's authorizer cache before answering (shared/http/api-handler.ts). Marked per route,
   * not per patched field: a flush too many is harmless, one too few is a stale allow.
   */
  readonly changesRights?: true;
  /**
   * The handler flushes the authorizer cache itself when what it did changed rights (a reported
   * leak that matched a live token), not on every 2xx: on AWS the function gets the same flush
   * permission as those of `changesRights` routes.
   */
  readonly flushesWhenChanged?: true;
  /**
   * At most `requests` calls per client address in any `windowSeconds` (a window WAF offers), then
   * 429: a WAF rate-based rule scoped to this path on AWS (infra/constructs/api-firewall.ts), the
   * local gateway's limiter locally.
   */
  readonly perAddressLimit?: { readonly requests: number; readonly windowSeconds: 60 | 120 | 300 | 600 };
}

export const API_BASE = '/api/v2';

/** A route, keeping its literal method, path and function in its type (see `RouteKeyOf`). */
const r = <M extends Route['method'], P extends string, F extends FunctionName>(
  method: M,
  path: P,
  fn: F,
  action: string,
  isPublic = false,
) => ({
  method,
  path: `${API_BASE}${path}` as `${typeof API_BASE}${P}`,
  function: fn,
  action,
  ...(isPublic ? { public: true } : {}),
});

const changesRights = <R extends Route>(route: R) => ({ ...route, changesRights: true as const });

/**
 * Leaked-token reports per client address: a secret scanner reports in batches of up to 100 values,
 * so 100 reports in 5 minutes is 10,000 values from one address, and a guesser gets nowhere.
 */
export const LEAK_REPORTS_PER_ADDRESS = { requests: 100, windowSeconds: 300 } as const;

/**
 * What a CRUD function logs when its flush after a change of rights fails (the failure is also
 * counted, `AuthorizerCacheFlushes` with outcome `failed`, and alarmed on).
 */
export const FLUSH_FAILED_MESSAGE = 'authorizer cache flush after a change of rights failed';

const TABLE = [
  r('GET', '/tokens', 'tokens', 'viewAccessToken'),
  r('POST', '/tokens', 'tokens', 'createAccessToken'),
  r('GET', '/tokens/{id}', 'tokens', 'viewAccessToken'),
  changesRights(r('PATCH', '/tokens/{id}', 'tokens', 'updateAccessToken*')),
  changesRights(r('DELETE', '/tokens/{id}', 'tokens', 'deleteAccessToken')),
  changesRights(r('POST', '/tokens/{id}/reset', 'tokens', 'resetAccessToken')),
  {
    ...r('POST', '/tokens/leaked', 'leaks', 'none (public: the reported values are the credential)', true),
    flushesWhenChanged: true as const,
    perAddressLimit: LEAK_REPORTS_PER_ADDRESS,
  },
  r('POST', '/tokens/{id}/clone', 'tokens', 'createAccessToken'),
  // The account's token policy is served by the tokens function: it governs their creation.
  r('GET', '/account/token-policy', 'tokens', 'none (any member; violations: tokens the caller may view)'),
  r('PUT', '/account/token-policy', 'tokens', 'updateTokenPolicy'),
  r('GET', '/members', 'members', 'viewMember'),
  r('POST', '/members', 'members', 'createMember'),
  r('GET', '/members/{id}', 'members', 'viewMember'),
  changesRights(r('PATCH', '/members', 'members', 'updateRole, updateCustomRole (each member)')),
  changesRights(r('PATCH', '/members/{id}', 'members', 'updateRole, updateCustomRole')),
  changesRights(r('DELETE', '/members/{id}', 'members', 'deleteMember')),
  r('POST', '/invitations/accept', 'invitations', 'none (the invitation code is the credential)', true),
  r('GET', '/roles', 'roles', 'viewRole'),
  r('POST', '/roles', 'roles', 'createRole'),
  r('GET', '/roles/{key}', 'roles', 'viewRole'),
  changesRights(
    r('PATCH', '/roles/{key}', 'roles', 'updateName, updateDescription, updatePolicy, updateBasePermissions'),
  ),
  changesRights(r('DELETE', '/roles/{key}', 'roles', 'deleteRole')),
  r('GET', '/projects', 'resources', 'viewProject'),
  r('POST', '/projects', 'resources', 'createProject'),
  r('GET', '/projects/{projectKey}', 'resources', 'viewProject'),
  r('DELETE', '/projects/{projectKey}', 'resources', 'deleteProject'),
  r('GET', '/flags/{projectKey}', 'resources', 'viewFlag'),
  r('POST', '/flags/{projectKey}', 'resources', 'createFlag'),
  r('GET', '/flags/{projectKey}/{flagKey}', 'resources', 'viewFlag'),
  r('PATCH', '/flags/{projectKey}/{flagKey}', 'resources', 'updateOn, updateName, updateDescription'),
  r('DELETE', '/flags/{projectKey}/{flagKey}', 'resources', 'deleteFlag'),
  r('GET', '/caller-identity', 'identity', 'none (any valid token)'),
  r('POST', '/caller-identity/check', 'identity', 'none (any valid token)'),
  r('POST', '/sessions', 'sessions', 'none (a verified OpenID Connect ID token is the credential)', true),
  // Sign-out deletes the calling session's token: the tokens function has what that takes.
  changesRights(r('DELETE', '/sessions/current', 'tokens', 'none (the calling session ends itself)')),
  r('GET', '/openapi.json', 'openapi', 'none (public: the contract itself)', true),
  r('GET', '/auditlog', 'audit', 'viewAuditLog (on acct)'),
  r('GET', '/auditlog/{id}', 'audit', 'viewAuditLog (on acct)'),
] as const satisfies readonly Route[];

export const ROUTES: readonly Route[] = TABLE;

type TableRoute = (typeof TABLE)[number];

/**
 * `METHOD /path` of every route a function serves, from the table: a function's handler map is
 * typed with it (shared/http/api-handler.ts), so a missing, misspelt or extra route fails `tsc`.
 */
export type RouteKeyOf<F extends FunctionName> = TableRoute extends infer R
  ? R extends {
      readonly function: F;
      readonly method: infer M extends string;
      readonly path: infer P extends string;
    }
    ? `${M} ${P}`
    : never
  : never;
