/**
 * The one accessor for configuration. Read lazily (never at import time), validated, and failing
 * loudly with the name of what is missing.
 */
export class ConfigError extends Error {}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new ConfigError(`Missing configuration: environment variable ${name} is not set`);
  return value;
}

function optional(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(name: string, fallback: number): number {
  const text = optional(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`Invalid configuration: ${name} must be a non-negative integer, got "${text}"`);
  return value;
}

/** A bound that must be at least 1 (a timeout of 0 would mean none, 0 attempts would mean no call). */
function positive(name: string, fallback: number): number {
  const value = integer(name, fallback);
  if (value < 1) throw new ConfigError(`Invalid configuration: ${name} must be at least 1, got "${value}"`);
  return value;
}

export const config = {
  region: () => optional('AWS_REGION') ?? 'us-east-1',
  /** Endpoint override for DynamoDB Local; unset on AWS. */
  dynamoEndpoint: () => optional('DYNAMODB_ENDPOINT'),
  /**
   * How long one DynamoDB attempt may take, connecting included, and how many attempts a call
   * makes: a stalled database is a 503 after at most about timeout × attempts, never a hang.
   * DynamoDB answers in milliseconds; DynamoDB Local is a JVM on the developer's (or CI's) machine
   * that takes over a second per call while it warms up under load, hence its longer default.
   */
  dynamoTimeoutMs: () => positive('DYNAMODB_TIMEOUT_MS', optional('DYNAMODB_ENDPOINT') ? 2000 : 1000),
  dynamoMaxAttempts: () => positive('DYNAMODB_MAX_ATTEMPTS', 2),
  /**
   * The authorizer's reads have bounds of their own, since every request whose answer is not
   * cached waits for them. On AWS: 250 ms per attempt (a GetItem answers in a few ms, and a new
   * TLS connection takes about 100 ms), and 600 ms for all the reads of one decision (two such
   * attempts and the SDK's retry delay of at most 100 ms; a decision's one to three round trips
   * take a few ms each). Locally, DynamoDB Local on a loaded machine is as slow as a stalled one
   * for seconds at a time, so both follow DYNAMODB_TIMEOUT_MS: one attempt, no retry.
   */
  authorizerReadTimeoutMs: () =>
    positive('AUTHORIZER_READ_TIMEOUT_MS', optional('DYNAMODB_ENDPOINT') ? config.dynamoTimeoutMs() : 250),
  authorizerReadBudgetMs: () =>
    positive(
      'AUTHORIZER_READ_BUDGET_MS',
      optional('DYNAMODB_ENDPOINT') ? config.authorizerReadTimeoutMs() : 600,
    ),
  /**
   * After a decision found the database not answering, how long the authorizer's next decisions
   * fail at once (a 503 in microseconds) instead of each waiting out its budget; then one is let
   * through to try. Per process (on AWS, per Lambda instance). 0 turns the breaker off.
   */
  authorizerBreakerMs: () => integer('AUTHORIZER_BREAKER_MS', 1000),
  /** The same bounds for EventBridge and API Gateway calls (publishing, authorizer cache flushes). */
  awsCallTimeoutMs: () => positive('AWS_CALL_TIMEOUT_MS', 2000),
  awsCallMaxAttempts: () => positive('AWS_CALL_MAX_ATTEMPTS', 3),
  tables: {
    members: () => required('MEMBERS_TABLE'),
    tokens: () => required('TOKENS_TABLE'),
    roles: () => required('ROLES_TABLE'),
    resources: () => required('RESOURCES_TABLE'),
    /** Powertools idempotency records of the stream handlers. */
    idempotency: () => required('IDEMPOTENCY_TABLE'),
    /** The audit log (written by the stream handlers, read by the audit function). */
    audit: () => required('AUDIT_TABLE'),
  },
  /** How long an audit log entry is kept, in days (its `ttl`); the stage config sets it on AWS. */
  auditRetentionDays: () => positive('AUDIT_RETENTION_DAYS', 365),
  /** The EventBridge bus that events go to on AWS. */
  eventBusName: () => required('EVENT_BUS_NAME'),
  /** Locally: where published events go instead of EventBridge (the local event sink). */
  localEventSink: () => optional('LOCAL_EVENT_SINK'),
  /** The API whose authorizer cache the stream handlers and the CRUD functions flush on AWS. */
  restApiId: () => required('REST_API_ID'),
  stageName: () => required('STAGE_NAME'),
  /** Locally: the URL called to flush the local gateway's authorizer cache (stream handlers, CRUD handlers). */
  localFlushUrl: () => optional('LOCAL_AUTHORIZER_FLUSH_URL'),
  authorizerCacheTtlSeconds: () => integer('AUTHORIZER_CACHE_TTL', 300),
  /** Minimum milliseconds between two `lastUsed` writes of one token. */
  lastUsedIntervalMs: () => integer('LAST_USED_INTERVAL_MS', 60_000),
  /**
   * Origins allowed to call the API from a browser (the console's, on AWS): the handlers answer
   * them with `Access-Control-Allow-Origin`; API Gateway answers their preflights. Comma-separated;
   * unset (locally, where the console is on the API's own origin): no CORS headers.
   */
  corsAllowOrigins: (): readonly string[] =>
    (optional('CORS_ALLOW_ORIGINS') ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
  /** The public base URL, for `_links` (defaults to relative links). */
  baseUrl: () => optional('PUBLIC_BASE_URL') ?? '',
  /**
   * Console sign-in (`POST /sessions`): the OpenID Connect issuer whose ID tokens are exchanged for
   * session tokens, and the console's client id there (the ID token's audience). On AWS the stack
   * sets them (its Cognito user pool, or `-c oidcIssuer=… -c oidcClientId=…`); `npm start` sets
   * them to its embedded development provider.
   */
  oidcIssuer: () => required('OIDC_ISSUER'),
  oidcClientId: () => required('OIDC_CLIENT_ID'),
  /** Where the issuer's signing keys are; unset: found through the issuer's discovery document. */
  oidcJwksUri: () => optional('OIDC_JWKS_URI'),
  /** The account whose members sign in to the console (ID tokens are mapped to its members by e-mail). */
  consoleAccountId: () => required('CONSOLE_ACCOUNT_ID'),
  /**
   * The Cognito user pool the stack made for sign-in, if it made one: the members stream handler
   * keeps one user per member of the console account in it. Unset (an external issuer, or
   * locally): no directory is kept.
   */
  userPoolId: () => optional('USER_POOL_ID'),
  /**
   * Running as a Lambda function (the runtime sets AWS_LAMBDA_FUNCTION_NAME): metrics go out as
   * EMF, and traces to X-Ray. Anywhere else (`npm start`, tests) metrics stay in memory for
   * `GET /_local/metrics`, and nothing is traced.
   */
  onLambda: () => optional('AWS_LAMBDA_FUNCTION_NAME') !== undefined,
  /** The CloudWatch namespace of the service's metrics (`AccessTokens/<stage>`, set by the stack). */
  metricsNamespace: () => optional('POWERTOOLS_METRICS_NAMESPACE') ?? 'AccessTokens/local',
  /** X-Ray subsegments for AWS calls: on Lambda, unless POWERTOOLS_TRACE_ENABLED=false. */
  tracingEnabled: () => config.onLambda() && optional('POWERTOOLS_TRACE_ENABLED') !== 'false',
};
