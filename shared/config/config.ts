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

export const config = {
  region: () => optional('AWS_REGION') ?? 'us-east-1',
  /** Endpoint override for DynamoDB Local; unset on AWS. */
  dynamoEndpoint: () => optional('DYNAMODB_ENDPOINT'),
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
  /** The API whose authorizer cache the stream handlers flush on AWS. */
  restApiId: () => required('REST_API_ID'),
  stageName: () => required('STAGE_NAME'),
  /** Locally: the URL the stream handlers call to flush the local gateway's authorizer cache. */
  localFlushUrl: () => optional('LOCAL_AUTHORIZER_FLUSH_URL'),
  authorizerCacheTtlSeconds: () => integer('AUTHORIZER_CACHE_TTL', 300),
  /** Minimum milliseconds between two `lastUsed` writes of one token. */
  lastUsedIntervalMs: () => integer('LAST_USED_INTERVAL_MS', 60_000),
  /** The public base URL, for `_links` (defaults to relative links). */
  baseUrl: () => optional('PUBLIC_BASE_URL') ?? '',
};
