import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { schemaFileName } from '../../shared/events/event-schemas.js';
import { DETAIL_TYPES, type DetailType } from '../../shared/events/events.js';

export const EVENTS_FOLDER = new URL('../../docs/events/', import.meta.url);

export const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

/**
 * The keywords the event schemas may use: those that mean the same in draft-04 and draft-07.
 * Ajv 8 has no draft-04 (that is the separate ajv-draft-04 package), so the schemas are checked to
 * use only these, and ajv then validates with them as draft-07.
 */
const SHARED_KEYWORDS = new Set([
  '$schema',
  'title',
  'description',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'pattern',
  'format',
  'minLength',
  'minimum',
  'maximum',
]);

/** The JSON Schema of a detail-type, as docs/events/ holds it. */
export function schemaFile(detailType: DetailType): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(schemaFileName(detailType), EVENTS_FOLDER), 'utf8'));
}

/** Every keyword a schema uses, at any depth (property names are not keywords). */
export function keywordsOf(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const found: string[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    found.push(keyword);
    if (keyword === 'properties') {
      for (const property of Object.values(value as object)) found.push(...keywordsOf(property));
    } else if (keyword === 'items' || keyword === 'additionalProperties') {
      found.push(...keywordsOf(value));
    }
  }
  return found;
}

export const unsharedKeywords = (schema: unknown) =>
  keywordsOf(schema).filter((k) => !SHARED_KEYWORDS.has(k));

/** Validators of docs/events/*.json (ajv, strict, every error), by detail-type. */
export function eventValidators(): Record<DetailType, ValidateFunction> {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats.default(ajv);
  return Object.fromEntries(
    DETAIL_TYPES.map((type) => {
      const { $schema: _draft04, ...schema } = schemaFile(type);
      return [type, ajv.compile(schema)];
    }),
  ) as Record<DetailType, ValidateFunction>;
}

/** Why an event does not validate against the schema of its detail-type ([] when it does). */
export function schemaErrors(validators: Record<DetailType, ValidateFunction>, event: unknown): string[] {
  const type = (event as { 'detail-type'?: unknown })['detail-type'];
  const validate = validators[type as DetailType];
  if (validate === undefined) return [`no schema for detail-type ${JSON.stringify(type)}`];
  if (validate(event)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
