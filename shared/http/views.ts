/**
 * Representations: what a record looks like on the wire. They follow LaunchDarkly's models field
 * for field (API.md): every field its model requires is always present, with its type. Built only
 * here, at the edge; services return records.
 */
import type { z } from 'zod';
import type { MemberRecord } from '../data/member-repo.js';
import type { FlagRecord, ProjectRecord } from '../data/resource-repo.js';
import type { RoleRecord } from '../data/role-repo.js';
import { type Action, ROLE_ACTIONS } from '../domain/actions.js';
import { type Resource, resources } from '../domain/resource.js';
import type {
  accessSchema,
  callerIdentitySchema,
  flagSchema,
  linkSchema,
  memberSchema,
  memberSummarySchema,
  projectSchema,
  roleSchema,
  selfLinksSchema,
  sessionSchema,
  tokenSchema,
} from '../schemas/representations.js';
import type { Principal } from '../services/principal.js';
import type { TokenWithMember } from '../services/token-service.js';
import { API_BASE } from './routes.js';

/** The API version this service speaks (LaunchDarkly's current REST API version). */
export const API_VERSION = 20240415;

/*
 * The view types are inferred from the response schemas (shared/schemas/representations.ts), from
 * which the OpenAPI document is generated: a field built here and missing there fails `tsc`.
 */
export type Link = z.infer<typeof linkSchema>;
export type SelfLinks = z.infer<typeof selfLinksSchema>;
export type MemberSummaryView = z.infer<typeof memberSummarySchema>;
export type TokenView = z.infer<typeof tokenSchema>;
export type MemberView = z.infer<typeof memberSchema>;
export type AccessView = z.infer<typeof accessSchema>;
export type RoleView = z.infer<typeof roleSchema>;
export type ProjectView = z.infer<typeof projectSchema>;
export type FlagView = z.infer<typeof flagSchema>;
export type CallerIdentityView = z.infer<typeof callerIdentitySchema>;
export type SessionView = z.infer<typeof sessionSchema>;

export const link = (path: string): Link => ({ href: `${API_BASE}${path}`, type: 'application/json' });
export const selfLink = (path: string): SelfLinks => ({ self: link(path) });

export function memberSummaryView(member: MemberRecord): MemberSummaryView {
  return {
    _links: selfLink(`/members/${member.memberId}`),
    _id: member.memberId,
    ...(member.firstName !== undefined ? { firstName: member.firstName } : {}),
    ...(member.lastName !== undefined ? { lastName: member.lastName } : {}),
    role: member.role,
    email: member.email,
  };
}

export function tokenView({ token, member, secret }: TokenWithMember): TokenView {
  const { scope } = token;
  return {
    _id: token.tokenId,
    ownerId: token.serviceToken ? token.accountId : token.memberId,
    memberId: token.memberId,
    ...(member !== undefined ? { _member: memberSummaryView(member) } : {}),
    name: token.name,
    ...(token.description !== undefined ? { description: token.description } : {}),
    creationDate: token.creationDate,
    lastModified: token.lastModified,
    customRoleIds: scope.kind === 'customRoles' ? scope.roleKeys : [],
    inlineRole: scope.kind === 'inline' ? scope.policy : [],
    ...(scope.kind === 'role' ? { role: scope.role } : {}),
    token: secret ?? token.last4,
    serviceToken: token.serviceToken,
    _links: {
      self: link(`/tokens/${token.tokenId}`),
      ...(token.serviceToken ? {} : { parent: link(`/members/${token.memberId}`) }),
    },
    defaultApiVersion: token.defaultApiVersion ?? API_VERSION,
    ...(token.lastUsed !== undefined ? { lastUsed: token.lastUsed } : {}),
    ...(token.expiresAt !== undefined ? { expiresAt: token.expiresAt } : {}),
    ...(token.allowedCidrs !== undefined ? { allowedCidrs: [...token.allowedCidrs] } : {}),
  };
}

export function memberView(member: MemberRecord, inviteCode?: string): MemberView {
  const pending = member.inviteHash !== undefined;
  return {
    _links: selfLink(`/members/${member.memberId}`),
    _id: member.memberId,
    ...(member.firstName !== undefined ? { firstName: member.firstName } : {}),
    ...(member.lastName !== undefined ? { lastName: member.lastName } : {}),
    role: member.role,
    email: member.email,
    _pendingInvite: pending,
    _verified: !pending,
    customRoles: member.customRoles,
    mfa: 'disabled',
    _lastSeen: member.lastSeen ?? 0,
    ...(member.lastSeenTokenId !== undefined
      ? { _lastSeenMetadata: { tokenId: member.lastSeenTokenId } }
      : {}),
    creationDate: member.creationDate,
    version: member.version,
    ...(inviteCode !== undefined ? { _inviteCode: inviteCode } : {}),
  };
}

/**
 * LaunchDarkly's `_access`: which of the resource's actions the caller may take on it now (their
 * token AND their member), each with a reason naming the action and resource it was decided for.
 */
export function accessView(
  principal: Principal,
  actions: readonly Action[],
  resource: Resource,
  specifier: string,
): AccessView {
  const allowed: AccessView['allowed'][number][] = [];
  const denied: AccessView['denied'][number][] = [];
  for (const action of actions) {
    const ok = principal.permissions.allows(action, resource);
    const reason: AccessView['allowed'][number]['reason'] = {
      effect: ok ? 'allow' : 'deny',
      resources: [specifier],
      actions: [action],
    };
    (ok ? allowed : denied).push({ action, reason });
  }
  return { allowed, denied };
}

export function roleView(role: RoleRecord, principal?: Principal): RoleView {
  return {
    _id: role.key,
    _links: selfLink(`/roles/${role.key}`),
    ...(principal !== undefined
      ? { _access: accessView(principal, ROLE_ACTIONS, resources.role(role.key), `role/${role.key}`) }
      : {}),
    key: role.key,
    name: role.name,
    ...(role.description !== undefined ? { description: role.description } : {}),
    policy: role.policy,
    basePermissions: role.basePermissions,
    creationDate: role.creationDate,
    lastModified: role.lastModified,
  };
}

export function projectView(project: ProjectRecord): ProjectView {
  return {
    _id: project.key,
    _links: selfLink(`/projects/${project.key}`),
    key: project.key,
    name: project.name,
    tags: project.tags,
    environments: project.environments,
    creationDate: project.creationDate,
  };
}

export function flagView(flag: FlagRecord): FlagView {
  return {
    _links: selfLink(`/flags/${flag.projectKey}/${flag.key}`),
    key: flag.key,
    name: flag.name,
    ...(flag.description !== undefined ? { description: flag.description } : {}),
    tags: flag.tags,
    environments: flag.environments,
    creationDate: flag.creationDate,
    lastModified: flag.lastModified,
  };
}

/** A new console session: its value (this once), its end, and its member. */
export function sessionView({ token, member, secret }: TokenWithMember & { secret: string }): SessionView {
  if (member === undefined) throw new Error('a session always has its member');
  return { token: secret, expiresAt: token.expiresAt!, member: memberView(member) };
}

/** LaunchDarkly's CallerIdentityRep, with what the token's member is now beside the token's scope. */
export function callerIdentityView(principal: Principal): CallerIdentityView {
  return {
    accountId: principal.accountId,
    authKind: 'token',
    tokenKind: principal.serviceToken ? 'service' : principal.session ? 'session' : 'personal',
    tokenId: principal.tokenId,
    tokenName: principal.tokenName,
    memberId: principal.memberId,
    serviceToken: principal.serviceToken,
    role:
      principal.scope.kind === 'role'
        ? principal.scope.role
        : principal.scope.kind === 'customRoles'
          ? 'custom'
          : 'inline',
    ...(principal.member !== null
      ? { memberRole: principal.member.role, memberCustomRoles: principal.member.customRoles }
      : {}),
  };
}
