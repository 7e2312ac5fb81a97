import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import type { Action } from '../../shared/domain/actions.js';
import {
  CompiledPolicy,
  compilePolicy,
  MAX_KEY_GLOB_CHARS,
  MAX_POLICY_TAGS,
  MAX_SPEC_TAGS,
  type Policy,
  policySchema,
  storedPolicySchema,
} from '../../shared/domain/policy.js';
import {
  MAX_RESOURCE_KEY_CHARS,
  MAX_RESOURCE_TAG_CHARS,
  MAX_RESOURCE_TAGS,
  parseResource,
} from '../../shared/domain/resource.js';

const decide = (policy: Policy, action: Action, resource: string) =>
  compilePolicy(policy).decide(action, parseResource(resource));

describe('policy decisions', () => {
  const allowProd: Policy = [
    { effect: 'allow', actions: ['updateOn'], resources: ['proj/*:env/production:flag/*'] },
  ];
  const denyProd: Policy = [{ effect: 'deny', actions: ['*'], resources: ['proj/*:env/production:flag/*'] }];
  const allowAll: Policy = [{ effect: 'allow', actions: ['*'], resources: ['proj/*:env/*:flag/*'] }];

  it.each<[string, Policy, Action, string, string]>([
    ['an allow that matches allows', allowProd, 'updateOn', 'proj/p:env/production:flag/f', 'allow'],
    ['nothing matched is deny', allowProd, 'updateOn', 'proj/p:env/test:flag/f', 'none'],
    ['an unlisted action is deny', allowProd, 'deleteFlag', 'proj/p:env/production:flag/f', 'none'],
    [
      'a matching deny beats an allow',
      [...allowAll, ...denyProd],
      'updateOn',
      'proj/p:env/production:flag/f',
      'deny',
    ],
    [
      'a deny beats an allow listed after it',
      [...denyProd, ...allowAll],
      'updateOn',
      'proj/p:env/production:flag/f',
      'deny',
    ],
    [
      'a deny elsewhere does not stop an allow',
      [...allowAll, ...denyProd],
      'updateOn',
      'proj/p:env/test:flag/f',
      'allow',
    ],
    [
      'notResources applies to everything but the listed resources',
      [{ effect: 'allow', actions: ['viewProject'], notResources: ['proj/secret'] }] as Policy,
      'viewProject',
      'proj/public',
      'allow',
    ],
    [
      'notResources does not apply to the listed resources',
      [{ effect: 'allow', actions: ['viewProject'], notResources: ['proj/secret'] }] as Policy,
      'viewProject',
      'proj/secret',
      'none',
    ],
    [
      'notActions applies to every other action',
      [
        { effect: 'deny', notActions: ['viewProject'], resources: ['proj/*'] },
        { effect: 'allow', actions: ['*'], resources: ['proj/*'] },
      ] as Policy,
      'deleteProject',
      'proj/a',
      'deny',
    ],
    [
      'notActions leaves the listed actions alone',
      [
        { effect: 'deny', notActions: ['viewProject'], resources: ['proj/*'] },
        { effect: 'allow', actions: ['*'], resources: ['proj/*'] },
      ] as Policy,
      'viewProject',
      'proj/a',
      'allow',
    ],
    [
      'tags must all be present',
      [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*;mobile,beta'] }] as Policy,
      'viewProject',
      'proj/a;mobile',
      'none',
    ],
    ['an empty policy denies', [] as Policy, 'viewProject', 'proj/a', 'none'],
  ])('%s', (_, policy, action, resource, expected) => {
    expect(decide(policy, action, resource)).toBe(expected);
  });

  it.each([
    ['a key longer than any key', `proj/${'a'.repeat(MAX_RESOURCE_KEY_CHARS + 1)}`],
    [
      'more tags than anything carries',
      `proj/a;${Array.from({ length: MAX_RESOURCE_TAGS + 1 }, (_, i) => `t${i}`)}`,
    ],
    ['a tag longer than any tag', `proj/a:env/e:flag/f;${'t'.repeat(MAX_RESOURCE_TAG_CHARS + 1)}`],
  ])('a resource that cannot exist (%s) is decided by no statement, whatever the policy', (_, text) => {
    const resource = parseResource(text);
    const policies: Policy[] = [
      [{ effect: 'allow', actions: ['*'], resources: ['proj/*', 'proj/*:env/*:flag/*'] }],
      [{ effect: 'allow', actions: ['*'], notResources: ['acct'] }],
      [{ effect: 'deny', actions: ['*'], notResources: ['acct'] }],
      // Many statements, so that the plan has an index.
      Array.from({ length: 40 }, (_, i) => ({
        effect: 'allow',
        actions: ['*'],
        resources: [`proj/${i}*`, 'proj/*;*'],
      })),
    ];
    for (const policy of policies) {
      const compiled = new CompiledPolicy(policy);
      expect(compiled.explain('viewProject', resource)).toEqual({ decision: 'none' });
      expect(compiled.allows('viewProject', resource)).toBe(false);
    }
    // Within the limits, the same policies decide.
    const possible = parseResource(`proj/${'a'.repeat(MAX_RESOURCE_KEY_CHARS)}`);
    expect(new CompiledPolicy(policies[0]!).allows('viewProject', possible)).toBe(true);
  });

  it('the statement that decides may be any of many, past the first 32 (an indexed plan)', () => {
    const many: Policy = Array.from({ length: 70 }, (_, i) => ({
      effect: i % 3 === 0 ? 'deny' : 'allow',
      actions: ['viewProject'],
      resources: Array.from({ length: 10 }, (_, k) => `proj/p${i}-${k}`),
    }));
    const policy = new CompiledPolicy(many);
    for (const i of [0, 1, 31, 32, 33, 63, 64, 65, 69]) {
      const resource = parseResource(`proj/p${i}-9`);
      expect(policy.explain('viewProject', resource)).toEqual({
        decision: i % 3 === 0 ? 'deny' : 'allow',
        statement: i,
      });
      expect(policy.allows('viewProject', resource)).toBe(i % 3 !== 0);
    }
    expect(policy.explain('viewProject', parseResource('proj/p70-0'))).toEqual({ decision: 'none' });
  });

  it.each([
    ['a suffix may not overlap the prefix', ['a*aaa', 'a*aa', 'a*a'], 'proj/aa', 2],
    ['nor a suffix the prefix', ['aaa*a', 'aa*a', 'a*a'], 'proj/aa', 2],
    ['a key shorter than a chain of prefixes', ['abcd*', 'abc*', 'ab*'], 'proj/abx', 2],
    ['a key shorter than a chain of suffixes', ['*dcba', '*cba', '*ba'], 'proj/xba', 2],
    ['a key that leaves a chain part way', ['abcd*', 'abc*', 'ab*', 'a*'], 'proj/abcx', 1],
    ['a key that turns off a shared path (prefixes)', ['aaa*', 'ab*'], 'proj/abc', 1],
    ['a key that turns off a shared path (suffixes)', ['*aaa', '*ba'], 'proj/cba', 1],
    ['a key that turns off a shared path (prefix, then suffix)', ['x*aaa', 'x*ba'], 'proj/xcba', 1],
    ['a key that turns off a path after globs on it', ['aaaa*', 'aa*', 'aab*'], 'proj/aabc', 1],
    ['suffixes of characters outside the BMP (two UTF-16 units)', ['*x😀', '*😀'], 'proj/y😀', 1],
  ])('an index finds the globs a key matches: %s', (_, globs, resource, statement) => {
    // One statement per glob, widest last, so the first that applies names the longest that matches.
    const policy = new CompiledPolicy(
      globs.map((glob) => ({ effect: 'allow', actions: ['viewProject'], resources: [`proj/${glob}`] })),
      { scanLimit: 0 },
    );
    expect(policy.explain('viewProject', parseResource(resource))).toEqual({ decision: 'allow', statement });
  });

  it('a misspelt action is a type error, not a silent deny (tsc checks the expectation below)', () => {
    const policy = compilePolicy(allowProd);
    const flag = parseResource('proj/p:env/production:flag/f');
    // @ts-expect-error: 'updateOnn' is not an Action
    expect(policy.allows('updateOnn', flag)).toBe(false);
    expect(policy.allows('updateOn', flag)).toBe(true);
  });

  it('explains which statement decided', () => {
    const policy = compilePolicy([...allowAll, ...denyProd]);
    expect(policy.explain('updateOn', parseResource('proj/p:env/production:flag/f'))).toEqual({
      decision: 'deny',
      statement: 1,
    });
    expect(policy.explain('updateOn', parseResource('proj/p:env/test:flag/f'))).toEqual({
      decision: 'allow',
      statement: 0,
    });
  });
});

describe('policy validation names the bad statement and field', () => {
  const issuesOf = (policy: unknown) => {
    const result = policySchema.safeParse(policy);
    if (result.success) throw new Error('expected the policy to be rejected');
    return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it.each([
    ['a missing effect', [{ actions: ['*'], resources: ['proj/*'] }], '0.effect'],
    ['an unknown effect', [{ effect: 'maybe', actions: ['*'], resources: ['proj/*'] }], '0.effect'],
    [
      'both resources and notResources',
      [{ effect: 'allow', actions: ['*'], resources: ['proj/*'], notResources: ['proj/a'] }],
      '0.resources: exactly one',
    ],
    [
      'neither actions nor notActions',
      [{ effect: 'allow', resources: ['proj/*'] }],
      '0.actions: exactly one',
    ],
    [
      'an unknown action',
      [{ effect: 'allow', actions: ['launchMissiles'], resources: ['proj/*'] }],
      '0.actions.0: matches no known action',
    ],
    [
      'an action glob that matches nothing',
      [{ effect: 'allow', actions: ['zap*'], resources: ['proj/*'] }],
      '0.actions.0',
    ],
    [
      'a malformed resource in the second statement',
      [
        { effect: 'allow', actions: ['*'], resources: ['proj/*'] },
        { effect: 'deny', actions: ['*'], resources: ['proj/*', 'widget/x'] },
      ],
      '1.resources.1: "widget/x" is not a known resource type',
    ],
    [
      'an empty resource list',
      [{ effect: 'allow', actions: ['*'], resources: [] }],
      '0.resources: must not be empty',
    ],
    [
      'an unknown field',
      [{ effect: 'allow', actions: ['*'], resources: ['proj/*'], condition: {} }],
      'condition',
    ],
    ['a statement that is not an object', ['allow everything'], '0'],
  ])('%s', (_, policy, expected) => {
    expect(issuesOf(policy).join('\n')).toContain(expected);
  });

  it('compilePolicy throws a ZodError for an invalid policy', () => {
    expect(() => compilePolicy([{ effect: 'allow' }])).toThrow(ZodError);
  });
});

describe('limits that keep a decision cheap apply to new input, never to what is stored', () => {
  const tagged = (n: number): Policy => [
    {
      effect: 'allow',
      actions: ['viewProject'],
      resources: [`proj/*;${Array.from({ length: n }, (_, i) => `t${i}`).join(',')}`],
    },
  ];

  it(`a specifier segment may require at most ${MAX_SPEC_TAGS} tags, and the 400 says so`, () => {
    expect(policySchema.safeParse(tagged(MAX_SPEC_TAGS)).success).toBe(true);
    const refused = policySchema.safeParse(tagged(MAX_SPEC_TAGS + 1));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(`at most ${MAX_SPEC_TAGS} tags`);
  });

  it(`a policy may require at most ${MAX_POLICY_TAGS} tags in all, and the 400 says so`, () => {
    // Specifiers of two tags each: a resource can hold one of each pair and never both.
    const pairs = (n: number): Policy => [
      {
        effect: 'allow',
        actions: ['viewProject'],
        resources: Array.from({ length: n / 2 }, (_, i) => `proj/*;a${i % 8},b${Math.floor(i / 8)}`),
      },
    ];
    expect(policySchema.safeParse(pairs(MAX_POLICY_TAGS)).success).toBe(true);
    const refused = policySchema.safeParse(pairs(MAX_POLICY_TAGS + 2));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe(
      `a policy's resource specifiers may require at most ${MAX_POLICY_TAGS} tags in all; this policy requires ${MAX_POLICY_TAGS + 2}`,
    );
    const stored = new CompiledPolicy(pairs(MAX_POLICY_TAGS + 2));
    expect(stored.allows('viewProject', parseResource('proj/web;b4,a0'))).toBe(true);
    expect(stored.allows('viewProject', parseResource('proj/web;b4,a1,a2,a3,a4,a5,a6,a7,b0,b1,b2,b3'))).toBe(
      true,
    );
    expect(stored.allows('viewProject', parseResource('proj/web;b5,a0'))).toBe(false);
  });

  it(`a key glob may have at most ${MAX_KEY_GLOB_CHARS} characters besides "*", the longest key, and the 400 says so`, () => {
    const half = 'k'.repeat(MAX_KEY_GLOB_CHARS / 2);
    const keyed = (glob: string): Policy => [
      { effect: 'allow', actions: ['viewProject'], resources: [`proj/web:env/${glob}`] },
    ];
    expect(policySchema.safeParse(keyed(`${half}**${half}*`)).success).toBe(true);
    const refused = policySchema.safeParse(keyed(`*${half}*${half}x`));
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe(
      `a key in a resource specifier may have at most ${MAX_KEY_GLOB_CHARS} characters besides "*" (the longest key there can be); this policy has one with ${MAX_KEY_GLOB_CHARS + 1}`,
    );
    // A stored glob over the limit still decides: it matches no key that can exist, as before the
    // limit (no key is longer), and a glob as long as the longest key matches it.
    const stored = new CompiledPolicy(keyed(`*${half}*${half}x`));
    expect(stored.allows('viewProject', parseResource(`proj/web:env/${half}${half}x`))).toBe(false);
    const longest = new CompiledPolicy(keyed(`${half}*${half}`));
    expect(longest.allows('viewProject', parseResource(`proj/web:env/${half}${half}`))).toBe(true);
  });

  it('a stored policy over a limit still reads back and decides (no token is locked out)', () => {
    expect(storedPolicySchema.safeParse(tagged(MAX_SPEC_TAGS + 5)).success).toBe(true);
    const policy = new CompiledPolicy(tagged(MAX_SPEC_TAGS + 5));
    const tags = Array.from({ length: MAX_SPEC_TAGS + 5 }, (_, i) => `t${i}`);
    expect(policy.allows('viewProject', parseResource(`proj/web;${tags.join(',')}`))).toBe(true);
    expect(policy.allows('viewProject', parseResource(`proj/web;${tags.slice(1).join(',')}`))).toBe(false);
  });

  it('a tag required twice is required once, and many tags are looked up, not scanned', () => {
    const policy = new CompiledPolicy([
      { effect: 'allow', actions: ['viewProject'], resources: ['proj/*;z,z,z,z,y'] },
    ]);
    const many = Array.from({ length: MAX_RESOURCE_TAGS - 2 }, (_, i) => `x${i}`);
    expect(policy.allows('viewProject', parseResource(`proj/web;${[...many, 'z', 'y'].join(',')}`))).toBe(
      true,
    );
    expect(policy.allows('viewProject', parseResource(`proj/web;${[...many, 'z'].join(',')}`))).toBe(false);
  });
});
