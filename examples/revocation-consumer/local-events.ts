import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';

/**
 * The local stack's events after `after` (an event id; every event without it), oldest first:
 * `GET /_local/events?after=`. Keep the last id read as the cursor for the next call; the events
 * are kept in the data folder, so the cursor works across restarts of `npm start`.
 */
export async function localEventsAfter(baseUrl: string, after?: string): Promise<unknown[]> {
  const url = new URL('/_local/events', baseUrl);
  if (after !== undefined) url.searchParams.set('after', after);
  const response = await fetch(url);
  const body = (await response.json()) as { items?: unknown[]; message?: string };
  if (!response.ok) throw new Error(`GET ${url.pathname}${url.search}: ${response.status} ${body.message}`);
  return body.items ?? [];
}

/** Events as the SQS queue of the EventConsumer construct delivers them: one message per event. */
export function asSqsEvent(events: readonly unknown[]): SQSEvent {
  return {
    Records: events.map((event) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body: JSON.stringify(event),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'events.amazonaws.com',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:revocation-consumer',
      awsRegion: 'us-east-1',
    })),
  };
}
