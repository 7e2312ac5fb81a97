import { z } from 'zod';
import { type Action, isKnownAction } from '../domain/actions.js';
import { parseResource, ResourceSyntaxError } from '../domain/resource.js';

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
        return parseResource(text);
      } catch (error) {
        if (!(error instanceof ResourceSyntaxError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    })
    .describe('A resource, e.g. `proj/web:env/production:flag/beta`'),
});
