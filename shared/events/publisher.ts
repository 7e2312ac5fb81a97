import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { config } from '../config/config.js';
import { recordMetric } from '../observability/metrics.js';
import { eventBridge } from './clients.js';
import type { AccessEvent } from './events.js';

const MAX_ATTEMPTS = 4;
const BATCH = 10;

export class PublishError extends Error {}

/**
 * Publishes events: on AWS to the EventBridge bus with PutEvents, which can answer 200 with
 * FailedEntryCount > 0, so the failed entries are retried (with backoff) and a lasting failure
 * throws, failing the stream record so it is retried; locally to the local event sink. What was
 * published is counted (`EventsPublished`, `TokensRevoked`, `StreamLag`), and so is what was not
 * (`EventsFailed`).
 */
export async function publish(events: readonly AccessEvent[]): Promise<void> {
  if (events.length === 0) return;
  let published = 0;
  const counted = (done: readonly AccessEvent[]) => {
    published += done.length;
    countPublished(done);
  };
  try {
    const sink = config.localEventSink();
    if (sink !== undefined) return counted(await publishLocally(sink, events));
    for (let i = 0; i < events.length; i += BATCH) await putEvents(events.slice(i, i + BATCH), counted);
  } catch (error) {
    recordMetric('EventsFailed', {}, events.length - published);
    throw error;
  }
}

const toEntry = (bus: string, event: AccessEvent): PutEventsRequestEntry => ({
  EventBusName: bus,
  Source: event.source,
  DetailType: event['detail-type'],
  Detail: JSON.stringify(event.detail),
  Time: new Date(event.time),
});

/** One PutEvents batch, its failed entries retried with backoff; `done` hears of each entry that went. */
async function putEvents(batch: readonly AccessEvent[], done: (events: readonly AccessEvent[]) => void) {
  const bus = config.eventBusName();
  let pending = batch;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const result = await eventBridge().send(
      new PutEventsCommand({ Entries: pending.map((event) => toEntry(bus, event)) }),
    );
    // Entries answer in request order; the failed ones carry an ErrorCode.
    const failed = result.FailedEntryCount
      ? pending.filter((_, index) => result.Entries?.[index]?.ErrorCode !== undefined)
      : [];
    done(pending.filter((event) => !failed.includes(event)));
    if (failed.length === 0) return;
    if (attempt >= MAX_ATTEMPTS) {
      const codes = [...new Set(result.Entries?.map((e) => e.ErrorCode).filter(Boolean))].join(', ');
      throw new PublishError(
        `PutEvents failed for ${failed.length} event(s) after ${attempt} attempts: ${codes}`,
      );
    }
    pending = failed;
    await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
  }
}

async function publishLocally(sink: string, events: readonly AccessEvent[]): Promise<readonly AccessEvent[]> {
  const response = await fetch(sink, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: events }),
  });
  if (!response.ok) throw new PublishError(`the local event sink answered ${response.status}`);
  return events;
}

/**
 * Counts published events: by detail-type, revocations by reason, and the lag from each change
 * (its `occurredAt`, stamped by the write that made it) to now. Revocations by expiry are left out
 * of the lag: a token (`expired`) or an old secret (`reset`) stopped working at its expiry, which
 * the authorizer checks itself, and the event waits for the item's removal (DynamoDB's TTL, up to
 * days on AWS; the grace sweeper, every minute). A reset's own write is measured by `Token Reset`.
 */
function countPublished(events: readonly AccessEvent[]): void {
  const now = Date.now();
  for (const event of events) {
    recordMetric('EventsPublished', { detailType: event['detail-type'] });
    const reason = event['detail-type'] === 'Token Revoked' ? event.detail.reason : undefined;
    if (reason !== undefined) recordMetric('TokensRevoked', { reason });
    if (reason !== 'expired' && reason !== 'reset')
      recordMetric('StreamLag', {}, Math.max(0, now - event.detail.occurredAt));
  }
}
