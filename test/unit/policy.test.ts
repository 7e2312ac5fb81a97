import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  CompiledPolicy,
  compilePolicy,
  MAX_SPEC_TAGS,
  type Policy,
  policySchema,
  storedPolicySchema,
} from '../../shared/domain/policy.js';
import { parseResource } from '../../shared/domain/resource.js';

const decide = (policy: Policy, action: string, resource: string) =>
  compilePolicy(policy).decide(action, parseResource(resource));

describe('policy decisions', () => {
  const allowProd: Policy = [
    { effect: 'allow', actions: ['updateOn'], resources: ['proj/*:env/production:flag/*'] },
  ];
  const denyProd: Policy = [{ effect: 'deny', actions: ['*'], resources: ['proj/*:env/production:flag/*'] }];
  const allowAll: Policy = [{ effect: 'allow', actions: ['*'], resources: ['proj/*:env/*:flag/*'] }];

  it.each([
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
    const many = Array.from({ length: 500 }, (_, i) => `x${i}`);
    expect(policy.allows('viewProject', parseResource(`proj/web;${[...many, 'z', 'y'].join(',')}`))).toBe(
      true,
    );
    expect(policy.allows('viewProject', parseResource(`proj/web;${[...many, 'z'].join(',')}`))).toBe(false);
  });
});
