import { z } from 'zod';
import { repositories } from '../../shared/data/repositories.js';
import { type Action, isKnownAction } from '../../shared/domain/actions.js';
import { parseResource, ResourceSyntaxError } from '../../shared/domain/resource.js';
import { apiHandler, ok } from '../../shared/http/api-handler.js';
import { parseInput } from '../../shared/http/validation.js';
import { callerIdentityView } from '../../shared/http/views.js';
import { identityService } from '../../shared/services/identity-service.js';

const identity = identityService(repositories);

export const checkSchema = z.strictObject({
  action: z.string().refine((a): a is Action => isKnownAction(a), 'is not a known action'),
  resource: z
    .string()
    .min(1)
    .max(512)
    .transform((text, ctx) => {
      try {
        return parseResource(text);
      } catch (error) {
        if (!(error instanceof ResourceSyntaxError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    }),
});

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
