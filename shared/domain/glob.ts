/**
 * Globs of the policy language: `*` matches any run of characters (including none) within one key,
 * action or tag. There is no other metacharacter.
 *
 * Written here rather than taken from a library (picomatch, minimatch) or compiled to a RegExp for
 * two reasons. Linear time (DESIGN.md decision 7): a policy is caller input, and an anchored RegExp
 * such as `^.*a.*a.*a.*b$` backtracks exponentially (`proj/*a*a*a*a*a*a*a*a*a*a*b` against 34 `a`s
 * took 2.7 s), as do path-glob libraries built on RegExps; here a glob costs O(|glob| + |value|) per
 * test, whatever either holds. And shape: those libraries are path globs with `/`, `**`, braces and
 * classes, which the policy language does not have, while the decision hot path wants the cheapest
 * matcher for each shape: a glob is compiled once into an equality test, a prefix/suffix test, or
 * (only for stars with literals between them) prefix and suffix tests and then one pass of a
 * string-matching automaton over the rest of the value.
 */
export type Matcher = (value: string) => boolean;

const matchAll: Matcher = () => true;

/**
 * Whether `part` stands in `value` at `at`. V8's `startsWith` compares a character at a time in
 * generated code (3.4 ns a character on this project's machines), `endsWith` in bulk (0.45 ns), so
 * the prefix is tested as the end of the value's first `at + part.length` characters.
 */
export function startsAt(value: string, part: string, at: number): boolean {
  const end = at + part.length;
  return end <= value.length && value.endsWith(part, end);
}

/**
 * A glob with text between stars (`prefix*p1*p2*…*suffix`) compiled to the string-matching
 * automaton of its middle parts: the Knuth-Morris-Pratt automaton of each part, chained, so that
 * finishing one part starts the next (the leftmost occurrence of each part after the previous one
 * is always a safe choice: any later one leaves less room for the parts after it). A test reads
 * each character of the value once, with one table lookup, whatever the glob and the value hold.
 *
 * Why not something else, on Node 20 and this project's machines: a KMP loop (failure links, and
 * `indexOf` to jump to the next occurrence of a part's first character) costs 1.7× the
 * instructions per character on adversarial keys (a key of `a`s against `*ab*`); V8's own
 * `indexOf(part)` is not linear (for parts of 7 or more characters it runs Boyer-Moore over at most
 * the last 250 of them, so `a`×250 `b` `a`×250 against 1,019 `a`s took 45-56 µs), and shorter parts
 * cost a `memchr` call per position; a RegExp per part retries the part at every position.
 *
 * The table has one row of 128 entries (the ASCII characters) per state, one state per character
 * of the middle parts: 1.3 KB for `*prod*`, 26 KB for the longest glob new input may hold. It is
 * built on the glob's first test, so compiling a policy costs nothing for globs never tested.
 * Characters outside ASCII that the parts contain get a column each; any other one sends every
 * state back to the start of its part, as a mismatch on the part's first character does.
 */
function compileSearch(prefix: string, middle: readonly string[], suffix: string): Matcher {
  return compileKeySearchOf(prefix, middle, suffix).string;
}

/**
 * A glob with text between stars tested against a key whose characters were read once into
 * `codes` (keyCodes): the index tests all such globs of one segment against its key, each reading
 * bytes rather than the string, with Shift-And for parts of up to 32 characters (findPart) and the
 * automaton over the bytes for longer ones. 10 parts over 100 characters: 1.45 µs, where the
 * automaton over the string took 2.7 µs (Node 20, this project's machines).
 */
export type KeySearch = (key: string, codes: Uint8Array) => boolean;

/**
 * Writes the key's characters into `codes` for KeySearch: ASCII as is, any other character as
 * ",", which no key glob can hold (a specifier's key has none), so it matches no glob character.
 * Globs with characters outside ASCII read the string instead.
 */
export function keyCodes(key: string, codes: Uint8Array): void {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    codes[i] = code < 128 ? code : OTHER;
  }
}

const OTHER = 44; // ","

/** The KeySearch for a glob of the `search` shape (globShape). */
export function compileKeySearch(glob: string): KeySearch {
  const shape = globShape(glob);
  if (shape.kind !== 'search') throw new Error(`"${glob}" has no text between stars`);
  return compileKeySearchOf(shape.prefix, shape.middle, shape.suffix).codes;
}

function compileKeySearchOf(
  prefix: string,
  middle: readonly string[],
  suffix: string,
): { string: Matcher; codes: KeySearch } {
  const text = middle.join('');
  const accept = text.length;
  const minLength = prefix.length + suffix.length + accept;
  let automaton: Automaton | null = null;
  const string: Matcher = (value) => {
    if (value.length < minLength || !startsAt(value, prefix, 0) || !value.endsWith(suffix)) return false;
    automaton ??= buildAutomaton(middle);
    const { ascii, columns, partStart } = automaton;
    const end = value.length - suffix.length;
    let state = 0;
    for (let i = prefix.length; i < end; i++) {
      const code = value.charCodeAt(i);
      state = code < 128 ? ascii[(state << 7) | code]! : (columns.get(code)?.[state] ?? partStart[state]!);
      if (state === accept) return true;
    }
    return false;
  };
  if (!isAscii(text)) return { string, codes: (key) => string(key) };
  if (middle.some((part) => part.length > 32)) {
    // Parts longer than a word of bits: the automaton, over the bytes.
    const automatonCodes: KeySearch = (key, bytes) => {
      if (key.length < minLength || !startsAt(key, prefix, 0) || !key.endsWith(suffix)) return false;
      automaton ??= buildAutomaton(middle);
      const ascii = automaton.ascii;
      const end = key.length - suffix.length;
      let state = 0;
      for (let i = prefix.length; i < end; i++) {
        state = ascii[(state << 7) | bytes[i]!]!;
        if (state === accept) return true;
      }
      return false;
    };
    return { string, codes: automatonCodes };
  }
  let masks: Int32Array[] | null = null;
  const hits = middle.map((part) => 1 << (part.length - 1));
  const shiftAnd: KeySearch = (key, bytes) => {
    if (key.length < minLength || !startsAt(key, prefix, 0) || !key.endsWith(suffix)) return false;
    masks ??= middle.map(partMasks);
    const end = key.length - suffix.length;
    let i = prefix.length;
    for (let p = 0; p < masks.length; p++) {
      const at = findPart(masks[p]!, hits[p]!, bytes, i, end);
      if (at === -1) return false;
      i = at + 1;
    }
    return true;
  };
  return { string, codes: shiftAnd };
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 128) return false;
  return true;
}

/**
 * Where the first occurrence of a part (its Shift-And masks, and the bit of its last character)
 * ends in `bytes[from..end)`, or -1. Four characters a step, which V8 runs 20% faster than one,
 * until one of the four ends an occurrence.
 */
function findPart(mask: Int32Array, hit: number, bytes: Uint8Array, from: number, end: number): number {
  let state = 0;
  let i = from;
  for (; i + 4 <= end; i += 4) {
    const s0 = ((state << 1) | 1) & mask[bytes[i]!]!;
    const s1 = ((s0 << 1) | 1) & mask[bytes[i + 1]!]!;
    const s2 = ((s1 << 1) | 1) & mask[bytes[i + 2]!]!;
    const s3 = ((s2 << 1) | 1) & mask[bytes[i + 3]!]!;
    if (((s0 | s1 | s2 | s3) & hit) !== 0)
      return (s0 & hit) !== 0 ? i : (s1 & hit) !== 0 ? i + 1 : (s2 & hit) !== 0 ? i + 2 : i + 3;
    state = s3;
  }
  for (; i < end; i++) {
    state = ((state << 1) | 1) & mask[bytes[i]!]!;
    if ((state & hit) !== 0) return i;
  }
  return -1;
}

/**
 * Shift-And (Baeza-Yates and Gonnet): bit q of the state says whether the part's first q + 1
 * characters end at the current character, so one shift, or and and per character follow every
 * partial match at once; mask[c] has bit q set where the part's character q is c. Each step
 * depends on the last through three register operations only, where the automaton's next state
 * waits for a table load: 1.45 µs against 2.4 µs for 10 parts over 100 characters (Node 20).
 */
function partMasks(part: string): Int32Array {
  const mask = new Int32Array(128);
  for (let q = 0; q < part.length; q++) {
    const code = part.charCodeAt(q);
    mask[code] = mask[code]! | (1 << q);
  }
  return mask;
}

interface Automaton {
  /** The next state from `state` on ASCII character `code`, at `(state << 7) | code`. */
  readonly ascii: Uint16Array;
  /** The next state on a character outside ASCII that a part contains, by state. */
  readonly columns: ReadonlyMap<number, Uint16Array>;
  /** The first state of the part that `state` is in: where any other character leads. */
  readonly partStart: Uint16Array;
}

function buildAutomaton(parts: readonly string[]): Automaton {
  const text = parts.join('');
  const states = text.length;
  const ascii = new Uint16Array(states << 7);
  const partStart = new Uint16Array(states);
  // By UTF-16 unit, as the matcher reads the value (`Array.from(text)` would keep surrogate pairs).
  const wide = [...new Set(Array.from({ length: states }, (_, i) => text.charCodeAt(i)))].filter(
    (c) => c >= 128,
  );
  const columns = new Map(wide.map((code) => [code, new Uint16Array(states)]));
  let base = 0;
  for (const part of parts) {
    // failure[q]: the length of the longest proper border of part[0..q], the classic KMP table.
    const failure = new Int32Array(part.length);
    for (let q = 1, k = 0; q < part.length; q++) {
      while (k > 0 && part[q] !== part[k]) k = failure[k - 1]!;
      if (part[q] === part[k]) k++;
      failure[q] = k;
    }
    for (let q = 0; q < part.length; q++) {
      const state = base + q;
      partStart[state] = base;
      // A mismatch goes where the longest border would go (its row is built already); at the
      // part's first character, it stays: the star before the part takes the character.
      const fallback = q === 0 ? -1 : base + failure[q - 1]!;
      if (fallback === -1) ascii.fill(base, state << 7, (state + 1) << 7);
      else ascii.copyWithin(state << 7, fallback << 7, (fallback + 1) << 7);
      for (const column of columns.values()) column[state] = fallback === -1 ? base : column[fallback]!;
      const code = part.charCodeAt(q);
      if (code < 128) ascii[(state << 7) | code] = state + 1;
      else columns.get(code)![state] = state + 1;
    }
    base += part.length;
  }
  return { ascii, columns, partStart };
}

/**
 * What a glob is, by the cheapest test that decides it: everything, one literal, a literal prefix
 * and/or suffix around one run of stars, or (only with literals between stars) prefix, suffix and
 * middle parts to search for in order. Consecutive stars are one star, so `a**b` is an infix.
 */
export type GlobShape =
  | { readonly kind: 'all' }
  | { readonly kind: 'exact'; readonly text: string }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'suffix'; readonly suffix: string }
  | { readonly kind: 'infix'; readonly prefix: string; readonly suffix: string }
  | {
      readonly kind: 'search';
      readonly prefix: string;
      readonly middle: readonly string[];
      readonly suffix: string;
    };

export function globShape(glob: string): GlobShape {
  const firstStar = glob.indexOf('*');
  if (firstStar === -1) return { kind: 'exact', text: glob };
  const lastStar = glob.lastIndexOf('*');
  const prefix = glob.slice(0, firstStar);
  const suffix = glob.slice(lastStar + 1);
  const middle = glob
    .slice(firstStar + 1, lastStar)
    .split('*')
    .filter((part) => part !== '');
  if (middle.length > 0) return { kind: 'search', prefix, middle, suffix };
  if (prefix === '' && suffix === '') return { kind: 'all' };
  if (suffix === '') return { kind: 'prefix', prefix };
  if (prefix === '') return { kind: 'suffix', suffix };
  return { kind: 'infix', prefix, suffix };
}

export function compileGlob(glob: string): Matcher {
  const shape = globShape(glob);
  switch (shape.kind) {
    case 'all':
      return matchAll;
    case 'exact':
      return (value) => value === glob;
    case 'prefix': {
      const { prefix } = shape;
      if (prefix.length === 1) {
        const code = prefix.charCodeAt(0);
        return (value) => value.charCodeAt(0) === code;
      }
      return (value) => startsAt(value, prefix, 0);
    }
    case 'suffix': {
      const { suffix } = shape;
      return (value) => value.endsWith(suffix);
    }
    case 'infix': {
      const { prefix, suffix } = shape;
      const minLength = prefix.length + suffix.length;
      return (value) => value.length >= minLength && startsAt(value, prefix, 0) && value.endsWith(suffix);
    }
    case 'search':
      return compileSearch(shape.prefix, shape.middle, shape.suffix);
  }
}

/**
 * Whether a glob has text between two stars (`*prod*`, `a*b*c`), the only shape whose test searches
 * the value and so costs time in proportion to the value's length rather than the glob's.
 */
export function globSearchesValue(glob: string): boolean {
  const firstStar = glob.indexOf('*');
  const lastStar = glob.lastIndexOf('*');
  for (let i = firstStar + 1; i < lastStar; i++) if (glob[i] !== '*') return true;
  return false;
}

/** Whether a glob matches, for one-off checks outside the hot path. */
export function globMatches(glob: string, value: string): boolean {
  return compiled(glob).matches(value);
}

/**
 * Compiled globs of the one-off checks (policy containment compares each outer glob with many
 * inner ones), kept in a bounded memo: compiling costs more than matching.
 */
const memo = new Map<string, { matches: Matcher; absent: string }>();
const MEMO_LIMIT = 4096;

function compiled(glob: string) {
  let entry = memo.get(glob);
  if (entry === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    entry = { matches: compileGlob(glob), absent: absentCharacter(glob) };
    memo.set(glob, entry);
  }
  return entry;
}

/** A character that `glob` does not contain, so that no literal of `glob` can match it. */
function absentCharacter(glob: string): string {
  for (let code = 0x2f; ; code = (code + 1) & 0xffff) {
    const character = String.fromCharCode(code);
    if (!glob.includes(character)) return character;
  }
}

/**
 * Whether every string that `inner` matches is matched by `outer` (for example, whether a policy
 * grants no more than another). Decided in linear time: `inner` with each star replaced by a
 * character that no literal of `outer` contains is matched by `outer` only if each stand-in falls
 * in a star of `outer`, and that star would as well take any run in its place.
 */
export function globContains(outer: string, inner: string): boolean {
  const { matches, absent } = compiled(outer);
  return matches(inner.includes('*') ? inner.replaceAll('*', absent) : inner);
}

/**
 * Whether some string is matched by both globs. With stars on both sides they share a string
 * exactly when their literal prefixes (before the first star) agree as far as the shorter one
 * goes and so do their literal suffixes (after the last star): the longer prefix, then every
 * middle part of one glob, then of the other, then the longer suffix, is matched by both.
 */
export function globsIntersect(a: string, b: string): boolean {
  const aStar = a.indexOf('*');
  const bStar = b.indexOf('*');
  if (aStar === -1) return bStar === -1 ? a === b : globMatches(b, a);
  if (bStar === -1) return globMatches(a, b);
  const aPrefix = a.slice(0, aStar);
  const bPrefix = b.slice(0, bStar);
  const aSuffix = a.slice(a.lastIndexOf('*') + 1);
  const bSuffix = b.slice(b.lastIndexOf('*') + 1);
  const prefixesAgree = aPrefix.startsWith(bPrefix) || bPrefix.startsWith(aPrefix);
  const suffixesAgree = aSuffix.endsWith(bSuffix) || bSuffix.endsWith(aSuffix);
  return prefixesAgree && suffixesAgree;
}
