import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileGlob,
  compileKeySearch,
  globContains,
  globMatches,
  globSearchesValue,
  globShape,
  globsIntersect,
  keyCodes,
} from '../../shared/domain/glob.js';
import {
  CompiledPolicy,
  MAX_SEARCHING_GLOBS,
  MAX_TAG_GLOBS,
  policySchema,
} from '../../shared/domain/policy.js';
import { parseResource } from '../../shared/domain/resource.js';

describe('globs match within one key', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['**', 'anything', true],
    ['prod', 'prod', true],
    ['prod', 'production', false],
    ['prod*', 'production', true],
    ['prod*', 'prod', true],
    ['prod*', 'xprod', false],
    ['prod**', 'production', true],
    ['*tion', 'production', true],
    ['*tion', 'productions', false],
    ['p*n', 'production', true],
    ['p*n', 'pn', true],
    ['p**n', 'pn', true],
    ['pr*od*n', 'production', true],
    ['pr*od*n', 'producti', false],
    ['a*a*a', 'aa', false],
    ['a*a*a', 'aaa', true],
    ['*ab*ab*', 'abab', true],
    ['*ab*ab*', 'aba', false],
    ['*aab*', 'aaab', true],
    ['*abab*c', 'abaabababc', true],
    ['a.b*', 'a.bc', true],
    ['a.b*', 'axbc', false],
    ['*x*', 'abc', false],
    ['*x*', 'abxc', true],
    ['update*', 'updateAccessTokenName', true],
  ])('%s against %s is %s', (glob, value, expected) => {
    expect(globMatches(glob, value)).toBe(expected);
  });
});

/** The obviously correct matcher: a table of which glob prefixes match which value prefixes. */
function referenceMatches(glob: string, value: string): boolean {
  let row = Array.from({ length: value.length + 1 }, (_, j) => j === 0);
  for (const g of glob) {
    const next = row.map(() => false);
    for (let j = 0; j <= value.length; j++) {
      if (g === '*') next[j] = row[j]! || (j > 0 && next[j - 1]!);
      else next[j] = j > 0 && row[j - 1]! && value[j - 1] === g;
    }
    row = next;
  }
  return row[value.length]!;
}

/** Every string over `alphabet` of length 0 to `maxLength`. */
function allStrings(alphabet: readonly string[], maxLength: number): string[] {
  const result = [''];
  let layer = [''];
  for (let n = 1; n <= maxLength; n++) {
    layer = layer.flatMap((s) => alphabet.map((c) => s + c));
    result.push(...layer);
  }
  return result;
}

// A small alphabet, so that random globs and strings match often and every branch is taken.
const glob = (maxLength: number) => fc.string({ unit: fc.constantFrom('a', 'b', '*'), maxLength });
const text = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 12 });
const RUNS = { numRuns: 2000 };

describe('the matcher agrees with the reference matcher', () => {
  it('on random globs and strings over a small alphabet', () => {
    fc.assert(
      fc.property(glob(10), text, (g, s) => {
        expect(compileGlob(g)(s)).toBe(referenceMatches(g, s));
      }),
      RUNS,
    );
  });

  it('on strings built to match, so that true answers are tested as much as false ones', () => {
    fc.assert(
      fc.property(glob(10), fc.array(text, { maxLength: 10 }), (g, fills) => {
        let i = 0;
        const s = g.replaceAll('*', () => fills[i++] ?? '');
        expect(referenceMatches(g, s)).toBe(true);
        expect(compileGlob(g)(s)).toBe(true);
      }),
      RUNS,
    );
  });

  it('on patterns whose parts overlap themselves, where a naive search would have to back up', () => {
    const part = fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 3 }), text, text, (parts, s, t) => {
        const g = `*${parts.join('*')}*`;
        for (const value of [s, s + parts.join('') + t, `${s}${parts[0]}${t}`]) {
          expect(compileGlob(g)(value)).toBe(referenceMatches(g, value));
        }
      }),
      RUNS,
    );
  });
});

describe('a key search (the index reads the key once into bytes) agrees with the reference matcher', () => {
  /** The KeySearch's answer, through the bytes the index would give it. */
  const searchBytes = (glob: string, value: string) => {
    const bytes = new Uint8Array(value.length);
    keyCodes(value, bytes);
    return compileKeySearch(glob)(value, bytes);
  };
  // "é" and "ж" are outside ASCII: in the glob they make it read the string, in the value alone
  // they stand for a character no glob part holds. (The reference compares single characters, so
  // characters of two UTF-16 units are tested apart, below.)
  const unit = fc.constantFrom('a', 'b', 'a', 'b', 'é', 'ж');
  const searching = fc
    .array(fc.string({ unit, minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 })
    .chain((parts) =>
      fc
        .tuple(fc.string({ unit, maxLength: 2 }), fc.string({ unit, maxLength: 2 }))
        .map(([prefix, suffix]) => `${prefix}*${parts.join('*')}*${suffix}`),
    );

  it('on globs with text between stars, ASCII or not, and values over the same letters', () => {
    fc.assert(
      fc.property(searching, fc.string({ unit, maxLength: 14 }), (g, s) => {
        expect(globShape(g).kind).toBe('search');
        expect(searchBytes(g, s)).toBe(referenceMatches(g, s));
        expect(compileGlob(g)(s)).toBe(referenceMatches(g, s));
      }),
      RUNS,
    );
  });

  it('on parts of 1 to 70 characters (one word of bits up to 32, an automaton beyond), found or not', () => {
    const longPart = fc.string({ unit: fc.constantFrom('a', 'a', 'a', 'b'), minLength: 1, maxLength: 70 });
    fc.assert(
      fc.property(
        fc.array(longPart, { minLength: 1, maxLength: 2 }),
        fc.string({ unit: fc.constantFrom('a', 'a', 'a', 'b'), maxLength: 100 }),
        fc.nat(100),
        (parts, s, at) => {
          const g = `*${parts.join('*')}*`;
          const planted = `${s.slice(0, at)}${parts.join('b')}${s.slice(at)}`;
          for (const value of [s, planted]) expect(searchBytes(g, value)).toBe(referenceMatches(g, value));
          expect(searchBytes(g, planted)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('characters of two UTF-16 units (surrogate pairs) match themselves, in the glob or the value only', () => {
    expect(searchBytes('*😀*', 'x😀y')).toBe(true);
    expect(searchBytes('*😀*', 'x😁y')).toBe(false);
    expect(searchBytes('*a😀*b', '😀a😀😀b')).toBe(true);
    expect(searchBytes('*ab*', 'a😀b')).toBe(false);
    expect(searchBytes('*ab*', '😀ab😀')).toBe(true);
    expect(globMatches('*😀*', 'x😀y')).toBe(true);
  });

  it('an occurrence ending on any of the four characters read in one step is found where it ends', () => {
    // The second part must start after the first ends: where the first is found decides.
    for (let pad = 0; pad < 8; pad++) {
      const value = `${'x'.repeat(pad)}ab${'x'.repeat(5)}c`;
      expect(searchBytes('*ab*c*', value)).toBe(true);
      expect(searchBytes('*ab*b*', value)).toBe(false);
      expect(searchBytes('*xab*xc', value)).toBe(pad > 0);
    }
  });
});

// Globs over {a, b, *}; strings over {a, b, c}, so that 'c' stands for a run that only a star takes.
const SHORT = allStrings(['a', 'b', 'c'], 6);
const shortMatchesCache = new Map<string, Set<string>>();
/** The strings of SHORT that the reference matcher says `glob` matches (cached: globs repeat). */
function shortMatches(glob: string): Set<string> {
  let matches = shortMatchesCache.get(glob);
  if (matches === undefined) {
    matches = new Set(SHORT.filter((s) => referenceMatches(glob, s)));
    shortMatchesCache.set(glob, matches);
  }
  return matches;
}

describe('globContains(outer, inner): everything inner matches, outer matches', () => {
  it('is sound: when it says so, every string inner matches is matched by outer', () => {
    fc.assert(
      fc.property(glob(5), glob(5), fc.array(text, { maxLength: 6 }), (outer, inner, fills) => {
        fc.pre(globContains(outer, inner));
        const outerMatches = shortMatches(outer);
        for (const s of shortMatches(inner)) expect(outerMatches.has(s)).toBe(true);
        let i = 0;
        const long = inner.replaceAll('*', () => `${fills[i++] ?? ''}c`);
        expect(referenceMatches(outer, long)).toBe(true);
      }),
      { numRuns: 200 },
    );
  }, 30_000);

  it('is complete: when every short string inner matches is matched by outer, it says so', () => {
    // A glob of length n over {a, b, *} that is not contained has a counterexample of length at most
    // n over {a, b, c}: itself with each star replaced by 'c'. So this enumeration decides exactly.
    fc.assert(
      fc.property(glob(6), glob(6), (outer, inner) => {
        const outerMatches = shortMatches(outer);
        const contained = [...shortMatches(inner)].every((s) => outerMatches.has(s));
        expect(globContains(outer, inner)).toBe(contained);
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it.each([
    ['*', 'anything*', true],
    ['prod*', 'production', true],
    ['p*', 'prod*', true],
    ['prod*', 'p*', false],
    ['*a*', 'a*', true],
    ['a*', '*a*', false],
    ['a*b', 'a*b*b', true],
    ['a*b*b', 'a*b', false],
    ['*/*', 'a*b', false],
    ['ab', 'a*b', false],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(globContains(outer, inner)).toBe(expected);
  });

  it('is a preorder: reflexive, and transitive on random triples', () => {
    fc.assert(
      fc.property(glob(6), glob(6), glob(6), (a, b, c) => {
        expect(globContains(a, a)).toBe(true);
        if (globContains(a, b) && globContains(b, c)) expect(globContains(a, c)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('globsIntersect(a, b): some string matches both', () => {
  it('agrees with brute force over every string up to the length of both globs together', () => {
    // If two globs share a string they share one no longer than both globs together: the longer
    // prefix, every middle part of each, the longer suffix. So this enumeration decides exactly.
    const strings = allStrings(['a', 'b'], 10);
    fc.assert(
      fc.property(glob(5), glob(5), (a, b) => {
        const bound = a.length + b.length;
        const shared = strings.some(
          (s) => s.length <= bound && referenceMatches(a, s) && referenceMatches(b, s),
        );
        expect(globsIntersect(a, b)).toBe(shared);
      }),
      { numRuns: 500 },
    );
  });

  it('when both have stars and it says so, the string built by the theory matches both', () => {
    const starred = glob(12).filter((g) => g.includes('*'));
    fc.assert(
      fc.property(starred, starred, (a, b) => {
        fc.pre(globsIntersect(a, b));
        const parts = (g: string) => g.split('*');
        const [pa, pb] = [parts(a), parts(b)];
        const longer = (x: string, y: string) => (x.length >= y.length ? x : y);
        const witness =
          longer(pa[0]!, pb[0]!) +
          pa.slice(1, -1).join('') +
          pb.slice(1, -1).join('') +
          longer(pa.at(-1)!, pb.at(-1)!);
        expect(referenceMatches(a, witness)).toBe(true);
        expect(referenceMatches(b, witness)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is symmetric, and implied by containment (no glob matches nothing)', () => {
    fc.assert(
      fc.property(glob(8), glob(8), (a, b) => {
        expect(globsIntersect(a, b)).toBe(globsIntersect(b, a));
        if (globContains(a, b)) expect(globsIntersect(a, b)).toBe(true);
      }),
      RUNS,
    );
  });

  it.each([
    ['prod*', '*tion', true],
    ['prod*', 'test*', false],
    ['*a', '*b', false],
    ['a*b*c', 'a*c', true],
    ['a*b*c', 'ab*x*bc', true],
    ['ab*', 'a', false],
    ['a*', 'a', true],
    ['a', 'a', true],
    ['a', 'b', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(globsIntersect(a, b)).toBe(expected);
  });
});

describe('adversarial globs finish, with the right answer', () => {
  const backtracking = '*a*a*a*a*a*a*a*a*a*a*b';

  it.each([34, 1000, 100_000])(
    'the backtracking glob against %i a’s is false, and true with a b after',
    (n) => {
      const value = 'a'.repeat(n);
      expect(globMatches(backtracking, value)).toBe(false);
      expect(globMatches(backtracking, `${value}b`)).toBe(true);
      expect(globMatches(`proj/${backtracking}`, `proj/${value}`)).toBe(false);
    },
  );

  it('a self-overlapping middle part that never occurs, in a long run of its own prefix', () => {
    const part = `${'a'.repeat(500)}b`;
    const value = `x${'a'.repeat(100_000)}y`;
    expect(globMatches(`x*${part}*y`, value)).toBe(false);
    expect(globMatches(`x*${part}*y`, `${value.slice(0, -1)}by`)).toBe(true);
  });

  it('many middle parts that each occur once, far apart', () => {
    const parts = Array.from({ length: 200 }, (_, i) => `k${i}`);
    const value = parts.map((p) => `${'a'.repeat(500)}${p}`).join('');
    expect(globMatches(`*${parts.join('*')}*`, value)).toBe(true);
    expect(globMatches(`*${parts.join('*')}*k0*`, value)).toBe(false);
  });
});

describe('globs that scan the resource (searching keys, tag globs) are the only ones whose cost grows with it, and are capped', () => {
  it.each([
    ['prod', false],
    ['*', false],
    ['***', false],
    ['prod*', false],
    ['*tion', false],
    ['p*n', false],
    ['p**n', false],
    ['*prod*', true],
    ['a*b*c', true],
    ['**x**', true],
  ])('%s searches the value: %s', (glob, expected) => {
    expect(globSearchesValue(glob)).toBe(expected);
  });

  /** A policy with `keys` key globs that search and `tags` tag globs, besides globs that do not scan. */
  const policyWith = (keys: number, tags: number) => [
    {
      effect: 'allow',
      actions: ['*'],
      resources: [
        'proj/p*n:env/*',
        'proj/*;exact',
        ...Array.from({ length: keys }, (_, i) => `proj/*k${i}*:env/*`),
        ...Array.from({ length: tags }, (_, i) => `proj/*:env/*;t${i}*`),
      ],
    },
  ];

  it(`a policy may hold ${MAX_SEARCHING_GLOBS} of them, ${MAX_TAG_GLOBS} of them tag globs`, () => {
    expect(policySchema.safeParse(policyWith(MAX_SEARCHING_GLOBS, 0)).success).toBe(true);
    expect(
      policySchema.safeParse(policyWith(MAX_SEARCHING_GLOBS - MAX_TAG_GLOBS, MAX_TAG_GLOBS)).success,
    ).toBe(true);
  });

  it('one more is refused with a message that names the limit', () => {
    const result = policySchema.safeParse(policyWith(MAX_SEARCHING_GLOBS - MAX_TAG_GLOBS + 1, MAX_TAG_GLOBS));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      `at most ${MAX_SEARCHING_GLOBS} resource globs that scan the resource: with text between two "*" (such as "*prod*") or of a tag (such as "team-*"); this policy has ${MAX_SEARCHING_GLOBS + 1}`,
    ]);
  });

  it('one more tag glob is refused with a message that names its own limit', () => {
    const result = policySchema.safeParse(policyWith(0, MAX_TAG_GLOBS + 1));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      `at most ${MAX_TAG_GLOBS} tag globs (such as "team-*"), as each is tested against every tag; this policy has ${MAX_TAG_GLOBS + 1}`,
    ]);
  });

  it('a tag glob with text between stars is refused, naming it; a stored one still decides', () => {
    const policy = [{ effect: 'allow' as const, actions: ['viewProject'], resources: ['proj/*;*prod*'] }];
    const result = policySchema.safeParse(policy);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      'a tag glob may not have text between two "*", as it would read every tag in full ("*prod*"; "team-*" and "*-eu" may be used)',
    );
    for (const tag of ['team-*', '*-eu', 'a*b', '*', '**']) {
      const oneStar = [{ effect: 'allow' as const, actions: ['viewProject'], resources: [`proj/*;${tag}`] }];
      expect(policySchema.safeParse(oneStar).success).toBe(true);
    }
    const stored = new CompiledPolicy(policy);
    expect(stored.allows('viewProject', parseResource('proj/web;x,eu-prod-1'))).toBe(true);
    expect(stored.allows('viewProject', parseResource('proj/web;x,eu-pro'))).toBe(false);
  });

  it('a one-star tag glob counts, as it is tested against every tag', () => {
    const keys = Array.from({ length: MAX_SEARCHING_GLOBS }, (_, i) => `proj/*k${i}*`);
    const policy = (extra: string) => [{ effect: 'allow', actions: ['*'], resources: [...keys, extra] }];
    expect(policySchema.safeParse(policy('proj/*;team')).success).toBe(true);
    expect(policySchema.safeParse(policy('proj/*;team-*')).success).toBe(false);
  });
});
