import { describe, expect, it } from 'vitest';
import type { BuiltInRole } from '../../shared/domain/built-in-roles.js';
import {
  type CustomRole,
  EffectivePermissions,
  type MemberGrant,
  memberPermissions,
  rankRuleViolation,
  scopePermissions,
  type TokenScope,
} from '../../shared/domain/effective-permissions.js';
import { parseResource, resources } from '../../shared/domain/resource.js';

const roles = new Map<string, CustomRole>([
  [
    'flag-flipper',
    {
      key: 'flag-flipper',
      basePermissions: 'no_access',
      policy: [{ effect: 'allow', actions: ['updateOn', 'viewFlag'], resources: ['proj/*:env/*:flag/*'] }],
    },
  ],
  [
    'no-prod',
    {
      key: 'no-prod',
      basePermissions: 'reader',
      policy: [
        { effect: 'allow', actions: ['*'], resources: ['proj/*:env/*:flag/*'] },
        { effect: 'deny', actions: ['*'], resources: ['proj/*:env/production:flag/*'] },
      ],
    },
  ],
  [
    'no-tokens',
    {
      key: 'no-tokens',
      basePermissions: 'reader',
      policy: [{ effect: 'deny', actions: ['createAccessToken'], resources: ['member/*:token/*'] }],
    },
  ],
]);

const member = (role: BuiltInRole, customRoles: string[] = []): MemberGrant => ({
  memberId: 'm1',
  role,
  customRoles,
});

function tokenOf(scope: TokenScope, holder: MemberGrant | null) {
  return new EffectivePermissions(
    scopePermissions(scope, holder?.memberId ?? null, roles),
    holder === null ? null : memberPermissions(holder, roles),
  );
}

const prodFlag = resources.flag('web', 'production', 'f');
const testFlag = resources.flag('web', 'test', 'f');

describe('the effective decision', () => {
  it('a writer token held by a member downgraded to reader behaves as a reader token', () => {
    const writerToken = tokenOf({ kind: 'role', role: 'writer' }, member('reader'));
    const readerToken = tokenOf({ kind: 'role', role: 'reader' }, member('reader'));
    for (const [action, resource] of [
      ['updateOn', prodFlag],
      ['viewFlag', prodFlag],
      ['createProject', resources.project('new')],
      ['viewProject', resources.project('web')],
    ] as const) {
      expect(writerToken.allows(action, resource)).toBe(readerToken.allows(action, resource));
    }
    const decision = writerToken.decide('updateOn', prodFlag);
    expect(decision).toMatchObject({ allowed: false, deniedBy: 'member' });
  });

  it('a token can never do more than its member: an admin token of a reader is a reader', () => {
    const token = tokenOf({ kind: 'role', role: 'admin' }, member('reader'));
    expect(token.allows('deleteMember', resources.member('m2'))).toBe(false);
    expect(token.allows('viewMember', resources.member('m2'))).toBe(true);
  });

  it('an inline policy can keep a token out of production', () => {
    const token = tokenOf(
      {
        kind: 'inline',
        policy: [
          { effect: 'allow', actions: ['*'], resources: ['proj/*:env/*:flag/*'] },
          { effect: 'deny', actions: ['*'], resources: ['proj/*:env/production:flag/*'] },
        ],
      },
      member('writer'),
    );
    expect(token.allows('updateOn', testFlag)).toBe(true);
    expect(token.decide('updateOn', prodFlag)).toMatchObject({ allowed: false, deniedBy: 'token' });
    expect(token.decide('updateOn', prodFlag).reason).toContain('denied by statement 1');
  });

  it('a reader token of a writer cannot write', () => {
    const token = tokenOf({ kind: 'role', role: 'reader' }, member('writer'));
    expect(token.decide('updateOn', testFlag)).toMatchObject({ allowed: false, deniedBy: 'token' });
  });

  it('a service token is decided by its scope alone', () => {
    const token = tokenOf({ kind: 'role', role: 'writer' }, null);
    expect(token.allows('updateOn', prodFlag)).toBe(true);
    expect(token.allows('deleteMember', resources.member('m2'))).toBe(false);
  });

  it('a member with custom roles has the union of those roles, not their built-in role', () => {
    const holder = member('writer', ['flag-flipper']);
    const perms = memberPermissions(holder, roles);
    expect(perms.allows('updateOn', prodFlag)).toBe(true);
    expect(perms.allows('createProject', resources.project('new'))).toBe(false);
    expect(perms.allows('viewProject', resources.project('web'))).toBe(false);
  });

  it('a custom role with reader base permissions includes reading', () => {
    const perms = memberPermissions(member('reader', ['no-prod']), roles);
    expect(perms.allows('viewProject', resources.project('web'))).toBe(true);
    expect(perms.allows('updateOn', testFlag)).toBe(true);
  });

  it('a deny in a custom role overrides what its base allows, but another role can still allow', () => {
    const onlyNoProd = memberPermissions(member('reader', ['no-prod']), roles);
    expect(onlyNoProd.allows('viewFlag', prodFlag)).toBe(false);
    const withFlipper = memberPermissions(member('reader', ['no-prod', 'flag-flipper']), roles);
    expect(withFlipper.allows('viewFlag', prodFlag)).toBe(true);
    expect(withFlipper.allows('updateOn', prodFlag)).toBe(true);
  });

  it('custom roles can restrict who creates tokens', () => {
    const perms = memberPermissions(member('reader', ['no-tokens']), roles);
    expect(perms.allows('createAccessToken', parseResource('member/m1:token/*'))).toBe(false);
    expect(perms.allows('viewAccessToken', parseResource('member/m1:token/t1'))).toBe(true);
  });

  it('a custom role that no longer exists grants nothing (fail closed)', () => {
    const perms = memberPermissions(member('admin', ['ghost']), roles);
    expect(perms.allows('viewProject', resources.project('web'))).toBe(false);
    const withFlipper = memberPermissions(member('admin', ['ghost', 'flag-flipper']), roles);
    expect(withFlipper.allows('updateOn', prodFlag)).toBe(true);
  });
});

describe('the rank rule for creating tokens', () => {
  it.each([
    ['reader', [], { kind: 'role', role: 'reader' }, true],
    ['reader', [], { kind: 'role', role: 'writer' }, false],
    ['writer', [], { kind: 'role', role: 'writer' }, true],
    ['writer', [], { kind: 'role', role: 'admin' }, false],
    ['admin', [], { kind: 'role', role: 'admin' }, true],
    ['owner', [], { kind: 'role', role: 'admin' }, true],
    ['reader', ['no-prod'], { kind: 'customRoles', roleKeys: ['no-prod'] }, true],
    ['writer', ['no-prod'], { kind: 'customRoles', roleKeys: ['no-prod', 'flag-flipper'] }, false],
    ['admin', [], { kind: 'customRoles', roleKeys: ['flag-flipper'] }, true],
    ['owner', [], { kind: 'customRoles', roleKeys: ['flag-flipper'] }, true],
    ['reader', [], { kind: 'inline', policy: [] }, true],
  ] as [BuiltInRole, string[], TokenScope, boolean][])(
    'a %s with custom roles %j may create %j: %s',
    (role, customRoles, scope, ok) => {
      expect(rankRuleViolation({ role, customRoles }, scope) === null).toBe(ok);
    },
  );
});
