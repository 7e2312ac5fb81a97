import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';

/**
 * The one client module: each AWS client is created on first use, configured once (endpoint
 * override for DynamoDB Local), and reused across invocations.
 */
let base: DynamoDBClient | undefined;
let document: DynamoDBDocumentClient | undefined;
let events: EventBridgeClient | undefined;
let gateway: APIGatewayClient | undefined;

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

export function eventBridge(): EventBridgeClient {
  events ??= new EventBridgeClient({ region: config.region() });
  return events;
}

export function apiGateway(): APIGatewayClient {
  gateway ??= new APIGatewayClient({ region: config.region() });
  return gateway;
}
