import { createHash } from 'node:crypto';

/** The events consumers react to (API.md "Revocation events"), on EventBridge with this source. */
export const EVENT_SOURCE = 'access-tokens';

export type DetailType =
  | 'Token Created'
  | 'Token Revoked'
  | 'Token Reset'
  | 'Member Removed'
  | 'Member Permissions Changed';

export type RevocationReason = 'deleted' | 'member_removed' | 'expired' | 'reset';

export interface EventDetail {
  readonly eventId: string;
  readonly accountId: string;
  readonly memberId: string;
  readonly tokenId?: string;
  readonly reason?: RevocationReason;
  readonly occurredAt: number;
}

/** The EventBridge event shape (what the local sink stores and `GET /_local/events` returns). */
export interface AccessEvent {
  readonly id: string;
  readonly source: typeof EVENT_SOURCE;
  readonly 'detail-type': DetailType;
  readonly time: string;
  readonly detail: EventDetail;
}

/**
 * A deterministic event id: the same stream record (its eventID survives redelivery) and the same
 * change give the same id, so a consumer can drop duplicates. Shaped like a UUID.
 */
export function eventIdOf(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function accessEvent(
  detailType: DetailType,
  fields: Omit<EventDetail, 'eventId'>,
  idParts: readonly string[],
): AccessEvent {
  const eventId = eventIdOf(detailType, ...idParts);
  return {
    id: eventId,
    source: EVENT_SOURCE,
    'detail-type': detailType,
    time: new Date(fields.occurredAt).toISOString(),
    detail: { eventId, ...fields },
  };
}
