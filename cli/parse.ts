import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time as people write it: a duration from now (`90m`, `24h`, `7d`, `2w`), an ISO date
 * or date-time (`2026-01-31`, `2026-01-31T12:00Z`), or epoch milliseconds. Returns epoch ms.
 */
export function parseTime(text: string, now = Date.now()): number {
  const duration = /^(\d+)([mhdw])$/.exec(text);
  if (duration) return now + Number(duration[1]) * UNITS[duration[2]!]!;
  if (/^\d{10,}$/.test(text)) return Number(text);
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(parsed))
    throw new InvalidArgumentError(
      'expected a duration (90m, 24h, 7d, 2w), an ISO date or epoch milliseconds',
    );
  return parsed;
}

/** `--expires-at`: a time, or `never` (no expiry). */
export function parseExpiry(text: string): number | 'never' {
  return text === 'never' ? 'never' : parseTime(text);
}

/** A policy: JSON text, or `@file` holding it. Its statements are checked by the API, which names the field. */
export function parsePolicy(text: string): unknown[] {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = readFileSync(text.slice(1), 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`cannot read ${text.slice(1)}: ${(error as Error).message}`);
    }
  }
  let policy: unknown;
  try {
    policy = JSON.parse(source);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(policy))
    throw new InvalidArgumentError(
      'a policy is a JSON array of statements, e.g. [{"effect":"allow","actions":["viewProject"],"resources":["proj/*"]}]',
    );
  return policy;
}

/** A repeatable option's collector: `--custom-role a --custom-role b` → ['a', 'b']. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}
