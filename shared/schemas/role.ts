import { z } from 'zod';
import { policySchema } from '../domain/policy.js';
import { descriptionSchema, keySchema, nameSchema } from './common.js';

const basePermissions = z.enum(['reader', 'no_access']);

export const createRoleSchema = z.strictObject({
  key: keySchema,
  name: nameSchema,
  description: descriptionSchema.optional(),
  policy: policySchema,
  basePermissions: basePermissions.optional(),
  // In LaunchDarkly's request model; every role here applies to every kind of resource.
  resourceCategory: z
    .literal('any', { message: 'only "any" is supported: a role here applies to every kind of resource' })
    .optional(),
});

export const editableRoleSchema = z.object({
  name: nameSchema,
  description: descriptionSchema.optional(),
  policy: policySchema,
  basePermissions,
});
