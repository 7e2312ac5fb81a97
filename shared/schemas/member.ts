import { z } from 'zod';
import { keySchema } from './common.js';

const assignableRole = z.enum(['no_access', 'reader', 'writer', 'admin', 'owner']);

export const inviteSchema = z
  .array(
    z.strictObject({
      email: z.email('must be an email address').max(254, 'must be at most 254 characters'),
      firstName: z.string().max(100).optional(),
      lastName: z.string().max(100).optional(),
      role: assignableRole.optional(),
      customRoles: z.array(keySchema).max(50).optional(),
    }),
  )
  .min(1, 'must list at least one member')
  .max(25, 'at most 25 members per request');

export const editableMemberSchema = z.object({
  role: assignableRole,
  customRoles: z.array(keySchema).max(50),
});

export const acceptSchema = z.strictObject({
  code: z.string().min(1, 'must not be empty').max(200),
  tokenName: z.string().trim().min(1).max(256).optional(),
});
