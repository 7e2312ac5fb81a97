import { createHash } from 'node:crypto';
import type { AccessEventOf, DetailOf } from './event-schemas.js';

/** The events consumers react to (API.md "Revocation events"), on EventBridge with this source. */
export const EVENT_SOURCE = 'access-tokens';

export const DETAIL_TYPES = [
  'Token Created',
  'Token Revoked',
  'Token Reset',
  'Member Removed',
  'Member Permissions Changed',
  'Token Expiring',
] as const;
export type DetailType = (typeof DETAIL_TYPES)[number];

export const REVOCATION_REASONS = [
  'deleted',
  'member_removed',
  'expired',
  'reset',
  'leaked',
  'inactive',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

// The shapes are the zod schemas of event-schemas.ts (which also make docs/events/*.json); only
// their types are imported here, so that publishing carries no zod into the stream handlers.
export type EventDetail<T extends DetailType = DetailType> = DetailOf<T>;
/** The EventBridge event shape (what the local sink stores and `GET /_local/events` returns). */
export type AccessEvent<T extends DetailType = DetailType> = AccessEventOf<T>;

/**
 * A deterministic event id: the same stream record (its eventID survives redelivery) and the same
 * change give the same id, so a consumer can drop duplicates. Shaped like a UUID.
 */
export function eventIdOf(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function accessEvent<T extends DetailType>(
  detailType: T,
  fields: Omit<EventDetail<T>, 'eventId'>,
  idParts: readonly string[],
): AccessEvent<T> {
  const eventId = eventIdOf(detailType, ...idParts);
  return {
    id: eventId,
    source: EVENT_SOURCE,
    'detail-type': detailType,
    time: new Date(fields.occurredAt).toISOString(),
    detail: { eventId, ...fields },
  } as AccessEvent<T>;
}
