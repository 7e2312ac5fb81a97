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
 * (only for stars with literals between them) prefix and suffix tests and then a left-to-right
 * search for each middle part, whose failure tables are built at compile time.
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
 * Leftmost index `i` in [from, end - part.length] where `part` occurs in `value`, or -1.
 * Knuth-Morris-Pratt, so each character of `value` is looked at a bounded number of times, whatever
 * `part` and `value` hold; while nothing is partly matched it jumps to the next occurrence of the
 * part's first character with a one-character `indexOf`, which is a plain forward scan.
 *
 * Not V8's own substring search (`indexOf(part, from)`), which is not linear: for parts of 7 or more
 * characters it runs Boyer-Moore over at most the last 250 of them, so `a`×250 `b` `a`×250 against
 * 1,019 `a`s took 45-56 µs (this loop: 4-6 µs); shorter parts cost a `memchr` call per position
 * (`ab` in 1 KiB of `a`s: 4-6 µs). Nor a RegExp per part: fast for short parts (0.36 µs for `aXY`),
 * but it retries the part at every position, so `a`×250 `b` `a`×250 took 15 µs (Node 20, this
 * project's machines).
 */
type PartSearch = (value: string, from: number, end: number) => number;

function compilePartSearch(part: string): PartSearch {
  const length = part.length;
  const codes = Array.from({ length }, (_, i) => part.charCodeAt(i));
  // failure[q] = length of the longest proper border of part[0..q], the classic KMP table.
  const failure = new Int32Array(length);
  for (let q = 1, k = 0; q < length; q++) {
    while (k > 0 && codes[q] !== codes[k]) k = failure[k - 1]!;
    if (codes[q] === codes[k]) k++;
    failure[q] = k;
  }
  const first = part[0]!;
  return (value, from, end) => {
    let matched = 0;
    for (let i = from; i < end; i++) {
      if (matched === 0) {
        i = value.indexOf(first, i);
        if (i === -1 || i + length > end) return -1;
        matched = 1;
        if (matched === length) return i;
        continue;
      }
      const code = value.charCodeAt(i);
      while (matched > 0 && codes[matched] !== code) matched = failure[matched - 1]!;
      if (codes[matched] === code) matched++;
      if (matched === length) return i - length + 1;
    }
    return -1;
  };
}

function compileMultiStar(prefix: string, middle: readonly string[], suffix: string): Matcher {
  const searches = middle.map(compilePartSearch);
  const lengths = middle.map((part) => part.length);
  const minLength = prefix.length + suffix.length + lengths.reduce((sum, n) => sum + n, 0);
  return (value) => {
    if (value.length < minLength || !startsAt(value, prefix, 0) || !value.endsWith(suffix)) return false;
    const end = value.length - suffix.length;
    let from = prefix.length;
    // For star-only globs the leftmost occurrence of each part after the previous one is always a
    // safe choice: any later one leaves less room for the parts after it.
    for (let p = 0; p < searches.length; p++) {
      const at = searches[p]!(value, from, end);
      if (at === -1) return false;
      from = at + lengths[p]!;
    }
    return true;
  };
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
      return compileMultiStar(shape.prefix, shape.middle, shape.suffix);
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
