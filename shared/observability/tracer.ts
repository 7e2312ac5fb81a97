import { Tracer } from '@aws-lambda-powertools/tracer';
import { config } from '../config/config.js';
import { SERVICE_NAME } from './definitions.js';

/**
 * X-Ray through DynamoDB, EventBridge, API Gateway and Cognito: each AWS SDK client is wrapped once,
 * where it is made (Powertools Tracer's `captureAWSv3Client`), so every call it sends is a
 * subsegment of the invocation's trace (Lambda's active tracing makes the segment; API Gateway's
 * stage tracing starts the trace). HTTP calls are not captured besides: the SDK's own subsegments
 * already cover them. Off Lambda (or with POWERTOOLS_TRACE_ENABLED=false) the client is returned
 * as it is and no Tracer is made, so nothing runs per call: the local authorizer's path has no
 * trace code in it at all.
 */
let tracer: Tracer | undefined;

export function traced<Client extends object>(client: Client): Client {
  if (!config.tracingEnabled()) return client;
  tracer ??= new Tracer({ serviceName: SERVICE_NAME, captureHTTPsRequests: false });
  return tracer.captureAWSv3Client(client);
}
