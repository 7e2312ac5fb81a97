import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DeadlineGuard } from './deadline.js';

type HandleArguments = Parameters<NodeHttpHandler['handle']>;

/** Sends each attempt as `guard` says: with the time left to it, or not at all (see DeadlineGuard). */
class GuardedRequestHandler extends NodeHttpHandler {
  constructor(
    options: ConstructorParameters<typeof NodeHttpHandler>[0],
    private readonly guard: DeadlineGuard,
  ) {
    super(options);
  }

  override handle(request: HandleArguments[0], options: HandleArguments[1] = {}) {
    return this.guard.attempt((timeoutMs) =>
      super.handle(request, timeoutMs === undefined ? options : { ...options, requestTimeout: timeoutMs }),
    );
  }
}

/**
 * The HTTP handler of every AWS client (DynamoDB, EventBridge, API Gateway): each attempt is
 * bounded by a connection and a whole-request timeout (the clients bound the attempts), so a
 * stalled dependency is a fast failure instead of a hang. A timed-out attempt fails with
 * `TimeoutError` (see `isUnavailable` in shared/http/api-handler.ts). `throwOnRequestTimeout`:
 * without it, `requestTimeout` only logs a warning. With a `guard`, the calls made within
 * `guard.run` get its tighter bounds instead.
 */
export function boundedRequestHandler(timeoutMs: number, guard?: DeadlineGuard): NodeHttpHandler {
  const options = { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true };
  return guard === undefined ? new NodeHttpHandler(options) : new GuardedRequestHandler(options, guard);
}
