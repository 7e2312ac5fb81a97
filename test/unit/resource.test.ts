import { describe, expect, it } from 'vitest';
import {
  compileResourceSpec,
  formatResource,
  parseResource,
  ResourceSyntaxError,
  resourceMatches,
  resources,
} from '../../shared/domain/resource.js';

describe('resource specifiers', () => {
  it.each([
    ['proj/*', 'proj/web', true],
    ['proj/*', 'proj/web:env/production', false],
    ['proj/*:env/*', 'proj/web', false],
    ['proj/*:env/prod*', 'proj/web:env/production', true],
    ['proj/*:env/prod*', 'proj/web:env/test', false],
    ['proj/web:env/*:flag/*', 'proj/web:env/test:flag/new-ui', true],
    ['proj/web:env/*:flag/*', 'proj/api:env/test:flag/new-ui', false],
    ['proj/*;mobile', 'proj/app;mobile,ios', true],
    ['proj/*;mobile,ios', 'proj/app;mobile', false],
    ['proj/*;mobile,ios', 'proj/app;ios,mobile,beta', true],
    ['proj/*;mob*', 'proj/app;mobile', true],
    ['proj/*:env/*:flag/*;beta', 'proj/app:env/test:flag/f;beta', true],
    ['proj/*:env/*:flag/*;beta', 'proj/app;beta:env/test:flag/f', false],
    ['member/*', 'member/m1', true],
    ['member/*', 'member/m1:token/t1', false],
    ['member/m1:token/*', 'member/m1:token/t1', true],
    ['member/m1:token/*', 'member/m2:token/t1', false],
    ['service-token/*', 'service-token/t1', true],
    ['service-token/*', 'member/t1', false],
    ['role/ops-*', 'role/ops-admin', true],
    ['acct', 'acct', true],
    ['acct', 'role/acct', false],
  ])('%s matching %s is %s', (spec, resource, expected) => {
    expect(resourceMatches(compileResourceSpec(spec), parseResource(resource))).toBe(expected);
  });

  it.each([
    ['', 'non-empty'],
    ['proj', 'kind/key'],
    ['proj/', 'malformed key'],
    ['proj/a;', 'malformed tag'],
    ['proj/a;x;y', 'more than one'],
    ['widget/a', 'not a known resource type'],
    ['env/a', 'not a known resource type'],
    ['proj/a:flag/b', 'not a known resource type'],
    ['proj/a b', 'malformed key'],
  ])('"%s" is rejected, naming the problem', (text, message) => {
    expect(() => compileResourceSpec(text)).toThrow(ResourceSyntaxError);
    expect(() => compileResourceSpec(text)).toThrow(message);
  });

  it('builders produce the resources their text form parses to', () => {
    const built = [
      resources.account(),
      resources.project('web', ['mobile']),
      resources.environment('web', 'production'),
      resources.flag('web', 'test', 'new-ui', ['a'], ['beta']),
      resources.member('m1', true),
      resources.personalToken('m1', 't1'),
      resources.serviceToken('t2'),
      resources.role('ops'),
    ];
    for (const resource of built) expect(parseResource(formatResource(resource))).toEqual(resource);
  });
});
