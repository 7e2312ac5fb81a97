/**
 * What a member may hand out, as the API's grant rules say (README, "Who may hand out what"): a
 * built-in role no higher than their own; a custom role they hold, or any one for admins and owners.
 * The console offers only these; the API still judges every request.
 */
import type { BuiltInRole, CustomRole, Member, MemberRole } from './types';
import { isAdmin } from './types';

const RANK: Record<MemberRole, number> = { no_access: 0, reader: 1, writer: 2, admin: 3, owner: 4 };
const BUILT_IN: readonly BuiltInRole[] = ['reader', 'writer', 'admin'];

export const grantableRoles = (member: Member): BuiltInRole[] =>
  BUILT_IN.filter((role) => RANK[role] <= RANK[member.role]);

export const grantableCustomRoles = (member: Member, roles: readonly CustomRole[]): CustomRole[] =>
  isAdmin(member) ? [...roles] : roles.filter((role) => member.customRoles.includes(role.key));

/** Member roles an admin may give in an invitation or a change (the owner role moves only by the owner's PATCH). */
export const assignableMemberRoles = (granter: Member): MemberRole[] =>
  (['no_access', 'reader', 'writer', 'admin'] as const).filter((role) => RANK[role] <= RANK[granter.role]);
