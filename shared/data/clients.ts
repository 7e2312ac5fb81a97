import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';

/**
 * The DynamoDB clients, created on first use, configured once (endpoint override for DynamoDB
 * Local), reused across invocations. The EventBridge and API Gateway clients live in
 * shared/events/clients.ts, so that functions which never publish do not bundle them.
 */
let base: DynamoDBClient | undefined;
let document: DynamoDBDocumentClient | undefined;

export function dynamoBase(): DynamoDBClient {
  if (base === undefined) {
    const endpoint = config.dynamoEndpoint();
    base = new DynamoDBClient({
      region: config.region(),
      ...(endpoint
        ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 2 }
        : {}),
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
