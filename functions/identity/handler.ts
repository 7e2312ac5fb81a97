import { repositories } from '../../shared/data/repositories.js';
import type { Action } from '../../shared/domain/actions.js';
import { apiHandler, ok } from '../../shared/http/api-handler.js';
import { parseInput } from '../../shared/http/validation.js';
import { callerIdentityView } from '../../shared/http/views.js';
import { checkSchema } from '../../shared/schemas/identity.js';
import { identityService } from '../../shared/services/identity-service.js';

const identity = identityService(repositories);

export const handler = apiHandler('identity', {
  'GET /api/v2/caller-identity': async (r) => ok(callerIdentityView(r.principal)),
  'POST /api/v2/caller-identity/check': async (r) => {
    const input = parseInput(checkSchema, r.body);
    const decision = await identity.check(r.principal, input.action as Action, input.resource);
    return ok({
      allowed: decision.allowed,
      reason: decision.reason,
      ...(decision.deniedBy ? { deniedBy: decision.deniedBy } : {}),
    });
  },
});
