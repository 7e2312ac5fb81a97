import { invalid, unsupportedMediaType } from './errors.js';

/**
 * How deep a request body may nest (objects and arrays). The deepest body this API takes is a
 * JSON Patch that replaces a policy (patch → operation → value → statement → resources: 6 levels),
 * so 32 is generous; the limit exists so that nothing after the parse (zod, JSON Patch,
 * structuredClone, the DynamoDB marshaller) can be made to recurse deep.
 */
export const MAX_BODY_DEPTH = 32;

/** `application/json`, `application/<anything>+json` (e.g. `json-patch+json`), any parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;
const UTF_8 = new Set(['utf-8', 'utf8']);
/** How much of a caller's Content-Type an error message repeats. */
const ECHO_LIMIT = 100;

function echo(contentType: string): string {
  return JSON.stringify(
    contentType.length > ECHO_LIMIT ? `${contentType.slice(0, ECHO_LIMIT)}…` : contentType,
  );
}

/**
 * Bodies are JSON, said so by their Content-Type. Anything else is a 415 rather than a best-effort
 * parse: a `text/plain` body is what a cross-site form can send without a CORS preflight.
 * JSON is UTF-8 (RFC 8259), so a `charset` other than UTF-8 is refused too.
 */
export function requireJsonContentType(contentType: string | undefined): void {
  const expected = 'the request body must be JSON (Content-Type: application/json)';
  if (contentType === undefined || contentType.trim() === '') {
    throw unsupportedMediaType(`${expected}; the request has no Content-Type`);
  }
  const [type = '', ...parameters] = contentType.split(';');
  const charset = parameters
    .map((p) => p.split('='))
    .find(([name]) => name?.trim().toLowerCase() === 'charset')?.[1];
  const charsetValue = charset
    ?.trim()
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  if (
    !JSON_MEDIA_TYPE.test(type.trim().toLowerCase()) ||
    (charsetValue !== undefined && !UTF_8.has(charsetValue))
  ) {
    throw unsupportedMediaType(`${expected}, not ${echo(contentType)}`);
  }
}

/**
 * Whether JSON text nests deeper than `limit`, by one pass over the characters (no recursion, no
 * parse), so a body of a million `[` costs a linear scan and nothing more.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** A surrogate escape (`\ud800`) or a raw lone surrogate: how one gets into a parsed body. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether any string (value or key) holds a lone surrogate; walked without recursion. */
function hasLoneSurrogate(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (LONE_SURROGATE.test(next)) return true;
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push(item); // no spread: an array may hold 500,000 items
    } else if (next !== null && typeof next === 'object') {
      for (const [key, inner] of Object.entries(next)) pending.push(key, inner);
    }
  }
  return false;
}

/**
 * Parses a request body that must be JSON: a 400 when it is not, nests too deep, or escapes a
 * lone surrogate (text that is not Unicode: DynamoDB stores UTF-8 and cannot hold it).
 */
export function parseJsonText(text: string): unknown {
  if (nestsDeeperThan(text, MAX_BODY_DEPTH)) {
    throw invalid(`the request body nests deeper than ${MAX_BODY_DEPTH} levels of objects and arrays`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // middy's JSON body parser answers this with 415; the contract says 400.
    throw invalid('the request body is not valid JSON');
  }
  if ((SURROGATE_ESCAPE.test(text) || LONE_SURROGATE.test(text)) && hasLoneSurrogate(value)) {
    throw invalid('the request body holds a string that is not valid Unicode (a lone surrogate)');
  }
  return value;
}
