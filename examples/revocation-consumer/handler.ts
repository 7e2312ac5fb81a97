import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { accessEventSchema } from '../../shared/events/event-schemas.js';
import { DenyList } from './deny-list.js';

/** What one event did to the deny-list. */
export type Outcome = 'denied' | 'repeat' | 'ignored';

/**
 * One SQS message: its body is the EventBridge event, parsed with the service's own zod schema
 * (a body that is not a valid event throws, so the message is retried and then dead-lettered, where
 * the alarm shows it). A revoked token goes on the deny-list; a `reset` revokes one secret of a
 * token that lives on, so it does not.
 */
export async function applyEvent(denyList: DenyList, message: SQSRecord): Promise<Outcome> {
  const event = accessEventSchema.parse(JSON.parse(message.body));
  if (event['detail-type'] !== 'Token Revoked' || event.detail.reason === 'reset') return 'ignored';
  const { accountId, tokenId, reason, occurredAt, eventId } = event.detail;
  return (await denyList.deny({ accountId, tokenId, reason, occurredAt }, eventId)) ? 'denied' : 'repeat';
}

/** The Lambda handler over a deny-list: Powertools' partial batch response names the failed messages. */
export function revocationConsumer(denyList: DenyList) {
  const processor = new BatchProcessor(EventType.SQS);
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, (message: SQSRecord) => applyEvent(denyList, message), processor, {
      context,
      throwOnFullBatchFailure: false,
    });
}

let configured: ReturnType<typeof revocationConsumer> | undefined;

/** Read on first use, not at import: DENY_LIST_TABLE (required), DYNAMODB_ENDPOINT (DynamoDB Local). */
function fromEnvironment(): ReturnType<typeof revocationConsumer> {
  const tableName = process.env.DENY_LIST_TABLE;
  if (!tableName) throw new Error('DENY_LIST_TABLE is not set: the name of the deny-list table');
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient(
    endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {},
  );
  return revocationConsumer(new DenyList(DynamoDBDocumentClient.from(client), tableName));
}

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  configured ??= fromEnvironment();
  return configured(event, context);
};
