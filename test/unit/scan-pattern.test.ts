import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_SCAN_PATTERN, accessTokenFormat } from '../../shared/domain/token-format.js';

const pattern = new RegExp(ACCESS_TOKEN_SCAN_PATTERN, 'g');
const found = (text: string) => [...text.matchAll(pattern)].map((m) => m[0]);

describe('the regular expression secret scanners use for access tokens', () => {
  it('finds every generated token, alone or inside text, configuration and URLs', () => {
    for (let i = 0; i < 200; i++) {
      const token = accessTokenFormat.generate();
      expect(found(token)).toEqual([token]);
      expect(found(`export ACCESS_TOKEN=${token}\n`)).toEqual([token]);
      expect(found(`{"apiKey":"${token}"}`)).toEqual([token]);
      expect(found(`Authorization: Bearer ${token}`)).toEqual([token]);
      expect(found(`https://x/?t=${token}&u=1`)).toEqual([token]);
    }
  });

  it.each([
    ['one character short', (t: string) => t.slice(0, -1)],
    ['one character long', (t: string) => `${t}a`],
    ['a word character before it', (t: string) => `x${t}`],
    ['an underscore after it', (t: string) => `${t}_`],
    ['the invitation prefix', (t: string) => t.replace(/^atk_/, 'ati_')],
    ['the prefix in capitals', (t: string) => t.replace(/^atk_/, 'ATK_')],
    ['a dash instead of the underscore', (t: string) => t.replace(/^atk_/, 'atk-')],
    ['a character outside base62 in the body', (t: string) => `${t.slice(0, 10)}-${t.slice(11)}`],
  ])('does not match a near miss: %s', (_, mutate) => {
    const token = accessTokenFormat.generate();
    expect(found(mutate(token))).toEqual([]);
  });

  it('finds candidates only: the checksum is what tells a token from 39 random characters', () => {
    const token = accessTokenFormat.generate();
    const last = token.at(-1) === 'a' ? 'b' : 'a';
    const forged = `${token.slice(0, -1)}${last}`;
    expect(found(forged)).toEqual([forged]);
    expect(accessTokenFormat.isWellFormed(forged)).toBe(false);
  });

  it('is the one the README gives scanners', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(ACCESS_TOKEN_SCAN_PATTERN);
  });
});
