import { z } from 'zod';

/** Keys of projects, flags, environments and custom roles (they appear in resource specifiers). */
export const keySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must start with a letter or digit and hold only letters, digits, ".", "_" and "-"',
  );

export const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters');
export const descriptionSchema = z.string().max(1024, 'must be at most 1024 characters');
export const tagsSchema = z
  .array(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'))
  .max(50);
