import { CompiledPolicy, type Policy } from './policy.js';

export const BUILT_IN_ROLES = ['no_access', 'reader', 'writer', 'admin', 'owner'] as const;
export type BuiltInRole = (typeof BUILT_IN_ROLES)[number];

/** The roles a token may be given (the owner role belongs to one member, never to a token). */
export const TOKEN_ROLES = ['reader', 'writer', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

const PROJECT_RESOURCES = ['proj/*', 'proj/*:env/*', 'proj/*:env/*:flag/*'];
const ALL_RESOURCES = [
  ...PROJECT_RESOURCES,
  'member/*',
  'member/*:token/*',
  'service-token/*',
  'role/*',
  'acct',
];
/**
 * Not `acct`: what is viewed there (the audit log: who did what, from which address) is for admins
 * and owners, or a custom role that grants it.
 */
const VIEWABLE_BY_EVERYONE = [...PROJECT_RESOURCES, 'member/*', 'service-token/*', 'role/*'];

/**
 * Built-in roles as policies in the policy language itself, so that a token's scope and its
 * member's permissions are intersected by one rule whatever their kind. `self` is the member the
 * role is instantiated for (a reader manages its own tokens only); null for service tokens.
 */
export function builtInPolicy(role: BuiltInRole, self: string | null): Policy {
  const ownTokens: Policy =
    self === null
      ? []
      : [
          {
            effect: 'allow',
            actions: [
              'viewAccessToken',
              'createAccessToken',
              'deleteAccessToken',
              'resetAccessToken',
              'updateAccessToken*',
            ],
            resources: [`member/${self}:token/*`],
          },
        ];
  switch (role) {
    case 'no_access':
      return [];
    case 'reader':
      return [{ effect: 'allow', actions: ['view*'], resources: VIEWABLE_BY_EVERYONE }, ...ownTokens];
    case 'writer':
      return [
        ...builtInPolicy('reader', self),
        { effect: 'allow', actions: ['*'], resources: PROJECT_RESOURCES },
      ];
    case 'admin':
      // Everything but changing the owner; the owner's member resource carries the tag `owner`.
      return [
        { effect: 'allow', actions: ['*'], resources: ALL_RESOURCES },
        {
          effect: 'deny',
          actions: ['updateRole', 'updateCustomRole', 'deleteMember'],
          resources: ['member/*;owner'],
        },
      ];
    case 'owner':
      return [{ effect: 'allow', actions: ['*'], resources: ALL_RESOURCES }];
  }
}

const cache = new Map<string, CompiledPolicy>();
const CACHE_LIMIT = 10_000;

/** The compiled built-in policy for a member, memoised (policies are immutable once compiled). */
export function compiledBuiltInPolicy(role: BuiltInRole, self: string | null): CompiledPolicy {
  const key = `${role}\u0000${self ?? ''}`;
  let policy = cache.get(key);
  if (policy === undefined) {
    policy = new CompiledPolicy(builtInPolicy(role, self));
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, policy);
  }
  return policy;
}

const RANK: Record<BuiltInRole, number> = { no_access: 0, reader: 1, writer: 2, admin: 3, owner: 4 };

export function roleRank(role: BuiltInRole): number {
  return RANK[role];
}
