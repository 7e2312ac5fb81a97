import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Action, ALL_ACTIONS } from '../../shared/domain/actions.js';
import { builtInPolicy } from '../../shared/domain/built-in-roles.js';
import { MAX_COMPARISONS, type NamedPolicy, policiesWithin } from '../../shared/domain/containment.js';
import { CompiledPolicy, type Policy } from '../../shared/domain/policy.js';
import { parseResource } from '../../shared/domain/resource.js';
import { policy, resourceText } from '../support/arbitraries.js';

const named = (...policies: Policy[]): NamedPolicy[] =>
  policies.map((p, i) => ({ label: `policy ${i}`, policy: p }));

/** The union of deny-wins policies, decided by the engine itself: the reference for containment. */
const unionAllows = (policies: readonly Policy[]) => {
  const compiled = policies.map((p) => new CompiledPolicy(p));
  return (action: Action, resource: string) =>
    compiled.some((p) => p.allows(action, parseResource(resource)));
};

/** A policy made from another by dropping statements and narrowing globs: often within it. */
const narrowed = (outer: Policy) =>
  fc
    .subarray(outer)
    .chain((kept) =>
      fc
        .tuple(...kept.map(() => fc.boolean()))
        .map((flags) =>
          kept.map((statement, i) =>
            flags[i] && statement.resources
              ? { ...statement, resources: statement.resources.map((r) => r.replace(/\*/g, 'w*')) }
              : statement,
          ),
        ),
    );

describe('policiesWithin: one set of policies against another', () => {
  it('is sound: whatever it calls within allows nothing the outer side denies (random policies)', () => {
    let proved = 0;
    fc.assert(
      fc.property(
        fc
          .array(policy, { minLength: 1, maxLength: 2 })
          .chain((outer) =>
            fc.tuple(
              fc.constant(outer),
              fc.array(fc.oneof(policy, narrowed(outer[0]!)), { minLength: 1, maxLength: 2 }),
              fc.array(resourceText, { minLength: 20, maxLength: 20 }),
            ),
          ),
        ([outer, inner, samples]) => {
          const result = policiesWithin(named(...inner), named(...outer));
          if (!result.within) return;
          proved++;
          const innerAllows = unionAllows(inner);
          const outerAllows = unionAllows(outer);
          for (const action of ALL_ACTIONS)
            for (const resource of samples)
              if (innerAllows(action, resource)) expect(outerAllows(action, resource)).toBe(true);
        },
      ),
      { numRuns: 600, seed: 9 },
    );
    // The property means something only if "within" is often proved.
    expect(proved).toBeGreaterThan(100);
  });

  it('names a request the inner side allows and the outer side refuses, when it refuses (random policies)', () => {
    fc.assert(
      fc.property(policy, policy, (inner, outer) => {
        const result = policiesWithin(named(inner), named(outer));
        if (result.within || result.tooComplex) return;
        expect(ALL_ACTIONS).toContain(result.action);
        const statement = inner[result.statement]!;
        expect(statement.effect).toBe('allow');
        if (statement.resources) expect(statement.resources).toContain(result.resource);
      }),
      { numRuns: 500, seed: 10 },
    );
  });

  const self = 'm1';
  const reader = builtInPolicy('reader', self);
  const writer = builtInPolicy('writer', self);
  const admin = builtInPolicy('admin', self);
  const everyShape = [
    'proj/*',
    'proj/*:env/*',
    'proj/*:env/*:flag/*',
    'member/*',
    'member/*:token/*',
    'service-token/*',
    'role/*',
    'acct',
  ];
  const withDeny: Policy = [
    { effect: 'allow', actions: ['*'], resources: ['proj/*', 'proj/*:env/*:flag/*'] },
    { effect: 'deny', actions: ['updateOn', 'deleteFlag'], resources: ['proj/*:env/production:flag/*'] },
  ];

  it.each<[string, Policy[], Policy[], boolean]>([
    ['a policy is within itself', [withDeny], [withDeny], true],
    ['reader within writer', [reader], [writer], true],
    ['writer within admin', [writer], [admin], true],
    ['writer not within reader', [writer], [reader], false],
    ['admin not within writer', [admin], [writer], false],
    ['one of several roles within their union', [writer], [reader, writer], true],
    [
      'a narrower glob within a wider one',
      [[{ effect: 'allow', actions: ['viewProject'], resources: ['proj/web-*'] }]],
      [reader],
      true,
    ],
    [
      "a reader's inline * is not within reader",
      [[{ effect: 'allow', actions: ['*'], resources: ['proj/*'] }]],
      [reader],
      false,
    ],
    [
      "another member's tokens are not within reader",
      [[{ effect: 'allow', actions: ['viewAccessToken'], resources: ['member/*:token/*'] }]],
      [reader],
      false,
    ],
    [
      'a tag the outer side requires is guaranteed by the inner side',
      [[{ effect: 'allow', actions: ['deleteProject'], resources: ['proj/*;mobile,beta'] }]],
      [[{ effect: 'allow', actions: ['*'], resources: ['proj/*;mob*'] }]],
      true,
    ],
    [
      'a tag the inner side does not require is not guaranteed',
      [[{ effect: 'allow', actions: ['deleteProject'], resources: ['proj/*'] }]],
      [[{ effect: 'allow', actions: ['*'], resources: ['proj/*;mobile'] }]],
      false,
    ],
    [
      'an outer deny the inner side does not repeat is an excess',
      [[{ effect: 'allow', actions: ['updateOn'], resources: ['proj/*:env/*:flag/*'] }]],
      [withDeny],
      false,
    ],
    [
      'an outer deny outside the inner resources does not matter',
      [[{ effect: 'allow', actions: ['updateOn'], resources: ['proj/*:env/test:flag/*'] }]],
      [withDeny],
      true,
    ],
    [
      'outer notResources cover what they exclude nothing of',
      [[{ effect: 'allow', actions: ['viewProject'], resources: ['proj/web'] }]],
      [[{ effect: 'allow', actions: ['*'], notResources: ['proj/secret*'] }]],
      true,
    ],
    [
      'outer notResources do not cover what they may exclude',
      [[{ effect: 'allow', actions: ['viewProject'], resources: ['proj/sec*'] }]],
      [[{ effect: 'allow', actions: ['*'], notResources: ['proj/secret*'] }]],
      false,
    ],
    [
      'an inner notResources allow counts as every resource of every shape',
      [[{ effect: 'allow', actions: ['viewProject'], notResources: ['proj/x'] }]],
      [[{ effect: 'allow', actions: ['viewProject'], resources: everyShape }]],
      true,
    ],
    [
      'an inner notResources allow is not within what covers one shape',
      [[{ effect: 'allow', actions: ['viewProject'], notResources: ['proj/x'] }]],
      [reader],
      false,
    ],
    [
      'a policy that only denies is within anything',
      [[{ effect: 'deny', actions: ['*'], resources: ['acct'] }]],
      [[]],
      true,
    ],
  ])('%s', (_, inner, outer, expected) => {
    expect(policiesWithin(named(...inner), named(...outer)).within).toBe(expected);
  });

  it('gives up with "too complex" rather than spend more than its budget', () => {
    const resources = Array.from({ length: 100 }, (_, i) => `proj/p${i}*x`);
    const inner: Policy = Array.from({ length: 60 }, () => ({
      effect: 'allow',
      actions: ['viewProject'],
      resources,
    }));
    // Every inner specifier is covered, but only by the last of 6,000 outer ones.
    const misses: Policy = Array.from({ length: 59 }, (_, i) => ({
      effect: 'allow',
      actions: ['viewProject'],
      resources: resources.map((r) => `${r}${i}`),
    }));
    const last: Policy = [{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }];
    expect(policiesWithin(named(inner), named(last)).within).toBe(true);
    expect(policiesWithin(named(inner), named([...misses, ...last]))).toEqual({
      within: false,
      tooComplex: true,
    });
    expect(MAX_COMPARISONS).toBeLessThan(60 * 100 * 60 * 100);
  });
});
