/** The API's representations, as far as the console reads them (docs/openapi.json). */

export type BuiltInRole = 'reader' | 'writer' | 'admin';
export type MemberRole = 'no_access' | BuiltInRole | 'owner';

export interface Statement {
  effect: 'allow' | 'deny';
  resources?: string[];
  notResources?: string[];
  actions?: string[];
  notActions?: string[];
}

export interface MemberSummary {
  readonly _id: string;
  readonly email: string;
  readonly role: MemberRole;
  readonly firstName?: string;
  readonly lastName?: string;
}

export interface Token {
  readonly _id: string;
  readonly ownerId: string;
  readonly memberId: string;
  readonly _member?: MemberSummary;
  readonly name: string;
  readonly description?: string;
  readonly creationDate: number;
  readonly lastModified: number;
  readonly customRoleIds: string[];
  readonly inlineRole: Statement[];
  readonly role?: BuiltInRole;
  /** The full value once (create, reset, clone); the last four characters otherwise. */
  readonly token: string;
  readonly serviceToken: boolean;
  readonly lastUsed?: number;
  readonly expiresAt?: number;
  /** IP binding: the source ranges it may be used from (absent: any address). */
  readonly allowedCidrs?: readonly string[];
}

export interface Member extends MemberSummary {
  readonly customRoles: string[];
  readonly _pendingInvite: boolean;
  readonly _verified: boolean;
  readonly _lastSeen: number;
  readonly creationDate: number;
  readonly _inviteCode?: string;
}

export interface CustomRole {
  readonly _id: string;
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly policy: Statement[];
  readonly basePermissions: 'reader' | 'no_access';
}

export interface Page<T> {
  readonly items: T[];
  readonly totalCount: number;
}

export interface Session {
  readonly token: string;
  readonly expiresAt: number;
  readonly member: Member;
}

/** A token's scope, as the create form and the Authorizations tab edit it. */
export type Scope =
  | { readonly kind: 'role'; readonly role: BuiltInRole }
  | { readonly kind: 'customRoles'; readonly keys: string[] }
  | { readonly kind: 'inline'; readonly policy: Statement[] };

export function scopeOf(token: Token): Scope {
  if (token.role !== undefined) return { kind: 'role', role: token.role };
  if (token.customRoleIds.length > 0) return { kind: 'customRoles', keys: token.customRoleIds };
  return { kind: 'inline', policy: token.inlineRole };
}

export function describeScope(scope: Scope): string {
  if (scope.kind === 'role') return scope.role;
  if (scope.kind === 'customRoles') return `custom: ${scope.keys.join(', ')}`;
  return `inline policy (${scope.policy.length} statement${scope.policy.length === 1 ? '' : 's'})`;
}

export const isAdmin = (member: { role: MemberRole }) => member.role === 'admin' || member.role === 'owner';
