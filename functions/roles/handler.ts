import { repositories } from '../../shared/data/repositories.js';
import type { RoleRecord } from '../../shared/data/role-repo.js';
import { flushAuthorizerCache } from '../../shared/events/authorizer-cache.js';
import { apiHandler, noContent, ok } from '../../shared/http/api-handler.js';
import { applyJsonPatch } from '../../shared/http/json-patch.js';
import { paginate, paginationSchema } from '../../shared/http/pagination.js';
import { API_BASE } from '../../shared/http/routes.js';
import { parseInput } from '../../shared/http/validation.js';
import { roleView } from '../../shared/http/views.js';
import { createRoleSchema, editableRoleSchema } from '../../shared/schemas/role.js';
import { type RoleChange, roleService } from '../../shared/services/role-service.js';

const roles = roleService(repositories);

const WRITABLE = /^\/(name|description|basePermissions|policy(\/.*)?)$/;

/** A JSON Patch of the role's representation, as the change it makes (only the fields it touches). */
function changeFromPatch(role: RoleRecord, body: unknown): RoleChange {
  const { document, touched } = applyJsonPatch(roleView(role), body, (pointer) => WRITABLE.test(pointer));
  const edited = parseInput(editableRoleSchema, {
    name: document.name,
    description: document.description,
    policy: document.policy,
    basePermissions: document.basePermissions,
  });
  return {
    ...(touched.has('name') ? { name: edited.name } : {}),
    ...(touched.has('description') ? { description: edited.description ?? null } : {}),
    ...(touched.has('policy') ? { policy: edited.policy } : {}),
    ...(touched.has('basePermissions') ? { basePermissions: edited.basePermissions } : {}),
  };
}

export const handler = apiHandler(
  'roles',
  {
    'GET /api/v2/roles': async (r) => {
      const page = parseInput(paginationSchema, r.query);
      const all = await roles.list(r.principal);
      return ok(
        paginate(
          all.map((role) => roleView(role, r.principal)),
          page,
          `${API_BASE}/roles`,
        ),
      );
    },
    'POST /api/v2/roles': async (r) => {
      const input = parseInput(createRoleSchema, r.body);
      const role = await roles.create(r.principal, {
        key: input.key,
        name: input.name,
        ...(input.description !== undefined ? { description: input.description } : {}),
        policy: input.policy,
        basePermissions: input.basePermissions ?? 'reader',
      });
      return ok(roleView(role, r.principal), 201);
    },
    'GET /api/v2/roles/{key}': async (r) =>
      ok(roleView(await roles.get(r.principal, r.path.key!), r.principal)),
    'PATCH /api/v2/roles/{key}': async (r) => {
      const role = await roles.update(r.principal, r.path.key!, (current) =>
        changeFromPatch(current, r.body),
      );
      return ok(roleView(role, r.principal));
    },
    'DELETE /api/v2/roles/{key}': async (r) => {
      await roles.delete(r.principal, r.path.key!);
      return noContent();
    },
  },
  { flushAuthorizerCache },
);
