import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * The HTTP handler of every AWS client (DynamoDB, EventBridge, API Gateway): each attempt is
 * bounded by a connection and a whole-request timeout (the clients bound the attempts), so a
 * stalled dependency is a fast failure instead of a hang. A timed-out attempt fails with
 * `TimeoutError` (see `isUnavailable` in shared/http/api-handler.ts). `throwOnRequestTimeout`:
 * without it, `requestTimeout` only logs a warning.
 */
export function boundedRequestHandler(timeoutMs: number): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    throwOnRequestTimeout: true,
  });
}
