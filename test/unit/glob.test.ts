import { describe, expect, it } from 'vitest';
import { globMatches } from '../../shared/domain/glob.js';

describe('globs match within one key', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['prod', 'prod', true],
    ['prod', 'production', false],
    ['prod*', 'production', true],
    ['prod*', 'prod', true],
    ['prod*', 'xprod', false],
    ['*tion', 'production', true],
    ['*tion', 'productions', false],
    ['p*n', 'production', true],
    ['p*n', 'pn', true],
    ['pr*od*n', 'production', true],
    ['pr*od*n', 'producti', false],
    ['a.b*', 'a.bc', true],
    ['a.b*', 'axbc', false],
    ['*x*', 'abc', false],
    ['*x*', 'abxc', true],
    ['update*', 'updateAccessTokenName', true],
  ])('%s against %s is %s', (glob, value, expected) => {
    expect(globMatches(glob, value)).toBe(expected);
  });
});
