import { keySchema } from '../schemas/common.js';
import { invalid } from './errors.js';

/**
 * Every path parameter of the route table names an id (24 hex digits, or `me`) or a key (a project,
 * flag or custom role key), and every one of those has the shape of `keySchema`: at most 100
 * letters, digits, ".", "_" and "-". A value of another shape names nothing that could exist, so
 * it never reaches a read (a 2,000-character id is a key DynamoDB itself refuses).
 *
 * The answer is a 400 naming the parameter, not a 404: the shape is public and the same for every
 * caller, so refusing it reveals nothing about what exists (the rule that unseen resources are
 * 404s is about stored data, and this decision reads none); and a malformed URL is the caller's
 * bug to fix, which a 404 would hide behind "not found". It runs in the handler chain, after the
 * authorizer, so a request without valid credentials is the same 401 locally and on AWS.
 */
export function checkPathParameters(
  parameters: Readonly<Record<string, string | undefined>> | null | undefined,
): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters ?? {})) {
    const result = keySchema.safeParse(value);
    if (!result.success) {
      throw invalid(`path parameter ${name}: ${result.error.issues[0]?.message ?? 'is malformed'}`);
    }
    checked[name] = result.data;
  }
  return checked;
}
