import jsonPatch from 'fast-json-patch';
import { z } from 'zod';
import { conflict, invalid } from './errors.js';
import { describeZodError } from './validation.js';

const operationSchema = z
  .discriminatedUnion('op', [
    z.strictObject({ op: z.literal('add'), path: z.string(), value: z.unknown() }),
    z.strictObject({ op: z.literal('replace'), path: z.string(), value: z.unknown() }),
    z.strictObject({ op: z.literal('test'), path: z.string(), value: z.unknown() }),
    z.strictObject({ op: z.literal('remove'), path: z.string() }),
    z.strictObject({ op: z.literal('move'), path: z.string(), from: z.string() }),
    z.strictObject({ op: z.literal('copy'), path: z.string(), from: z.string() }),
  ])
  .meta({ id: 'PatchOperation' });

/** An RFC 6902 JSON Patch (`test` operations are preconditions: a failed one is a 409). */
export const patchSchema = z
  .array(operationSchema)
  .min(1, 'a patch needs at least one operation')
  .max(100)
  .meta({ id: 'JsonPatch' });
/** LaunchDarkly's other form of every PATCH body: the operations with a comment (not stored). */
export const commentedPatchSchema = z
  .strictObject({ patch: patchSchema, comment: z.string().max(1024).optional() })
  .meta({ id: 'PatchWithComment' });

function parsePatch(body: unknown): PatchOperation[] {
  const commented = typeof body === 'object' && body !== null && !Array.isArray(body);
  const parsed = commented ? commentedPatchSchema.safeParse(body) : patchSchema.safeParse(body);
  if (!parsed.success) {
    throw invalid(`invalid JSON Patch: ${describeZodError(parsed.error, commented ? undefined : 'patch')}`);
  }
  return 'patch' in parsed.data ? parsed.data.patch : parsed.data;
}

export type PatchOperation = z.infer<typeof operationSchema>;

export interface PatchResult<T> {
  readonly document: T;
  /** The top-level fields that write operations touched (`/name`, `/environments/test/on` → `name`, `environments`). */
  readonly touched: ReadonlySet<string>;
  readonly operations: readonly PatchOperation[];
}

const topLevel = (pointer: string) => pointer.split('/')[1] ?? '';

/**
 * Segments that reach into an object's prototype chain. fast-json-patch refuses `__proto__` (and
 * `constructor/prototype`) with a TypeError of its own; refusing all three names in any pointer
 * up front makes that a 400 naming the operation, and keeps `test` ops from reading them too.
 */
const PROTOTYPE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

const segments = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

function refusePrototypeSegments(operations: readonly PatchOperation[]): void {
  operations.forEach((operation, index) => {
    const pointers = Object.entries({
      path: operation.path,
      from: 'from' in operation ? operation.from : '',
    });
    for (const [field, pointer] of pointers) {
      const reserved = segments(pointer).find((s) => PROTOTYPE_SEGMENTS.has(s));
      if (reserved !== undefined) {
        throw invalid(`patch.${index}.${field}: "${reserved}" is not a property that a patch may name`);
      }
    }
  });
}

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
  const operations = parsePatch(body);
  refusePrototypeSegments(operations);
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
    // The document is a plain JSON copy of our own representation, so anything else the library
    // throws was caused by the operations (e.g. adding a property to a string): a 400, not a 500.
    throw invalid('invalid JSON Patch: its operations cannot be applied to this resource');
  }
}
