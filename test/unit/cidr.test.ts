import { describe, expect, it } from 'vitest';
import {
  addressAllowed,
  MAX_ALLOWED_CIDRS,
  normaliseSourceAddress,
  parseCidr,
  parseCidrList,
  rangeOutside,
} from '../../shared/domain/cidr.js';
import { allowedCidrsSchema } from '../../shared/schemas/token.js';

const normal = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.cidr;
};

describe('parsing and normalising CIDR ranges', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.0.0.1/8', '10.0.0.0/8'],
    ['192.168.1.77/26', '192.168.1.64/26'],
    ['203.0.113.9', '203.0.113.9/32'],
    ['203.0.113.9/32', '203.0.113.9/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['255.255.255.255/0', '0.0.0.0/0'],
    ['::1', '::1/128'],
    ['::/0', '::/0'],
    ['ffff::1/0', '::/0'],
    ['2001:DB8:0:0:1::1/64', '2001:db8::/64'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1/128'],
    ['2001:db8::1/128', '2001:db8::1/128'],
    ['2001:db8:0:1:1:1:1:1/127', '2001:db8:0:1:1:1:1:0/127'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1/128'],
    ['1:0:1:0:0:1:0:0/128', '1:0:1::1:0:0/128'],
    ['2001:db8::ff00:42:8329/33', '2001:db8::/33'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:1.2.3.4', '1.2.3.4/32'],
    ['::ffff:1.2.3.4/128', '1.2.3.4/32'],
    ['::ffff:102:304/120', '1.2.3.0/24'],
    ['::ffff:0:0/96', '0.0.0.0/0'],
    ['::ffff:0:0/95', '::fffe:0:0/95'],
  ])('%s is stored as %s', (given, stored) => {
    expect(normal(given)).toBe(stored);
  });

  it('writes IPv6 as RFC 5952 does (checked against the WHATWG URL serializer)', () => {
    const groups = () =>
      Array.from({ length: 8 }, () =>
        Math.random() < 0.5 ? '0' : Math.floor(Math.random() * 0x10000).toString(16),
      );
    for (let i = 0; i < 500; i++) {
      const address = groups().join(':');
      const expected = new URL(`http://[${address}]`).hostname.slice(1, -1);
      if (expected.startsWith('::ffff:') && expected.includes('.')) continue; // mapped: stored as IPv4
      expect(normal(address)).toBe(`${expected}/128`);
    }
  });

  it.each([
    ['10.0.0.0/33', 'the prefix length must be a number from 0 to 32'],
    ['::/129', 'the prefix length must be a number from 0 to 128'],
    ['10.0.0.0/-1', 'the prefix length'],
    ['10.0.0.0/08', 'the prefix length'],
    ['10.0.0.0/', 'the prefix length'],
    ['10.0.0.0/8/8', 'the prefix length'],
    ['10.0.0/8', 'is not an IPv4 or IPv6 address'],
    ['010.0.0.0/8', 'is not an IPv4 or IPv6 address'],
    ['256.0.0.0/8', 'is not an IPv4 or IPv6 address'],
    [' 10.0.0.0/8', 'is not an IPv4 or IPv6 address'],
    ['fe80::1%eth0/64', 'is not an IPv4 or IPv6 address'],
    ['2001:db8:::1/64', 'is not an IPv4 or IPv6 address'],
    ['example.com/24', 'is not an IPv4 or IPv6 address'],
    ['', 'is not an IPv4 or IPv6 address'],
  ])('%s is refused, naming it', (given, problem) => {
    const parsed = parseCidr(given);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toContain(problem);
      expect(parsed.problem).toContain(`"${given}"`);
    }
  });

  it('drops duplicates after normalising, keeps order, and names the first bad one by index', () => {
    expect(parseCidrList(['10.0.0.1/8', '::1', '10.9.9.9/8', '::0:1/128'])).toEqual({
      ok: true,
      cidrs: ['10.0.0.0/8', '::1/128'],
    });
    expect(parseCidrList(['10.0.0.0/8', 'nope', '1.2.3.4/99'])).toMatchObject({ ok: false, index: 1 });
  });

  it('the request schema names the bad range and the limit of 20', () => {
    const bad = allowedCidrsSchema.safeParse(['10.0.0.0/8', '10.0.0.0/40']);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual([1]);
    expect(bad.error?.issues[0]?.message).toContain('"10.0.0.0/40"');
    const many = Array.from({ length: MAX_ALLOWED_CIDRS + 1 }, (_, i) => `10.0.${i}.0/24`);
    expect(allowedCidrsSchema.safeParse(many).success).toBe(false);
    expect(allowedCidrsSchema.safeParse(many.slice(0, MAX_ALLOWED_CIDRS)).success).toBe(true);
  });
});

describe('matching a source address', () => {
  it.each([
    // IPv4, edges of the prefix lengths
    [['10.0.0.0/8'], '10.255.255.255', true],
    [['10.0.0.0/8'], '11.0.0.0', false],
    [['203.0.113.9/32'], '203.0.113.9', true],
    [['203.0.113.9/32'], '203.0.113.10', false],
    [['0.0.0.0/0'], '198.51.100.1', true],
    [['0.0.0.0/0'], '2001:db8::1', false],
    // IPv6
    [['2001:db8::/32'], '2001:db8:ffff::1', true],
    [['2001:db8::/32'], '2001:db9::1', false],
    [['::1/128'], '::1', true],
    [['::1/128'], '::2', false],
    [['2001:db8::1/128'], '2001:DB8:0:0:0:0:0:1', true],
    [['::/0'], 'fe80::1', true],
    [['::/0'], '127.0.0.1', false],
    // IPv4-mapped IPv6 sources are their IPv4 address
    [['1.2.3.0/24'], '::ffff:1.2.3.4', true],
    [['1.2.3.0/24'], '::ffff:102:3ff', true],
    [['1.2.3.0/24'], '::ffff:1.2.4.4', false],
    [['127.0.0.1/32'], '::ffff:127.0.0.1', true],
    [['::ffff:1.2.3.0/120'].map(normal), '1.2.3.200', true],
    // a zone id on a link-local source is not part of the address
    [['fe80::/10'], 'fe80::1%lo0', true],
    // several ranges, either family
    [['10.0.0.0/8', '2001:db8::/32'], '2001:db8::5', true],
    [['10.0.0.0/8', '2001:db8::/32'], '10.1.1.1', true],
    [['10.0.0.0/8', '2001:db8::/32'], '192.0.2.1', false],
  ])('%j allows %s: %s', (cidrs, address, allowed) => {
    expect(addressAllowed(cidrs, address)).toBe(allowed);
  });

  it.each([undefined, null, '', 'localhost', '10.0.0.1:443', '1.2.3'])(
    'a source that is no address (%s) is allowed by nothing, not even 0.0.0.0/0 or ::/0',
    (source) => {
      expect(addressAllowed(['0.0.0.0/0', '::/0'], source)).toBe(false);
      expect(normaliseSourceAddress(source)).toBeNull();
    },
  );
});

describe('rangeOutside: whether ranges lie within others (a bound token binds nothing wider)', () => {
  it.each([
    [['10.1.2.0/24'], ['10.0.0.0/8'], undefined],
    [['10.0.0.0/8'], ['10.0.0.0/8'], undefined],
    [['10.1.2.3/32', '192.0.2.0/25'], ['10.0.0.0/8', '192.0.2.0/24'], undefined],
    [['10.0.0.0/7'], ['10.0.0.0/8'], '10.0.0.0/7'],
    [['11.0.0.0/8'], ['10.0.0.0/8'], '11.0.0.0/8'],
    [['10.1.0.0/16', '0.0.0.0/0'], ['10.0.0.0/8'], '0.0.0.0/0'],
    // Families do not cross: ::/0 holds no IPv4 range.
    [['10.0.0.0/8'], ['::/0'], '10.0.0.0/8'],
    [['2001:db8:1::/48'], ['2001:db8::/32'], undefined],
    [['2001:db9::/32'], ['2001:db8::/32'], '2001:db9::/32'],
    // Conservative: two halves together are not counted as holding the whole.
    [['10.0.0.0/8'], ['10.0.0.0/9', '10.128.0.0/9'], '10.0.0.0/8'],
  ])('%j within %j: %s is outside', (inner, outer, outside) => {
    expect(rangeOutside(inner, outer)).toBe(outside);
  });
});
