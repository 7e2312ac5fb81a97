import type { z } from 'zod';
import type { MemberRecord } from '../data/member-repo.js';
import { lastSeenFilterSchema } from '../schemas/member.js';
import { invalid } from './errors.js';
import { parseInput } from './validation.js';

export type LastSeenFilter = z.infer<typeof lastSeenFilterSchema>;

/** LaunchDarkly's member filters, from `GET /members?filter=` or a bulk instruction's `filter*` fields. */
export interface MemberFilter {
  /** Matched, ignoring case, against email, first and last name. */
  readonly query?: string;
  /** Built-in roles or custom role keys; `admin` matches the owner too, as in LaunchDarkly. */
  readonly roles?: readonly string[];
  readonly lastSeen?: LastSeenFilter;
}

const FIELDS = ['query', 'role', 'lastSeen'] as const;

/**
 * `query:ann,role:admin|writer,lastSeen:{"before":1700000000000}`: comma-separated `field:value`
 * pairs (a comma inside `{...}` belongs to the value). Unknown fields are a 400 naming them.
 */
export function parseMemberFilter(text: string): MemberFilter {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of text) {
    if (character === '{') depth++;
    if (character === '}') depth--;
    if (character === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += character;
  }
  parts.push(current);
  const filter: { query?: string; roles?: string[]; lastSeen?: LastSeenFilter } = {};
  for (const part of parts.filter((p) => p.trim() !== '')) {
    const colon = part.indexOf(':');
    const field = colon === -1 ? part : part.slice(0, colon);
    const value = colon === -1 ? '' : part.slice(colon + 1);
    if (!(FIELDS as readonly string[]).includes(field))
      throw invalid(`filter: unknown field "${field.slice(0, 40)}"; supported: ${FIELDS.join(', ')}`);
    if (value === '') throw invalid(`filter: "${field}" needs a value`);
    if (field === 'query') filter.query = value;
    else if (field === 'role') filter.roles = value.split('|').filter((r) => r !== '');
    else {
      let json: unknown;
      try {
        json = JSON.parse(value);
      } catch {
        throw invalid('filter: lastSeen must be {"never":true}, {"noData":true} or {"before":<epoch ms>}');
      }
      filter.lastSeen = parseInput(lastSeenFilterSchema, json, 'filter.lastSeen');
    }
  }
  return filter;
}

export function memberMatches(member: MemberRecord, filter: MemberFilter): boolean {
  if (filter.query !== undefined) {
    const needle = filter.query.toLowerCase();
    const haystack = [member.email, member.firstName ?? '', member.lastName ?? ''].map((s) =>
      s.toLowerCase(),
    );
    if (!haystack.some((s) => s.includes(needle))) return false;
  }
  if (filter.roles !== undefined) {
    const held = (role: string) =>
      member.role === role ||
      member.customRoles.includes(role) ||
      (role === 'admin' && member.role === 'owner');
    if (!filter.roles.some(held)) return false;
  }
  const { lastSeen } = filter;
  if (lastSeen !== undefined) {
    // Activity has been recorded since the first call, so "no data" and "never" are the same here.
    if ('before' in lastSeen) return member.lastSeen === undefined || member.lastSeen < lastSeen.before;
    return member.lastSeen === undefined;
  }
  return true;
}

const displayName = (m: MemberRecord) =>
  [m.firstName, m.lastName].filter((n) => n !== undefined && n !== '').join(' ') || m.email;

/** LaunchDarkly's member sorts: by display name or last seen, `-` for descending. */
export function sortMembers(members: readonly MemberRecord[], sort?: string): MemberRecord[] {
  if (sort === undefined) return [...members];
  const descending = sort.startsWith('-');
  const by = sort.replace(/^-/, '');
  const sorted = [...members].sort((a, b) =>
    by === 'lastSeen' ? (a.lastSeen ?? 0) - (b.lastSeen ?? 0) : displayName(a).localeCompare(displayName(b)),
  );
  return descending ? sorted.reverse() : sorted;
}
