import { apiHandler, ok } from '../../shared/http/api-handler.js';
import { callerIdentity, checkAccess } from '../../shared/services/identity-service.js';

export const handler = apiHandler({
  'GET /api/v2/caller-identity': async (r) => ok(callerIdentity(r.principal)),
  'POST /api/v2/caller-identity/check': async (r) => ok(await checkAccess(r.principal, r.body)),
});
