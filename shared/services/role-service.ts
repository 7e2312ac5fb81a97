import { memberRepo } from '../data/member-repo.js';
import { type RoleRecord, roleRepo } from '../data/role-repo.js';
import { tokenRepo } from '../data/token-repo.js';
import { resources } from '../domain/resource.js';
import { conflict, notFound } from '../http/errors.js';
import { applyJsonPatch } from '../http/json-patch.js';
import { type Page, paginate, paginationSchema } from '../http/pagination.js';
import { API_BASE } from '../http/routes.js';
import { parseInput } from '../http/validation.js';
import { createRoleSchema, editableRoleSchema } from '../schemas/role.js';
import { ensureAllowed, ensureVisible } from './authorize.js';
import { ensureMayDefineRole } from './grant-rules.js';
import type { Principal } from './principal.js';

export function roleView(role: RoleRecord) {
  return {
    _id: role.key,
    key: role.key,
    name: role.name,
    ...(role.description !== undefined ? { description: role.description } : {}),
    policy: role.policy,
    basePermissions: role.basePermissions,
    creationDate: role.creationDate,
    lastModified: role.lastModified,
    _links: { self: { href: `${API_BASE}/roles/${role.key}`, type: 'application/json' as const } },
  };
}

export type RoleView = ReturnType<typeof roleView>;

async function findVisible(principal: Principal, key: string): Promise<RoleRecord> {
  const role = await roleRepo.get(principal.accountId, key, true);
  if (role === undefined) throw notFound('custom role');
  ensureVisible(principal, 'viewRole', resources.role(key), 'custom role');
  return role;
}

export async function listRoles(
  principal: Principal,
  query: Record<string, string>,
): Promise<Page<RoleView>> {
  const page = parseInput(paginationSchema, query);
  const roles = await roleRepo.list(principal.accountId);
  const visible = roles
    .filter((r) => principal.permissions.allows('viewRole', resources.role(r.key)))
    .map(roleView);
  return paginate(visible, page, `${API_BASE}/roles`);
}

export async function getRole(principal: Principal, key: string): Promise<RoleView> {
  return roleView(await findVisible(principal, key));
}

export async function createRole(principal: Principal, body: unknown): Promise<RoleView> {
  const input = parseInput(createRoleSchema, body);
  ensureAllowed(principal, 'createRole', resources.role(input.key));
  ensureMayDefineRole(principal, {
    key: input.key,
    policy: input.policy,
    basePermissions: input.basePermissions ?? 'reader',
  });
  const now = Date.now();
  const role: RoleRecord = {
    accountId: principal.accountId,
    key: input.key,
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    policy: input.policy,
    basePermissions: input.basePermissions ?? 'reader',
    creationDate: now,
    lastModified: now,
    version: 1,
  };
  await roleRepo.create(role);
  return roleView(role);
}

const WRITABLE = /^\/(name|description|basePermissions|policy(\/.*)?)$/;
const ACTION_FOR_FIELD: Record<string, string> = {
  name: 'updateName',
  description: 'updateDescription',
  policy: 'updatePolicy',
  basePermissions: 'updateBasePermissions',
};

export async function patchRole(principal: Principal, key: string, body: unknown): Promise<RoleView> {
  const role = await findVisible(principal, key);
  const { document, touched } = applyJsonPatch(roleView(role), body, (pointer) => WRITABLE.test(pointer));
  for (const field of touched)
    ensureAllowed(principal, ACTION_FOR_FIELD[field] ?? 'updatePolicy', resources.role(key));
  const edited = parseInput(editableRoleSchema, {
    name: document.name,
    description: document.description,
    policy: document.policy,
    basePermissions: document.basePermissions,
  });
  if (touched.has('policy') || touched.has('basePermissions'))
    ensureMayDefineRole(principal, { key, policy: edited.policy, basePermissions: edited.basePermissions });
  const { description: _d, ...rest } = role;
  const after: RoleRecord = {
    ...rest,
    ...edited,
    lastModified: Date.now(),
    version: role.version + 1,
  };
  await roleRepo.update(role, after);
  return roleView(after);
}

export async function deleteRole(principal: Principal, key: string): Promise<void> {
  const role = await findVisible(principal, key);
  ensureAllowed(principal, 'deleteRole', resources.role(key));
  const [byMember, byToken] = await Promise.all([
    memberRepo.anyWithCustomRole(principal.accountId, key),
    tokenRepo.anyWithCustomRole(principal.accountId, key),
  ]);
  if (byMember || byToken) {
    throw conflict(
      `custom role "${key}" is still assigned to ${byMember ? 'a member' : 'a token'}; unassign it first`,
    );
  }
  await roleRepo.delete(role);
}
