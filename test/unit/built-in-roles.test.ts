import { describe, expect, it } from 'vitest';
import type { Action } from '../../shared/domain/actions.js';
import { type BuiltInRole, compiledBuiltInPolicy } from '../../shared/domain/built-in-roles.js';
import { parseResource } from '../../shared/domain/resource.js';

const SELF = 'me';

// role, action, resource, allowed
const table: [BuiltInRole, Action, string, boolean][] = [
  ['reader', 'viewProject', 'proj/web', true],
  ['reader', 'viewFlag', 'proj/web:env/production:flag/f', true],
  ['reader', 'viewMember', 'member/other', true],
  ['reader', 'viewRole', 'role/ops', true],
  ['reader', 'updateOn', 'proj/web:env/test:flag/f', false],
  ['reader', 'createProject', 'proj/new', false],
  ['reader', 'createAccessToken', `member/${SELF}:token/*`, true],
  ['reader', 'updateAccessTokenName', `member/${SELF}:token/t1`, true],
  ['reader', 'resetAccessToken', `member/${SELF}:token/t1`, true],
  ['reader', 'deleteAccessToken', `member/${SELF}:token/t1`, true],
  ['reader', 'viewAccessToken', `member/${SELF}:token/t1`, true],
  ['reader', 'viewAccessToken', 'member/other:token/t1', false],
  ['reader', 'deleteAccessToken', 'member/other:token/t1', false],
  ['reader', 'createAccessToken', 'service-token/*', false],
  ['reader', 'createMember', 'member/new', false],
  ['writer', 'updateOn', 'proj/web:env/production:flag/f', true],
  ['writer', 'createProject', 'proj/new', true],
  ['writer', 'deleteFlag', 'proj/web:env/test:flag/f', true],
  ['writer', 'createAccessToken', `member/${SELF}:token/*`, true],
  ['writer', 'createAccessToken', 'service-token/*', false],
  ['writer', 'deleteMember', 'member/other', false],
  ['writer', 'createRole', 'role/ops', false],
  ['admin', 'createAccessToken', 'service-token/*', true],
  ['admin', 'viewAccessToken', 'member/other:token/t1', true],
  ['admin', 'deleteMember', 'member/other', true],
  ['admin', 'updateRole', 'member/other', true],
  ['admin', 'updateRole', 'member/boss;owner', false],
  ['admin', 'deleteMember', 'member/boss;owner', false],
  ['admin', 'viewMember', 'member/boss;owner', true],
  ['admin', 'createRole', 'role/ops', true],
  ['owner', 'updateRole', 'member/boss;owner', true],
  ['owner', 'deleteMember', 'member/other', true],
  ['owner', 'updateOn', 'proj/web:env/production:flag/f', true],
  ['no_access', 'viewProject', 'proj/web', false],
  ['no_access', 'createAccessToken', `member/${SELF}:token/*`, false],
];

describe('built-in roles', () => {
  it.each(table)('%s: %s on %s is %s', (role, action, resource, allowed) => {
    expect(compiledBuiltInPolicy(role, SELF).allows(action, parseResource(resource))).toBe(allowed);
  });

  it('a role instantiated for nobody (a service token) manages no personal tokens', () => {
    expect(
      compiledBuiltInPolicy('reader', null).allows('createAccessToken', parseResource('member/me:token/*')),
    ).toBe(false);
    expect(compiledBuiltInPolicy('reader', null).allows('viewProject', parseResource('proj/web'))).toBe(true);
  });
});
