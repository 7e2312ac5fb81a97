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
  },
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
  /** The public base URL, for `_links` (defaults to relative links). */
  baseUrl: () => optional('PUBLIC_BASE_URL') ?? '',
};
