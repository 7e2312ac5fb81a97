import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileResourceSpec,
  formatResource,
  MAX_RESOURCE_KEY_CHARS,
  MAX_RESOURCE_TAG_CHARS,
  MAX_RESOURCE_TAGS,
  parseResource,
  ResourceSyntaxError,
  resourceBeyondLimits,
  resourceCanExist,
  resourceMatches,
  resources,
} from '../../shared/domain/resource.js';
import { newId } from '../../shared/domain/token-format.js';
import { keySchema, tagsSchema } from '../../shared/schemas/common.js';

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

describe('the limits of a resource that can exist are those of everything the API stores', () => {
  const key = (n: number) => 'k'.repeat(n);
  const tags = (n: number, length = 2) => Array.from({ length: n }, (_, i) => `t${i}`.padEnd(length, 'x'));

  it('the API stores no longer key, no more tags and no longer tag (its schemas refuse them)', () => {
    expect(keySchema.safeParse(key(MAX_RESOURCE_KEY_CHARS)).success).toBe(true);
    expect(keySchema.safeParse(key(MAX_RESOURCE_KEY_CHARS + 1)).success).toBe(false);
    expect(newId().length).toBeLessThanOrEqual(MAX_RESOURCE_KEY_CHARS);
    expect(tagsSchema.safeParse(tags(MAX_RESOURCE_TAGS, MAX_RESOURCE_TAG_CHARS)).success).toBe(true);
    expect(tagsSchema.safeParse(tags(MAX_RESOURCE_TAGS + 1)).success).toBe(false);
    expect(tagsSchema.safeParse(tags(1, MAX_RESOURCE_TAG_CHARS + 1)).success).toBe(false);
  });

  it.each([
    [`proj/${key(MAX_RESOURCE_KEY_CHARS)}`, null],
    [`proj/${key(MAX_RESOURCE_KEY_CHARS + 1)}`, 'the proj key has 101 characters; no key has more than 100'],
    [`proj/p:env/e:flag/${key(200)}`, 'the flag key has 200 characters; no key has more than 100'],
    [`proj/p;${tags(MAX_RESOURCE_TAGS).join(',')}`, null],
    [`proj/p;${tags(MAX_RESOURCE_TAGS + 1).join(',')}`, 'proj has 51 tags; no proj carries more than 50'],
    [`proj/p:env/e:flag/f;${tags(MAX_RESOURCE_TAGS).join(',')}`, null],
    ['proj/p:env/e;t:flag/f', 'env has 1 tag(s); no env carries tags'],
    ['member/m;owner', null],
    ['member/m;owner,admin', 'member has 2 tags; no member carries more than 1'],
    ['member/m:token/t;x', 'token has 1 tag(s); no token carries tags'],
    ['role/r;x', 'role has 1 tag(s); no role carries tags'],
    [
      `proj/p:env/e:flag/f;a,${'t'.repeat(MAX_RESOURCE_TAG_CHARS + 1)}`,
      'a tag of flag has 65 characters; no tag has more than 64',
    ],
  ])('%s: %s', (text, why) => {
    const resource = parseResource(text);
    expect(resourceBeyondLimits(resource)).toBe(why);
    expect(resourceCanExist(resource)).toBe(why === null);
  });

  it('whether it can exist and why not always agree, on keys and tags of every length around the limits', () => {
    const around = (limit: number) => fc.integer({ min: Math.max(1, limit - 2), max: limit + 2 });
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(around(MAX_RESOURCE_KEY_CHARS), around(MAX_RESOURCE_TAGS), around(MAX_RESOURCE_TAG_CHARS)),
          {
            minLength: 3,
            maxLength: 3,
          },
        ),
        fc.nat(2),
        (segments, longTag) => {
          const resource = resources.flag(
            key(segments[0]![0]),
            key(segments[1]![0]),
            key(segments[2]![0]),
            tags(segments[0]![1]),
            [...tags(segments[2]![1] - 1), 'x'.repeat(longTag === 0 ? segments[2]![2] : 1)],
          );
          expect(resourceCanExist(resource)).toBe(resourceBeyondLimits(resource) === null);
        },
      ),
    );
  });
});
