import { flushAuthorizerCache } from '../../shared/events/authorizer-cache.js';
import { apiHandler, noContent, ok } from '../../shared/http/api-handler.js';
import {
  cloneToken,
  createToken,
  deleteToken,
  getToken,
  listTokens,
  patchToken,
  resetToken,
} from '../../shared/services/token-service.js';

export const handler = apiHandler(
  {
    'GET /api/v2/tokens': async (r) => ok(await listTokens(r.principal, r.query)),
    'POST /api/v2/tokens': async (r) => ok(await createToken(r.principal, r.body), 201),
    'GET /api/v2/tokens/{id}': async (r) => ok(await getToken(r.principal, r.path.id!)),
    'PATCH /api/v2/tokens/{id}': async (r) => ok(await patchToken(r.principal, r.path.id!, r.body)),
    'DELETE /api/v2/tokens/{id}': async (r) => {
      await deleteToken(r.principal, r.path.id!);
      return noContent();
    },
    'POST /api/v2/tokens/{id}/reset': async (r) => ok(await resetToken(r.principal, r.path.id!, r.query)),
    'POST /api/v2/tokens/{id}/clone': async (r) => ok(await cloneToken(r.principal, r.path.id!, r.body), 201),
  },
  { flushAuthorizerCache },
);
