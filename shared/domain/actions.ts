/** Every action of the policy language, grouped by the resource type it applies to (API.md). */
export const TOKEN_ACTIONS = [
  'createAccessToken',
  'deleteAccessToken',
  'resetAccessToken',
  'updateAccessTokenName',
  'updateAccessTokenDescription',
  'updateAccessTokenPolicy',
  'updateAccessTokenExpiry',
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

export const ALL_ACTIONS: readonly string[] = [
  ...new Set<string>([...TOKEN_ACTIONS, ...MEMBER_ACTIONS, ...ROLE_ACTIONS, ...PROJECT_ACTIONS]),
];

const knownActions = new Set(ALL_ACTIONS);

export function isKnownAction(action: string): boolean {
  return knownActions.has(action);
}
