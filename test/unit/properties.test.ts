import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EffectivePermissions,
  memberPermissions,
  scopePermissions,
} from '../../shared/domain/effective-permissions.js';
import { CompiledPolicy } from '../../shared/domain/policy.js';
import { parseResource } from '../../shared/domain/resource.js';
import { accessTokenFormat } from '../../shared/domain/token-format.js';
import { action, actionGlob, policy, resourceSpecText, resourceText } from '../support/arbitraries.js';

const RUNS = { numRuns: 500 };

describe('properties of the policy engine', () => {
  it('the effective decision never allows what either side denies, and allows what both allow', () => {
    fc.assert(
      fc.property(policy, policy, action, resourceText, (scopePolicy, memberPolicy, act, res) => {
        const roles = new Map([
          ['r', { key: 'r', basePermissions: 'no_access' as const, policy: memberPolicy }],
        ]);
        const scope = scopePermissions({ kind: 'inline', policy: scopePolicy }, 'm1', roles);
        const member = memberPermissions({ memberId: 'm1', role: 'reader', customRoles: ['r'] }, roles);
        const resource = parseResource(res);
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
          const resource = parseResource(res);
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
        const resource = parseResource(res);
        const positive = new CompiledPolicy([{ effect: 'allow', actions: ['*'], resources: specs }]);
        const negative = new CompiledPolicy([{ effect: 'allow', actions: ['*'], notResources: specs }]);
        expect(negative.allows('viewProject', resource)).toBe(!positive.allows('viewProject', resource));
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
