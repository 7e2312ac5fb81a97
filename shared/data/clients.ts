import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import { traced } from '../observability/tracer.js';
import { DeadlineGuard } from './deadline.js';
import { boundedRequestHandler } from './request-handler.js';

/**
 * The DynamoDB clients, created on first use, configured once (endpoint override for DynamoDB
 * Local), reused across invocations. The EventBridge and API Gateway clients live in
 * shared/events/clients.ts, so that functions which never publish do not bundle them. Every call
 * is bounded: a timeout per attempt and a number of attempts (DYNAMODB_TIMEOUT_MS,
 * DYNAMODB_MAX_ATTEMPTS), so a stalled database is a fast 503, never a hang. The authorizer's
 * reads are bounded tighter still (see `withinAuthorizerBounds`). On Lambda every call is an X-Ray
 * subsegment (`traced`); the document client shares the base client's middleware, so it is too.
 */
let base: DynamoDBClient | undefined;
let document: DynamoDBDocumentClient | undefined;

/** The authorizer's bounds, read when each decision starts (AUTHORIZER_READ_*, AUTHORIZER_BREAKER_MS). */
const authorizerGuard = new DeadlineGuard(() => ({
  attemptTimeoutMs: config.authorizerReadTimeoutMs(),
  budgetMs: config.authorizerReadBudgetMs(),
  breakerMs: config.authorizerBreakerMs(),
}));

export function dynamoBase(): DynamoDBClient {
  if (base === undefined) {
    const endpoint = config.dynamoEndpoint();
    base = traced(
      new DynamoDBClient({
        region: config.region(),
        requestHandler: boundedRequestHandler(config.dynamoTimeoutMs(), authorizerGuard),
        maxAttempts: config.dynamoMaxAttempts(),
        ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      }),
    );
  }
  return base;
}

export function dynamo(): DynamoDBDocumentClient {
  document ??= DynamoDBDocumentClient.from(dynamoBase(), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return document;
}

/**
 * Runs an authorizer decision with the authorizer's bounds on its DynamoDB calls: a short timeout
 * per attempt, one budget for all of them, and a breaker, so that while the database does not
 * answer, a decision fails (closed: a 503) after one budget at most, and in microseconds once the
 * breaker is open. A fault thrown here is a `DatabaseUnavailableError` or the SDK's `TimeoutError`.
 */
export function withinAuthorizerBounds<T>(decision: () => Promise<T>): Promise<T> {
  return authorizerGuard.run(decision);
}
