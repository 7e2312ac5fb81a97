import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { config } from '../config/config.js';
import { eventBridge } from './clients.js';
import type { AccessEvent } from './events.js';

const MAX_ATTEMPTS = 4;
const BATCH = 10;

export class PublishError extends Error {}

/**
 * Publishes events: on AWS to the EventBridge bus with PutEvents, which can answer 200 with
 * FailedEntryCount > 0, so the failed entries are retried (with backoff) and a lasting failure
 * throws, failing the stream record so it is retried; locally to the local event sink.
 */
export async function publish(events: readonly AccessEvent[]): Promise<void> {
  if (events.length === 0) return;
  const sink = config.localEventSink();
  if (sink !== undefined) return publishLocally(sink, events);
  const bus = config.eventBusName();
  for (let i = 0; i < events.length; i += BATCH) {
    let entries: PutEventsRequestEntry[] = events.slice(i, i + BATCH).map((event) => ({
      EventBusName: bus,
      Source: event.source,
      DetailType: event['detail-type'],
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.time),
    }));
    for (let attempt = 1; entries.length > 0; attempt++) {
      const result = await eventBridge().send(new PutEventsCommand({ Entries: entries }));
      if (!result.FailedEntryCount) break;
      // Entries answer in request order; the failed ones carry an ErrorCode.
      const failed = entries.filter((_, index) => result.Entries?.[index]?.ErrorCode !== undefined);
      if (attempt >= MAX_ATTEMPTS) {
        const codes = [...new Set(result.Entries?.map((e) => e.ErrorCode).filter(Boolean))].join(', ');
        throw new PublishError(
          `PutEvents failed for ${failed.length} event(s) after ${attempt} attempts: ${codes}`,
        );
      }
      entries = failed;
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

async function publishLocally(sink: string, events: readonly AccessEvent[]): Promise<void> {
  const response = await fetch(sink, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: events }),
  });
  if (!response.ok) throw new PublishError(`the local event sink answered ${response.status}`);
}
