import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * IP binding (`allowedCidrs` on a token): which source addresses may use it. Parsing and
 * normalising are written here because Node has no CIDR normaliser and the rules are short; the
 * matching is Node's own `net.BlockList` (built in, implemented in C++ over the platform's
 * `inet_pton`, used by `net.Server` for the same job), so no address parser of ours ever decides
 * whether a request gets in, and no dependency is added to the authorizer's bundle.
 *
 * What a stored range looks like (what the API answers, so a caller sees what is enforced):
 * - a bare address is a single-address range: `10.1.2.3` → `10.1.2.3/32`, `::1` → `::1/128`;
 * - host bits are cleared, as the range they name is what is enforced: `10.0.0.1/8` → `10.0.0.0/8`;
 * - IPv6 is written as RFC 5952 says (lower case, the longest run of zero groups as `::`);
 * - an IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps (`10.0.0.0/8`);
 * - duplicates (after all of the above) are dropped, the first kept in place.
 *
 * Families do not cross: an IPv4 client (a mapped `::ffff:1.2.3.4` source included) matches only
 * IPv4 ranges, an IPv6 client only IPv6 ranges, so `::/0` allows every IPv6 client and no IPv4 one.
 */

export const MAX_ALLOWED_CIDRS = 20;

type Family = 'ipv4' | 'ipv6';

interface Range {
  readonly family: Family;
  /** Four octets, or eight 16-bit groups. */
  readonly parts: readonly number[];
  readonly prefix: number;
}

const BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };
const PART_BITS: Record<Family, number> = { ipv4: 8, ipv6: 16 };

function ipv4Parts(text: string): number[] {
  return text.split('.').map(Number);
}

/** Eight 16-bit groups of a valid IPv6 address (checked by `isIPv6` first), embedded IPv4 included. */
function ipv6Groups(text: string): number[] {
  let hex = text;
  const tail = hex.slice(hex.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = ipv4Parts(tail) as [number, number, number, number];
    hex = `${hex.slice(0, hex.length - tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = hex.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16));
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`, the first on a tie. */
function formatIpv6(groups: readonly number[]): string {
  let best = { start: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  const left = hex.slice(0, best.start).join(':');
  const right = hex.slice(best.start + best.length).join(':');
  return `${left}::${right}`;
}

function format(range: Range): string {
  const address = range.family === 'ipv4' ? range.parts.join('.') : formatIpv6(range.parts);
  return `${address}/${range.prefix}`;
}

/** The range with every bit after the prefix cleared. */
function masked(range: Range): Range {
  const width = PART_BITS[range.family];
  const parts = range.parts.map((part, i) => {
    const keep = Math.min(Math.max(range.prefix - i * width, 0), width);
    const mask = keep === 0 ? 0 : ((0xffff << (width - keep)) & ((1 << width) - 1)) >>> 0;
    return part & mask;
  });
  return { ...range, parts };
}

/** An IPv4-mapped IPv6 range (`::ffff:0:0/96` and narrower) as the IPv4 range it stands for. */
function unmapped(range: Range): Range {
  const p = range.parts;
  const mapped =
    range.family === 'ipv6' && range.prefix >= 96 && p.slice(0, 5).every((g) => g === 0) && p[5] === 0xffff;
  if (!mapped) return range;
  const [hi = 0, lo = 0] = p.slice(6);
  return { family: 'ipv4', parts: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff], prefix: range.prefix - 96 };
}

/** An address as a family and parts, or null when it is not a valid IPv4 or IPv6 address (no zone ids). */
function addressParts(text: string): { family: Family; parts: number[] } | null {
  if (isIPv4(text)) return { family: 'ipv4', parts: ipv4Parts(text) };
  if (isIPv6(text) && !text.includes('%')) return { family: 'ipv6', parts: ipv6Groups(text) };
  return null;
}

export type CidrParse =
  | { readonly ok: true; readonly cidr: string }
  | { readonly ok: false; readonly problem: string };

/** One range as given (`10.0.0.0/8`, `2001:db8::/32`, a bare address) → its normal form, or why not. */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  const address = addressParts(addressText);
  if (address === null)
    return { ok: false, problem: `"${text}" is not an IPv4 or IPv6 address or CIDR range` };
  const bits = BITS[address.family];
  if (prefixText !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(prefixText))
    return { ok: false, problem: `"${text}": the prefix length must be a number from 0 to ${bits}` };
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits)
    return { ok: false, problem: `"${text}": the prefix length must be a number from 0 to ${bits}` };
  return { ok: true, cidr: format(unmapped(masked({ ...address, prefix }))) };
}

export type CidrListParse =
  | { readonly ok: true; readonly cidrs: string[] }
  | { readonly ok: false; readonly index: number; readonly problem: string };

/** A list of ranges in normal form, duplicates dropped; the first bad one is named by its index. */
export function parseCidrList(texts: readonly string[]): CidrListParse {
  const cidrs: string[] = [];
  for (const [index, text] of texts.entries()) {
    const parsed = parseCidr(text);
    if (!parsed.ok) return { ok: false, index, problem: parsed.problem };
    if (!cidrs.includes(parsed.cidr)) cidrs.push(parsed.cidr);
  }
  return { ok: true, cidrs };
}

/**
 * A source address (API Gateway's `requestContext.identity.sourceIp`, or the local socket's) in
 * the form ranges are matched in: an IPv4-mapped IPv6 address is its IPv4 address, a zone id is
 * dropped. Null when it is no address at all (then nothing matches: fail closed).
 */
export function normaliseSourceAddress(
  text: string | undefined | null,
): { family: Family; address: string } | null {
  if (typeof text !== 'string') return null;
  const bare = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  const parts = addressParts(bare);
  if (parts === null) return null;
  const range = unmapped({ ...parts, prefix: BITS[parts.family] });
  return { family: range.family, address: format(range).replace(/\/\d+$/, '') };
}

/** A range in normal form (as stored) as a family, parts and prefix. */
function storedRange(cidr: string): Range | null {
  const [address = '', prefix = ''] = cidr.split('/');
  const parts = addressParts(address);
  return parts === null ? null : { ...parts, prefix: Number(prefix) };
}

/** Whether every address of `inner` is in `outer` (same family, no shorter prefix, same network). */
function holds(outer: Range, inner: Range): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const network = masked({ ...inner, prefix: outer.prefix });
  return network.parts.every((part, i) => part === outer.parts[i]);
}

/**
 * The first range of `inner` that no one range of `outer` holds (both in normal form), or
 * undefined when each is held. Conservative: a range held only by two adjacent ones together
 * counts as outside.
 */
export function rangeOutside(inner: readonly string[], outer: readonly string[]): string | undefined {
  const outers = outer.map(storedRange).filter((r): r is Range => r !== null);
  return inner.find((cidr) => {
    const range = storedRange(cidr);
    return range === null || !outers.some((o) => holds(o, range));
  });
}

export type AddressMatcher = (sourceAddress: string | undefined | null) => boolean;

/** The ranges (in normal form, as stored) compiled into one BlockList per family. */
function compile(cidrs: readonly string[]): AddressMatcher {
  const lists: Record<Family, BlockList> = { ipv4: new BlockList(), ipv6: new BlockList() };
  for (const cidr of cidrs) {
    const [address = '', prefix = ''] = cidr.split('/');
    const family: Family = isIPv4(address) ? 'ipv4' : 'ipv6';
    lists[family].addSubnet(address, Number(prefix), family);
  }
  return (sourceAddress) => {
    const source = normaliseSourceAddress(sourceAddress);
    return source !== null && lists[source.family].check(source.address, source.family);
  };
}

/** Compiled matchers by their ranges, so a warm authorizer compiles a token's ranges once. */
const compiled = new Map<string, AddressMatcher>();
const COMPILED_KEPT = 1000;

/** Whether `sourceAddress` lies in one of `cidrs` (stored ranges, in normal form). */
export function addressAllowed(cidrs: readonly string[], sourceAddress: string | undefined | null): boolean {
  const key = cidrs.join(',');
  let matcher = compiled.get(key);
  if (matcher === undefined) {
    if (compiled.size >= COMPILED_KEPT) compiled.clear();
    matcher = compile(cidrs);
    compiled.set(key, matcher);
  }
  return matcher(sourceAddress);
}
