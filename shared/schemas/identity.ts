import { z } from 'zod';
import { type Action, isKnownAction } from '../domain/actions.js';
import { parseResource, ResourceSyntaxError, resourceBeyondLimits } from '../domain/resource.js';

/** `POST /caller-identity/check`: an action and a resource specifier, as a request would name them. */
export const checkSchema = z.strictObject({
  action: z
    .string()
    .refine((a): a is Action => isKnownAction(a), 'is not a known action')
    .describe('An action of the policy language, e.g. `viewProject`'),
  resource: z
    .string()
    .min(1)
    .max(512)
    .transform((text, ctx) => {
      try {
        const resource = parseResource(text);
        // Beyond the limits of every stored resource (a key, a tag, a tag count), it names nothing.
        const beyond = resourceBeyondLimits(resource);
        if (beyond === null) return resource;
        ctx.addIssue({ code: 'custom', message: beyond });
        return z.NEVER;
      } catch (error) {
        if (!(error instanceof ResourceSyntaxError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    })
    .describe('A resource, e.g. `proj/web:env/production:flag/beta`'),
});
