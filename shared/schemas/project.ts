import { z } from 'zod';
import { descriptionSchema, keySchema, nameSchema, tagsSchema } from './common.js';

export const createProjectSchema = z.strictObject({
  key: keySchema,
  name: nameSchema,
  tags: tagsSchema.optional(),
});

export const createFlagSchema = z.strictObject({
  key: keySchema,
  name: nameSchema,
  description: descriptionSchema.optional(),
  tags: tagsSchema.optional(),
});

export const editableFlagSchema = z.object({
  name: nameSchema,
  description: descriptionSchema.optional(),
  environments: z.record(z.string(), z.strictObject({ on: z.boolean(), lastModified: z.number() })),
});
