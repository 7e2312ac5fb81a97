import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { config } from '../config/config.js';

/** The EventBridge and API Gateway clients of the stream handlers, created once on first use. */
let events: EventBridgeClient | undefined;
let gateway: APIGatewayClient | undefined;

export function eventBridge(): EventBridgeClient {
  events ??= new EventBridgeClient({ region: config.region() });
  return events;
}

export function apiGateway(): APIGatewayClient {
  gateway ??= new APIGatewayClient({ region: config.region() });
  return gateway;
}
