/** Every action of the policy language, grouped by the resource type it applies to (API.md). */
export const TOKEN_ACTIONS = [
  'createAccessToken',
  'deleteAccessToken',
  'resetAccessToken',
  'updateAccessTokenName',
  'updateAccessTokenDescription',
  'updateAccessTokenPolicy',
  'updateAccessTokenExpiry',
  'updateAccessTokenApiVersion',
  'viewAccessToken',
] as const;

export const MEMBER_ACTIONS = [
  'createMember',
  'deleteMember',
  'updateRole',
  'updateCustomRole',
  'viewMember',
] as const;

export const ROLE_ACTIONS = [
  'createRole',
  'deleteRole',
  'updatePolicy',
  'updateBasePermissions',
  'updateName',
  'updateDescription',
  'viewRole',
] as const;

export const PROJECT_ACTIONS = [
  'createProject',
  'deleteProject',
  'viewProject',
  'createFlag',
  'deleteFlag',
  'updateOn',
  'updateName',
  'updateDescription',
  'viewFlag',
] as const;

/**
 * On the account itself (`acct`): its token policy (lifetime, expiry, inactivity, service tokens)
 * and its audit log (admins and owners by default: `reader`'s `view*` does not reach `acct`).
 */
export const ACCOUNT_ACTIONS = ['updateTokenPolicy', 'viewAuditLog'] as const;

/** An action of the policy language: a misspelt action is a type error, not a silent deny. */
export type Action =
  | (typeof TOKEN_ACTIONS)[number]
  | (typeof MEMBER_ACTIONS)[number]
  | (typeof ROLE_ACTIONS)[number]
  | (typeof PROJECT_ACTIONS)[number]
  | (typeof ACCOUNT_ACTIONS)[number];

/** Each action once (some names, such as `updateName`, belong to more than one resource type). */
export const ALL_ACTIONS: readonly Action[] = [
  ...new Set<Action>([
    ...TOKEN_ACTIONS,
    ...MEMBER_ACTIONS,
    ...ROLE_ACTIONS,
    ...PROJECT_ACTIONS,
    ...ACCOUNT_ACTIONS,
  ]),
];

const knownActions = new Set<string>(ALL_ACTIONS);

export function isKnownAction(action: string): action is Action {
  return knownActions.has(action);
}
