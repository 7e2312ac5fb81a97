import type { z } from 'zod';
import { invalid } from './errors.js';

/** `policy.1.resources.0: "widget/x" is not a known resource type`: the field, then the problem. */
export function describeZodError(error: z.ZodError, root?: string): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = [...(root ? [root] : []), ...issue.path.map(String)].join('.');
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
          : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

/** Parses input with a schema, or throws a 400 that names the offending field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, root?: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw invalid(describeZodError(result.error, root));
  return result.data;
}
