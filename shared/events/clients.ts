import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { config } from '../config/config.js';
import { boundedRequestHandler } from '../data/request-handler.js';
import { traced } from '../observability/tracer.js';

/**
 * The EventBridge and API Gateway clients (publishing; authorizer cache flushes by the stream
 * handlers and by the CRUD functions after a change of rights), created once on first use, every
 * call bounded like DynamoDB's: a timeout per attempt and a number of attempts, and traced on Lambda.
 */
let events: EventBridgeClient | undefined;
let gateway: APIGatewayClient | undefined;

/** Every AWS client but DynamoDB's is bounded so (the Cognito client of user-directory.ts too). */
export const bounded = () => ({
  region: config.region(),
  requestHandler: boundedRequestHandler(config.awsCallTimeoutMs()),
  maxAttempts: config.awsCallMaxAttempts(),
});

export function eventBridge(): EventBridgeClient {
  events ??= traced(new EventBridgeClient(bounded()));
  return events;
}

export function apiGateway(): APIGatewayClient {
  gateway ??= traced(new APIGatewayClient(bounded()));
  return gateway;
}
