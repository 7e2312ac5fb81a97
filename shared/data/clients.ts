import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import { boundedRequestHandler } from './request-handler.js';

/**
 * The DynamoDB clients, created on first use, configured once (endpoint override for DynamoDB
 * Local), reused across invocations. The EventBridge and API Gateway clients live in
 * shared/events/clients.ts, so that functions which never publish do not bundle them. Every call
 * is bounded: a timeout per attempt and a number of attempts (DYNAMODB_TIMEOUT_MS,
 * DYNAMODB_MAX_ATTEMPTS), so a stalled database is a fast 503, never a hang.
 */
let base: DynamoDBClient | undefined;
let document: DynamoDBDocumentClient | undefined;

export function dynamoBase(): DynamoDBClient {
  if (base === undefined) {
    const endpoint = config.dynamoEndpoint();
    base = new DynamoDBClient({
      region: config.region(),
      requestHandler: boundedRequestHandler(config.dynamoTimeoutMs()),
      maxAttempts: config.dynamoMaxAttempts(),
      ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    });
  }
  return base;
}

export function dynamo(): DynamoDBDocumentClient {
  document ??= DynamoDBDocumentClient.from(dynamoBase(), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return document;
}
