import type { Repositories } from '../data/repositories.js';
import type { RoleRecord } from '../data/role-repo.js';
import type { Action } from '../domain/actions.js';
import type { Policy } from '../domain/policy.js';
import { resources } from '../domain/resource.js';
import { ensureAllowed, ensureVisible } from './authorize.js';
import { conflict, notFound } from './errors.js';
import { ensureMayDefineRole } from './grant-rules.js';
import type { Principal } from './principal.js';

export type BasePermissions = RoleRecord['basePermissions'];

export interface CreateRoleCommand {
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly policy: Policy;
  readonly basePermissions: BasePermissions;
}

/** The fields a change sets; an absent field is left alone (`null` clears the description). */
export interface RoleChange {
  readonly name?: string;
  readonly description?: string | null;
  readonly policy?: Policy;
  readonly basePermissions?: BasePermissions;
}

const ACTION_FOR_CHANGE: Record<keyof RoleChange, Action> = {
  name: 'updateName',
  description: 'updateDescription',
  policy: 'updatePolicy',
  basePermissions: 'updateBasePermissions',
};

/** The use cases of custom roles. A role never reaches beyond its author (grant-rules.ts). */
export function roleService({ roles, members, tokens }: Pick<Repositories, 'roles' | 'members' | 'tokens'>) {
  async function findVisible(principal: Principal, key: string): Promise<RoleRecord> {
    const role = await roles.get(principal.accountId, key, true);
    if (role === undefined) throw notFound('custom role');
    ensureVisible(principal, 'viewRole', resources.role(key), 'custom role');
    return role;
  }

  return {
    async list(principal: Principal): Promise<RoleRecord[]> {
      const all = await roles.list(principal.accountId);
      return all.filter((r) => principal.permissions.allows('viewRole', resources.role(r.key)));
    },

    get: findVisible,

    async create(principal: Principal, command: CreateRoleCommand): Promise<RoleRecord> {
      ensureAllowed(principal, 'createRole', resources.role(command.key));
      ensureMayDefineRole(principal, command);
      const now = Date.now();
      const role: RoleRecord = {
        accountId: principal.accountId,
        ...command,
        creationDate: now,
        lastModified: now,
        version: 1,
      };
      await roles.create(role);
      return role;
    },

    /** `changeOf` turns the role as stored into the change (the edge applies a JSON Patch). */
    async update(
      principal: Principal,
      key: string,
      changeOf: (role: RoleRecord) => RoleChange,
    ): Promise<RoleRecord> {
      const role = await findVisible(principal, key);
      const change = changeOf(role);
      for (const field of Object.keys(change) as (keyof RoleChange)[])
        ensureAllowed(principal, ACTION_FOR_CHANGE[field], resources.role(key));
      const policy = change.policy ?? role.policy;
      const basePermissions = change.basePermissions ?? role.basePermissions;
      if (change.policy !== undefined || change.basePermissions !== undefined)
        ensureMayDefineRole(principal, { key, policy, basePermissions });
      const { description, ...rest } = role;
      const nextDescription = change.description === null ? undefined : (change.description ?? description);
      const after: RoleRecord = {
        ...rest,
        name: change.name ?? role.name,
        ...(nextDescription !== undefined ? { description: nextDescription } : {}),
        policy,
        basePermissions,
        lastModified: Date.now(),
        version: role.version + 1,
      };
      await roles.update(role, after);
      return after;
    },

    async delete(principal: Principal, key: string): Promise<void> {
      const role = await findVisible(principal, key);
      ensureAllowed(principal, 'deleteRole', resources.role(key));
      const [byMember, byToken] = await Promise.all([
        members.anyWithCustomRole(principal.accountId, key),
        tokens.anyWithCustomRole(principal.accountId, key),
      ]);
      if (byMember || byToken) {
        throw conflict(
          `custom role "${key}" is still assigned to ${byMember ? 'a member' : 'a token'}; unassign it first`,
        );
      }
      await roles.delete(role);
    },
  };
}

export type RoleService = ReturnType<typeof roleService>;
