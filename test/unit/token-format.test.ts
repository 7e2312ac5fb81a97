import { describe, expect, it } from 'vitest';
import {
  accessTokenFormat,
  hashSecret,
  inviteCodeFormat,
  obscure,
  secretsEqual,
  tokenFromAuthorizationHeader,
} from '../../shared/domain/token-format.js';

describe('the token format', () => {
  it('generates prefixed tokens of fixed length that pass their own check', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const token = accessTokenFormat.generate();
      expect(token).toMatch(/^atk_[0-9A-Za-z]{39}$/);
      expect(accessTokenFormat.isWellFormed(token)).toBe(true);
      seen.add(token);
    }
    expect(seen.size).toBe(200);
  });

  it('carries at least 160 random bits: bodies differ across the whole alphabet', () => {
    const chars = new Set<string>();
    for (let i = 0; i < 100; i++) for (const c of accessTokenFormat.generate().slice(4, 37)) chars.add(c);
    expect(chars.size).toBeGreaterThan(55);
    expect(Math.log2(62 ** 33)).toBeGreaterThanOrEqual(192);
  });

  it.each([
    ['an empty string', ''],
    ['a wrong prefix', `xtk_${accessTokenFormat.generate().slice(4)}`],
    ['a truncated token', accessTokenFormat.generate().slice(0, -1)],
    ['a token with a character appended', `${accessTokenFormat.generate()}a`],
    [
      'a non-base62 character',
      `${accessTokenFormat.generate().slice(0, 10)}-${accessTokenFormat.generate().slice(11)}`,
    ],
    ['an invented token', `atk_${'a'.repeat(39)}`],
    ['an invitation code', inviteCodeFormat.generate()],
  ])('rejects %s before any read', (_, value) => {
    expect(accessTokenFormat.isWellFormed(value)).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(accessTokenFormat.isWellFormed(undefined)).toBe(false);
    expect(accessTokenFormat.isWellFormed(42)).toBe(false);
  });

  it('hashes with SHA-256 and compares in constant time', () => {
    const token = accessTokenFormat.generate();
    expect(hashSecret(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(token)).not.toContain(token.slice(4, 12));
    expect(secretsEqual(hashSecret(token), hashSecret(token))).toBe(true);
    expect(secretsEqual(hashSecret(token), hashSecret(accessTokenFormat.generate()))).toBe(false);
    expect(secretsEqual('short', 'longer')).toBe(false);
  });

  it('obscures a token to its last four characters', () => {
    const token = accessTokenFormat.generate();
    expect(obscure(token)).toBe(token.slice(-4));
    expect(obscure(token)).toHaveLength(4);
  });

  it.each([
    ['raw', (t: string) => t, true],
    ['Bearer', (t: string) => `Bearer ${t}`, true],
    ['lower-case bearer', (t: string) => `bearer ${t}`, true],
    ['Basic', (t: string) => `Basic ${t}`, false],
    ['mangled', (t: string) => `${t.slice(0, 20)}X${t.slice(21)}`, false],
  ])('reads the %s Authorization header form', (_, header, accepted) => {
    const token = accessTokenFormat.generate();
    expect(tokenFromAuthorizationHeader(header(token))).toBe(accepted ? token : null);
  });

  it('reads no token from a missing header', () => {
    expect(tokenFromAuthorizationHeader(undefined)).toBeNull();
  });
});
