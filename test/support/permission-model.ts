/**
 * What API.md says a member or a token may do, written independently of shared/domain, for a
 * fixed sample of (action, resource) pairs: the model side of the model-based test. Resources are
 * classified relative to the member a permission set is evaluated for, so "as if the granter held
 * them" is the same evaluation with the granter as `self`.
 */

export type BuiltIn = 'owner' | 'admin' | 'writer' | 'reader' | 'no_access';
export type TokenRole = 'reader' | 'writer' | 'admin';

/** Reader base plus createMember on member/*. */
export const INVITER = 'm-inviter';
/** No base: createMember on member/* only. */
export const NO_BASE = 'm-no-base';

export const INLINE_VIEW = [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }];
export const INLINE_STAR = [{ effect: 'allow', actions: ['*'], resources: ['proj/*'] }];

export type Scope =
  | { readonly role: TokenRole }
  | { readonly customRoleIds: readonly string[] }
  | { readonly inline: 'view' | 'star' };

export const scopeBody = (scope: Scope): Record<string, unknown> =>
  'role' in scope
    ? { role: scope.role }
    : 'customRoleIds' in scope
      ? { customRoleIds: scope.customRoleIds }
      : { inlineRole: scope.inline === 'view' ? INLINE_VIEW : INLINE_STAR };

/** What a sample pair is, for the built-in roles' policies. */
type PairClass =
  | 'viewProject'
  | 'createProject'
  | 'updateFlag'
  | 'createMember'
  | 'manageMember'
  | 'manageOwner'
  | 'createRole'
  | 'serviceToken'
  | 'otherToken'
  | 'ownToken';

export interface Pair {
  readonly action: string;
  readonly resource: string;
  readonly cls: PairClass;
}

/**
 * The sample for a token of member `self` (null: a service token), with `other` a non-owner
 * member other than self, and the owner.
 */
export function samplePairs(self: string | null, other: string, owner: string): Pair[] {
  const me = self ?? 'nobody';
  return [
    { action: 'viewProject', resource: 'proj/x', cls: 'viewProject' },
    { action: 'createProject', resource: 'proj/x', cls: 'createProject' },
    { action: 'updateOn', resource: 'proj/x:env/production:flag/f', cls: 'updateFlag' },
    { action: 'createMember', resource: 'member/newcomer', cls: 'createMember' },
    { action: 'deleteMember', resource: `member/${other}`, cls: 'manageMember' },
    { action: 'updateRole', resource: `member/${owner};owner`, cls: 'manageOwner' },
    { action: 'createRole', resource: 'role/x', cls: 'createRole' },
    { action: 'createAccessToken', resource: 'service-token/any', cls: 'serviceToken' },
    { action: 'viewAccessToken', resource: `member/${other}:token/t`, cls: 'otherToken' },
    { action: 'resetAccessToken', resource: `member/${other}:token/t`, cls: 'otherToken' },
    // A service token has no own tokens: for it this is just someone's token.
    { action: 'createAccessToken', resource: `member/${me}:token/t`, cls: self ? 'ownToken' : 'otherToken' },
  ];
}

const READER: readonly PairClass[] = ['viewProject', 'ownToken'];
const WRITER: readonly PairClass[] = [...READER, 'createProject', 'updateFlag'];

function builtInAllows(role: BuiltIn, pair: Pair, hasSelf: boolean): boolean {
  if (pair.cls === 'ownToken' && !hasSelf) return false;
  switch (role) {
    case 'owner':
      return true;
    case 'admin':
      return pair.cls !== 'manageOwner';
    case 'writer':
      return WRITER.includes(pair.cls);
    case 'reader':
      return READER.includes(pair.cls);
    case 'no_access':
      return false;
  }
}

function customAllows(key: string, pair: Pair, hasSelf: boolean): boolean {
  if (pair.cls === 'createMember') return key === INVITER || key === NO_BASE;
  return key === INVITER && builtInAllows('reader', pair, hasSelf);
}

export interface MemberGrant {
  readonly role: BuiltIn;
  readonly customRoles: readonly string[];
}

/** A member's own permissions: the role while they have no custom roles, else the union of those. */
export function memberAllows(member: MemberGrant, pair: Pair): boolean {
  if (member.customRoles.length > 0) return member.customRoles.some((k) => customAllows(k, pair, true));
  return builtInAllows(member.role, pair, true);
}

/** What a token's scope alone allows (service tokens: no own tokens). */
export function scopeAllows(scope: Scope, pair: Pair, service: boolean): boolean {
  if ('role' in scope) return builtInAllows(scope.role, pair, !service);
  if ('customRoleIds' in scope) return scope.customRoleIds.some((k) => customAllows(k, pair, !service));
  if (scope.inline === 'view') return pair.cls === 'viewProject';
  return pair.cls === 'viewProject' || pair.cls === 'createProject';
}

/** Whether `inner` allows nothing of the sample that `outer` does not (a necessary condition for "within"). */
export function withinOnSample(
  pairs: readonly Pair[],
  inner: (p: Pair) => boolean,
  outer: (p: Pair) => boolean,
): boolean {
  return pairs.every((p) => !inner(p) || outer(p));
}

export const RANK: Record<BuiltIn, number> = { no_access: 0, reader: 1, writer: 2, admin: 3, owner: 4 };
