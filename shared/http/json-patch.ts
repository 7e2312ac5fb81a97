import jsonPatch from 'fast-json-patch';
import { z } from 'zod';
import { conflict, invalid } from './errors.js';
import { describeZodError } from './validation.js';

const operationSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('add'), path: z.string(), value: z.unknown() }),
  z.strictObject({ op: z.literal('replace'), path: z.string(), value: z.unknown() }),
  z.strictObject({ op: z.literal('test'), path: z.string(), value: z.unknown() }),
  z.strictObject({ op: z.literal('remove'), path: z.string() }),
  z.strictObject({ op: z.literal('move'), path: z.string(), from: z.string() }),
  z.strictObject({ op: z.literal('copy'), path: z.string(), from: z.string() }),
]);

const patchSchema = z.array(operationSchema).min(1, 'a patch needs at least one operation').max(100);

export type PatchOperation = z.infer<typeof operationSchema>;

export interface PatchResult<T> {
  readonly document: T;
  /** The top-level fields that write operations touched (`/name`, `/environments/test/on` → `name`, `environments`). */
  readonly touched: ReadonlySet<string>;
  readonly operations: readonly PatchOperation[];
}

const topLevel = (pointer: string) => pointer.split('/')[1] ?? '';

/**
 * Applies an RFC 6902 patch (fast-json-patch) to a representation. Write operations may only target
 * paths that `writable` accepts (never `_` fields); `test` operations are preconditions on anything
 * and a failed one is a 409. The caller validates the patched document against its own schema.
 */
export function applyJsonPatch<T extends object>(
  document: T,
  body: unknown,
  writable: (pointer: string) => boolean,
): PatchResult<T> {
  const parsed = patchSchema.safeParse(body);
  if (!parsed.success) throw invalid(`invalid JSON Patch: ${describeZodError(parsed.error, 'patch')}`);
  const operations = parsed.data;
  const touched = new Set<string>();
  operations.forEach((operation, index) => {
    if (operation.op === 'test') return;
    const pointers =
      operation.op === 'move' || operation.op === 'copy'
        ? [operation.path, operation.from]
        : [operation.path];
    for (const pointer of pointers) {
      const field = topLevel(pointer);
      if (!pointer.startsWith('/') || field.startsWith('_') || !writable(pointer)) {
        throw invalid(`patch.${index}.path: "${pointer}" cannot be changed`);
      }
      if (operation.op !== 'copy' || pointer === operation.path) touched.add(field);
    }
  });
  const copy = structuredClone(document);
  try {
    const result = jsonPatch.applyPatch(copy, operations as jsonPatch.Operation[], true, true);
    return { document: result.newDocument, touched, operations };
  } catch (error) {
    if (error instanceof jsonPatch.JsonPatchError) {
      const at = `patch.${error.index ?? 0}`;
      if (error.name === 'TEST_OPERATION_FAILED')
        throw conflict(`${at}: test operation failed at "${error.operation?.path}"`);
      throw invalid(`${at}: ${error.message.split('\n')[0]}`);
    }
    throw error;
  }
}
