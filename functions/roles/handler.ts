import { flushAuthorizerCache } from '../../shared/events/authorizer-cache.js';
import { apiHandler, noContent, ok } from '../../shared/http/api-handler.js';
import { createRole, deleteRole, getRole, listRoles, patchRole } from '../../shared/services/role-service.js';

export const handler = apiHandler(
  {
    'GET /api/v2/roles': async (r) => ok(await listRoles(r.principal, r.query)),
    'POST /api/v2/roles': async (r) => ok(await createRole(r.principal, r.body), 201),
    'GET /api/v2/roles/{key}': async (r) => ok(await getRole(r.principal, r.path.key!)),
    'PATCH /api/v2/roles/{key}': async (r) => ok(await patchRole(r.principal, r.path.key!, r.body)),
    'DELETE /api/v2/roles/{key}': async (r) => {
      await deleteRole(r.principal, r.path.key!);
      return noContent();
    },
  },
  { flushAuthorizerCache },
);
