import fc from 'fast-check';

/**
 * What an attacker sends, as fast-check arbitraries: bodies, path segments, headers, queries and
 * JSON Patch documents. Raw text where JSON.stringify could not write it (out-of-range numbers,
 * lone surrogates, broken JSON); sizes around the limits (depth 32, key length 100, body 1 MiB,
 * node's 16 KiB of headers).
 */

const nested = (levels: number, open: string, close: string, inner = '0') =>
  `${open.repeat(levels)}${inner}${close.repeat(levels)}`;

/** JSON number literals that JSON.parse turns into Infinity, 0, or an imprecise integer. */
export const RAW_NUMBERS = [
  '1e309',
  '-1e309',
  '1e-400',
  '-0',
  '123456789012345678901234567890',
  '9007199254740993',
  '1.7976931348623157e308',
  '0.1',
];

/** JSON values that stringify cannot produce or that sit just past a limit. */
const rawValue = fc.constantFrom(
  ...RAW_NUMBERS,
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\u0000"',
  `"${'a'.repeat(101)}"`,
  `"${'a'.repeat(1025)}"`,
  `"${'é'.repeat(40_000)}"`,
  nested(31, '[', ']'),
  nested(33, '[', ']'),
  nested(20, '{"a":', '}'),
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
);

const hostileString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'a'.repeat(101),
    'a'.repeat(257),
    'a'.repeat(1025),
    'a'.repeat(70_000),
    '__proto__',
    'constructor',
    'proj/*',
    '*',
    'reader',
    'owner',
    'admin',
    'me',
    '../../etc/passwd',
    '\u0000',
    '\u202e\u0041',
    '😀'.repeat(300),
    'atk_0000000000000000000000000000000000000000',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

const hostileNumber = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    0.5,
    1,
    2 ** 31,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
    1e308,
    -1e308,
    Number.MIN_VALUE,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON value (as a JS value) that is wrong somewhere: type, size, range, shape. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', '_id')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/** Serializes `value`, then swaps a marker for raw JSON text stringify cannot write. */
const MARK = '"@@raw-json@@"';
const withRaw = (value: unknown, raw: string) => JSON.stringify(value).replace(MARK, raw);
const markValue = JSON.parse(MARK) as string;

/** One field of a body that was valid, made hostile (or an extra field added). */
function mutated(template: Record<string, unknown>): fc.Arbitrary<string> {
  const fields = [...Object.keys(template), '__proto__', 'constructor', '_id', 'extra'];
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...fields), hostileValue)
      .map(([field, value]) => JSON.stringify({ ...template, [field]: value })),
    fc
      .tuple(fc.constantFrom(...fields), rawValue)
      .map(([field, raw]) => withRaw({ ...template, [field]: markValue }, raw)),
  );
}

/** A whole body that is not what any route wants, as text. */
export const hostileBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
  rawValue,
  fc.constantFrom(
    nested(33, '{"a":', '}'),
    nested(5000, '[', ']'),
    nested(100_000, '{"a":', '}'),
    `"${'a'.repeat(900_000)}"`,
    `"${'a'.repeat(1_100_000)}"`,
    `[${'"\\ud800",'.repeat(1000)}1]`,
    '{',
    '[',
    ']]]]',
    '"',
    '"\\',
    ' ',
    '\u0000',
    'NaN',
    'undefined',
    "{'a':1}",
    '{"a":1,}',
    'null',
    'true',
    '[]',
    '{}',
    '\ufeff{}',
    '\ud800',
    'key=web&name=Web',
  ),
);

/** A route's own body (a valid one) with one field made hostile, or any hostile body. */
export function bodyFor(template: unknown): fc.Arbitrary<string> {
  if (Array.isArray(template) && typeof template[0] === 'object') {
    const item = template[0] as Record<string, unknown>;
    return fc.oneof(
      mutated(item).map((one) => `[${one}]`),
      hostileBodyText,
    );
  }
  if (template !== null && typeof template === 'object') {
    return fc.oneof({ weight: 2, arbitrary: mutated(template as Record<string, unknown>) }, hostileBodyText);
  }
  return hostileBodyText;
}

/** A JSON Pointer an attacker might try, plus the route's own writable paths. */
export function pointer(writable: readonly string[]): fc.Arbitrary<string> {
  // Below a writable path, so that the path check lets it through to the library.
  const below = fc
    .tuple(
      fc.constantFrom(...writable),
      fc.array(
        fc.constantFrom('__proto__', 'constructor', 'prototype', '-', '0', '1', '999999', '', '~1', 'x'),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
    )
    .map(([head, tail]) => `${head}/${tail.join('/')}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...writable) },
    { weight: 2, arbitrary: below },
    fc.constantFrom(
      '',
      '/',
      '/-',
      '/_id',
      '/_links/self',
      '/__proto__',
      '/constructor/prototype',
      '/name/0',
      '/name/x',
      '/name/__proto__',
      '/a/b/c/d',
      '/~2',
      '/~',
      '/%',
      '/0',
      '/policy/999999999999',
      '/policy/-1',
      '/policy/01',
      '/policy/0/__proto__',
      '/inlineRole/__proto__',
      '/customRoles/-',
      '/customRoles/__proto__',
      '/environments/production/on',
      '/environments/__proto__/on',
      '/environments/test/on/x',
      '/environments/nope/on',
      '/inlineRole/0/actions/-',
      '/expiresAt',
      `/${'a/'.repeat(2000)}a`,
    ),
    fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
  );
}

const OPS = ['add', 'replace', 'remove', 'test', 'move', 'copy'] as const;
const DEEP_OR_RAW = [
  ...RAW_NUMBERS,
  nested(30, '[', ']'),
  nested(10_000, '[', ']'),
  nested(3_000, '{"a":', '}'),
  '"\\ud800"',
];

/** JSON Patch documents, in both forms the API takes, and malformed ones. */
export function patchDocument(writable: readonly string[]): fc.Arbitrary<string> {
  // Mostly well-formed operations, so that patches reach the library and the schema behind it.
  const wellFormed = fc
    .record({
      op: fc.constantFrom(...OPS),
      path: pointer(writable),
      from: pointer(writable),
      value: hostileValue,
    })
    .map(({ op, path, from, value }) =>
      op === 'remove'
        ? { op, path }
        : op === 'move' || op === 'copy'
          ? { op, path, from }
          : { op, path, value },
    );
  const malformed = fc
    .record({
      op: fc.constantFrom(...OPS, 'bogus', '', 'ADD'),
      path: pointer(writable),
      from: pointer(writable),
      value: hostileValue,
      keep: fc.subarray(['path', 'from', 'value', 'extra'] as const),
    })
    .map(({ op, path, from, value, keep }) => ({
      op,
      ...(keep.includes('path') ? { path } : {}),
      ...(keep.includes('from') ? { from } : {}),
      ...(keep.includes('value') ? { value } : {}),
      ...(keep.includes('extra') ? { extra: 1 } : {}),
    }));
  const operation = fc.oneof({ weight: 5, arbitrary: wellFormed }, malformed);
  // Mostly one operation: the first bad one ends a patch, so a long one rarely tests its tail.
  const operations = fc.oneof(
    { weight: 3, arbitrary: operation.map((op) => [op]) },
    fc.array(operation, { minLength: 2, maxLength: 5 }),
  );
  return fc.oneof(
    { weight: 4, arbitrary: operations.map((ops) => JSON.stringify(ops)) },
    operations.map((ops) => JSON.stringify({ patch: ops, comment: 'fuzz' })),
    {
      // One write whose value JSON.stringify could not produce: out-of-range numbers, deep nesting.
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('add', 'replace', 'test'), pointer(writable), fc.constantFrom(...DEEP_OR_RAW))
        .map(([op, path, raw]) => withRaw([{ op, path, value: markValue }], raw)),
    },
    operation.map((op) => JSON.stringify(op)),
    fc.constantFrom(
      '[]',
      JSON.stringify(Array.from({ length: 101 }, () => ({ op: 'test', path: '/name', value: 'x' }))),
    ),
    hostileBodyText,
  );
}

/** A path segment that is no id or key: too long, encoded slashes, dot segments, unicode, bad escapes. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'a'.repeat(2000),
    'a'.repeat(101),
    'a'.repeat(100),
    '%2F',
    'a%2Fb',
    '%2f..%2f',
    '..',
    '.',
    '%2E%2E',
    '%00',
    '%',
    '%zz',
    '%E0%A4%A',
    '%ED%A0%80',
    '%C0%AF',
    '%252F',
    '%20',
    '~',
    '-',
    '_x',
    '__proto__',
    'constructor',
    'me',
    '0'.repeat(24),
    ';',
    '%3B',
    'a:b',
    '*',
    '%2A',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,130}$/),
);

/** Authorization headers: the right tokens in odd forms, others' tokens, and nonsense. */
export function authorization(tokens: { owner: string; others: readonly string[] }) {
  const { owner, others } = tokens;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant<string | string[] | undefined>(owner) },
    { weight: 3, arbitrary: fc.constantFrom<string | string[] | undefined>(...others) },
    fc.constantFrom<string | string[] | undefined>(
      `Bearer ${owner}`,
      `bearer    ${owner}   `,
      [owner, others[0] ?? owner],
      [others[0] ?? owner, owner],
      `${owner}, ${owner}`,
      `${owner.slice(0, -1)}${owner.endsWith('A') ? 'B' : 'A'}`,
      `atk_${'a'.repeat(39)}`,
      'a'.repeat(8000),
      '',
      'Basic Zm9vOmJhcg==',
      `Bearer\t${owner}`,
      'Bearer',
      undefined,
    ),
  );
}

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>('application/json') },
  fc.constantFrom<string | undefined>(
    'application/json; charset=utf-8',
    'application/json-patch+json',
    'APPLICATION/JSON',
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=----x',
    'application/json; charset=utf-16',
    'application/json; charset="',
    'application/jsonp',
    'application/vnd.api+json',
    'json',
    '',
    ';;;',
    '*/*',
    `application/json; ${'x=y; '.repeat(1000)}`,
    'a'.repeat(5000),
    undefined,
  ),
);

export const extraHeaders = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Record<string, string>>({}) },
  fc.integer({ min: 100, max: 20_000 }).map((n) => ({ 'x-fuzz': 'a'.repeat(n) })),
  fc.constantFrom<Record<string, string>>(
    { 'content-encoding': 'gzip' },
    { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' },
    { accept: 'text/html' },
    { cookie: `session=${'a'.repeat(3000)}` },
    { 'x-http-method-override': 'DELETE' },
    { 'x-amzn-requestid': 'spoofed' },
  ),
);

export const hostileQuery: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  fc
    .tuple(
      fc.constantFrom('limit', 'offset', 'showAll', 'expiry', '__proto__', 'constructor', 'limit[]'),
      fc.oneof(
        fc.constantFrom(
          '-1',
          '0',
          '1e309',
          'NaN',
          '1.5',
          '99999999999999999999',
          '',
          'abc',
          '0x10',
          '1001',
          ' 1',
        ),
        fc.constantFrom('true', 'false', 'yes', '1', 'a'.repeat(5000)),
        fc.string({ maxLength: 20 }),
      ),
    )
    .map(([key, value]) => ({ [key]: value })),
);
