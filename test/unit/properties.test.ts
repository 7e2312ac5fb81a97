import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../shared/domain/actions.js';
import {
  EffectivePermissions,
  memberPermissions,
  scopePermissions,
} from '../../shared/domain/effective-permissions.js';
import { globMatches } from '../../shared/domain/glob.js';
import { CompiledPolicy, type Explanation, type Policy, type Statement } from '../../shared/domain/policy.js';
import {
  compileResourceSpec,
  MAX_RESOURCE_KEY_CHARS,
  MAX_RESOURCE_TAG_CHARS,
  MAX_RESOURCE_TAGS,
  maxTagsOf,
  parseResource,
  type Resource,
  type ResourceSegment,
  resourceMatches,
} from '../../shared/domain/resource.js';
import { accessTokenFormat } from '../../shared/domain/token-format.js';
import { action, actionGlob, policy, resourceSpecText, resourceText } from '../support/arbitraries.js';

const RUNS = { numRuns: 500 };

/**
 * The resource of a text, less the tags its kinds of segment cannot carry (the shared arbitraries
 * put tags anywhere): a resource that cannot exist is decided by no statement, tested on its own.
 */
const possible = (text: string): Resource => {
  const { shape, segments } = parseResource(text);
  return { shape, segments: segments.map((s) => ({ ...s, tags: s.tags.slice(0, maxTagsOf(s.kind)) })) };
};

describe('properties of the policy engine', () => {
  it('the effective decision never allows what either side denies, and allows what both allow', () => {
    fc.assert(
      fc.property(policy, policy, action, resourceText, (scopePolicy, memberPolicy, act, res) => {
        const roles = new Map([
          ['r', { key: 'r', basePermissions: 'no_access' as const, policy: memberPolicy }],
        ]);
        const scope = scopePermissions({ kind: 'inline', policy: scopePolicy }, 'm1', roles);
        const member = memberPermissions({ memberId: 'm1', role: 'reader', customRoles: ['r'] }, roles);
        const resource = possible(res);
        const effective = new EffectivePermissions(scope, member);
        const decision = effective.decide(act, resource);
        expect(effective.allows(act, resource)).toBe(
          scope.allows(act, resource) && member.allows(act, resource),
        );
        expect(decision.allowed).toBe(effective.allows(act, resource));
        if (!scope.allows(act, resource)) expect(decision.deniedBy).toBe('token');
        else if (!member.allows(act, resource)) expect(decision.deniedBy).toBe('member');
      }),
      RUNS,
    );
  });

  it('statement order never changes a decision', () => {
    fc.assert(
      fc.property(
        policy.chain((p) =>
          fc.tuple(fc.constant(p), fc.shuffledSubarray(p, { minLength: p.length, maxLength: p.length })),
        ),
        action,
        resourceText,
        ([original, shuffled], act, res) => {
          const resource = possible(res);
          expect(new CompiledPolicy(shuffled).decide(act, resource)).toBe(
            new CompiledPolicy(original).decide(act, resource),
          );
        },
      ),
      RUNS,
    );
  });

  it('notResources is the exact complement of resources', () => {
    fc.assert(
      fc.property(fc.array(resourceSpecText, { minLength: 1, maxLength: 3 }), resourceText, (specs, res) => {
        const resource = possible(res);
        const positive = new CompiledPolicy([{ effect: 'allow', actions: ['*'], resources: specs }]);
        const negative = new CompiledPolicy([{ effect: 'allow', actions: ['*'], notResources: specs }]);
        expect(negative.allows('viewProject', resource)).toBe(!positive.allows('viewProject', resource));
      }),
      RUNS,
    );
  });

  it('a resource that cannot exist (a key, tag or tag count beyond any stored) is decided by no statement', () => {
    const beyond = fc.oneof(
      fc.constant((s: ResourceSegment) => ({ ...s, key: s.key.padEnd(MAX_RESOURCE_KEY_CHARS + 1, 'x') })),
      fc.constant((s: ResourceSegment) => ({
        ...s,
        tags: [...s.tags, ...Array.from({ length: MAX_RESOURCE_TAGS + 1 }, (_, i) => `t${i}`)],
      })),
      fc.constant((s: ResourceSegment) => ({
        ...s,
        tags: [...s.tags, 'x'.repeat(MAX_RESOURCE_TAG_CHARS + 1)],
      })),
    );
    fc.assert(
      fc.property(policy, action, resourceText, beyond, fc.nat(), (p, act, res, widen, at) => {
        const within = possible(res);
        const index = at % within.segments.length;
        const resource: Resource = {
          shape: within.shape,
          segments: within.segments.map((s, i) => (i === index ? widen(s) : s)),
        };
        for (const scanLimit of [0, 32]) {
          const compiled = new CompiledPolicy(p, { scanLimit });
          expect(compiled.explain(act, resource)).toEqual({ decision: 'none' });
          expect(compiled.allows(act, resource)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('notActions is the exact complement of actions', () => {
    fc.assert(
      fc.property(fc.array(actionGlob, { minLength: 1, maxLength: 3 }), action, (globs, act) => {
        const resource = parseResource('proj/web');
        const positive = new CompiledPolicy([{ effect: 'allow', actions: globs, resources: ['proj/*'] }]);
        const negative = new CompiledPolicy([{ effect: 'allow', notActions: globs, resources: ['proj/*'] }]);
        expect(negative.allows(act, resource)).toBe(!positive.allows(act, resource));
      }),
      RUNS,
    );
  });
});

/** The policy language read literally: every statement tested, the first matching deny, else allow. */
function scanExplain(policy: Policy, act: Action, resource: Resource): Explanation {
  const applies = (s: Statement) => {
    const actions = s.actions ?? s.notActions ?? [];
    const listed = actions.some((glob) => globMatches(glob, act));
    const specs = (s.resources ?? s.notResources ?? []).map(compileResourceSpec);
    const matched = specs.some((spec) => resourceMatches(spec, resource));
    return (s.actions ? listed : !listed) && (s.resources ? matched : !matched);
  };
  for (const effect of ['deny', 'allow'] as const) {
    const statement = policy.findIndex((s) => s.effect === effect && applies(s));
    if (statement !== -1) return { decision: effect, statement };
  }
  return { decision: 'none' };
}

// Keys over {a, b} and globs over {a, b, *}, so that every kind of glob the index files apart
// (exact, `p*` and `*s` nested in one another, `p*s`, text between stars, runs of stars, `*`) is
// drawn and often matches; tags likewise, often on `*` keys, so that many tag sets meet in one place.
const letters = (max: number) => fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 1, maxLength: max });
const key = letters(4);
const keyGlob = fc.oneof(
  fc.constant('*'),
  letters(3),
  letters(3).map((prefix) => `${prefix}*`),
  letters(3).map((suffix) => `*${suffix}`),
  fc.tuple(letters(2), letters(2)).map(([prefix, suffix]) => `${prefix}*${suffix}`),
  fc.string({ unit: fc.constantFrom('a', 'b', '*'), minLength: 1, maxLength: 6 }),
);
const tag = fc.constantFrom('t', 'u', 'v', 'tu', 'w');
const tagGlob = fc.oneof({ weight: 3, arbitrary: tag }, fc.constantFrom('t*', '*u', '*', 't*u', '*t*'));
const tagList = (tag: fc.Arbitrary<string>, max: number) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant<string[]>([]) },
    fc.array(tag, { minLength: 1, maxLength: max }),
  );
const SHAPE_KINDS = [
  ['proj'],
  ['proj', 'env'],
  ['proj', 'env', 'flag'],
  ['member'],
  ['member', 'token'],
  ['service-token'],
  ['role'],
  ['acct'],
];
/** Specifier texts, or with `resource` set, resource texts: tags only where a resource carries them. */
const pathText = (
  keys: fc.Arbitrary<string>,
  tags: fc.Arbitrary<string[]>,
  shapes: string[][],
  resource = false,
) =>
  fc
    .constantFrom(...shapes)
    .chain((kinds) => fc.tuple(...kinds.map((kind) => fc.tuple(fc.constant(kind), keys, tags))))
    .map((segments) =>
      segments
        .map(([kind, k, all]) => {
          const t = resource ? all.slice(0, maxTagsOf(kind)) : all;
          const head = kind === 'acct' ? 'acct' : `${kind}/${k}`;
          return t.length > 0 ? `${head};${t.join(',')}` : head;
        })
        .join(':'),
    );
// Mostly the three project shapes, so that specifiers and resources meet.
const MOSTLY_PROJECTS = [...SHAPE_KINDS.slice(0, 3), ...SHAPE_KINDS.slice(0, 3), ...SHAPE_KINDS];
const indexedSpec = pathText(keyGlob, tagList(tagGlob, 3), MOSTLY_PROJECTS);
const indexedResource = pathText(key, tagList(tag, 6), MOSTLY_PROJECTS, true);
const statementOf = (spec: fc.Arbitrary<string>, maxSpecs: number): fc.Arbitrary<Statement> =>
  fc
    .record({
      effect: fc.constantFrom('allow', 'deny') as fc.Arbitrary<'allow' | 'deny'>,
      negateResources: fc.boolean(),
      negateActions: fc.boolean(),
      specs: fc.array(spec, { minLength: 1, maxLength: maxSpecs }),
      // Few actions, so that most statements are in the plan of the action decided.
      actions: fc.constantFrom<string[]>(
        ['*'],
        ['viewProject'],
        ['view*'],
        ['updateOn'],
        ['viewProject', 'updateOn'],
      ),
    })
    .map(({ effect, negateResources, negateActions, specs, actions }) => ({
      effect,
      ...(negateResources ? { notResources: specs } : { resources: specs }),
      ...(negateActions ? { notActions: actions } : { actions }),
    }));

/**
 * Policies and resources on which the indexed plan must decide as the scan does, in either order;
 * `always`, when given, is one more statement in every policy.
 */
function agreesWithScan(
  statement: fc.Arbitrary<Statement>,
  resource: fc.Arbitrary<string>,
  always?: Statement,
) {
  fc.assert(
    fc.property(
      fc.array(statement, { minLength: 1, maxLength: 30 }),
      fc.constantFrom<Action>('viewProject', 'updateOn'),
      fc.array(resource, { minLength: 1, maxLength: 6 }),
      (drawn, act, texts) => {
        const p = always === undefined ? drawn : [...drawn, always];
        // In every rotation: the statement that decides is the first that applies, so a statement
        // that the index loses shows in the rotation that puts it first.
        for (let k = 0; k < p.length; k++) {
          const order = [...p.slice(k), ...p.slice(0, k)];
          const indexed = new CompiledPolicy(order, { scanLimit: 0 });
          const planned = new CompiledPolicy(order);
          for (const text of texts) {
            const resource = parseResource(text);
            const expected = scanExplain(order, act, resource);
            expect(indexed.explain(act, resource)).toEqual(expected);
            expect(indexed.allows(act, resource)).toBe(expected.decision === 'allow');
            expect(planned.explain(act, resource)).toEqual(expected);
            expect(planned.allows(act, resource)).toBe(expected.decision === 'allow');
          }
        }
      },
    ),
    { numRuns: 100 },
  );
}

describe('the indexed plan decides exactly like a scan of every statement', () => {
  it('on random policies of every kind of glob, tag and statement', () => {
    agreesWithScan(statementOf(indexedSpec, 12), indexedResource);
  }, 60_000);

  it('on many globs meeting in the same trees (one and two segments)', () => {
    const dense = SHAPE_KINDS.slice(0, 2);
    const tags = fc.oneof({ weight: 4, arbitrary: fc.constant<string[]>([]) }, fc.constant<string[]>(['t']));
    // Longer literals than elsewhere, so that radix paths branch part way and keys turn off them.
    const longer = letters(4);
    const oneStar = fc.oneof(
      longer.map((prefix) => `${prefix}*`),
      longer.map((suffix) => `*${suffix}`),
      fc.tuple(letters(2), longer).map(([prefix, suffix]) => `${prefix}*${suffix}`),
    );
    const spec = pathText(fc.oneof(keyGlob, oneStar, oneStar), tags, dense);
    agreesWithScan(
      statementOf(spec, 12),
      pathText(letters(6), fc.constantFrom<string[]>([], ['t']), dense, true),
    );
  }, 60_000);

  it('on more distinct tag globs than are tested one by one (a stored policy: found by a table)', () => {
    // Every tag glob over {t, u} of up to two letters around stars: more than TAG_TABLE_FROM at a place.
    const tagGlobs = [
      ...['t', 'u', 'tu', 'ut', 'tt', 'uu'].flatMap((l) => [`${l}*`, `*${l}`, `*${l}*`]),
      't*u',
      'u*t',
      't*t',
      '*',
    ];
    const tagged = pathText(
      fc.constantFrom('*', 'a', 'a*'),
      fc.array(fc.constantFrom(...tagGlobs), { maxLength: 2 }),
      SHAPE_KINDS.slice(0, 3),
    );
    const everyGlob: Statement = {
      effect: 'deny',
      actions: ['updateOn'],
      resources: tagGlobs.flatMap((g) => [`proj/*;${g}`, `proj/*:env/*:flag/*;${g}`]),
    };
    const resource = pathText(
      fc.constantFrom('a', 'ab'),
      fc.array(fc.constantFrom('t', 'u', 'tu', 'ut', 'tt', 'uut', 'v'), { maxLength: 6 }),
      SHAPE_KINDS.slice(0, 3),
      true,
    );
    agreesWithScan(statementOf(tagged, 20), resource, everyGlob);
  }, 60_000);

  it('on many tag sets meeting at the same keys, looked up by tag', () => {
    const fewKeys = fc.constantFrom('*', '*', 'a', 'a*');
    const shapes = SHAPE_KINDS.slice(0, 2);
    const tagged = pathText(fewKeys, fc.array(tagGlob, { maxLength: 3 }), shapes);
    const resource = pathText(fc.constantFrom('a', 'ab'), fc.array(tag, { maxLength: 6 }), shapes, true);
    agreesWithScan(statementOf(tagged, 30), resource);
  }, 60_000);
});

describe('properties of the token format', () => {
  const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';

  it('a checksum-valid token is never produced by changing one character of another', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...ALPHABET), (position, replacement) => {
        const token = accessTokenFormat.generate();
        const index = position % token.length;
        fc.pre(token[index] !== replacement);
        const mutated = token.slice(0, index) + replacement + token.slice(index + 1);
        expect(accessTokenFormat.isWellFormed(mutated)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
