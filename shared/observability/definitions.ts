import {
  DETAIL_TYPES,
  type DetailType,
  REVOCATION_REASONS,
  type RevocationReason,
} from '../events/events.js';

/**
 * Every metric the service emits, in one place: its name, unit, meaning, and the complete list of
 * its series (the dimension values it may carry besides `service`). The recorder accepts nothing
 * else, the CloudWatch dashboard and alarms are built from this list, and `GET /_local/metrics`
 * lists it; so a series cannot be emitted that nothing shows, and no dimension can hold a token id,
 * member id or anything else without bound. (A plain module: the CDK app reads it too.)
 */

/** The `service` dimension of every metric (Powertools' default dimension). */
export const SERVICE_NAME = 'access-tokens';

/** One CloudWatch namespace per stage: `AccessTokens/prod`; `AccessTokens/local` for `npm start`. */
export const metricsNamespace = (stage: string) => `AccessTokens/${stage}`;

/**
 * Why the authorizer decided as it did (`Authorizations`), by outcome. `deny` also counts the
 * handlers' refusals of an action (403): the token's scope (`scope_denied`) or its member's
 * current permissions (`member_denied`) did not allow it.
 */
export const AUTHORIZATION_REASONS = {
  allow: ['personal_token', 'service_token', 'session'],
  deny: [
    'malformed',
    'unknown_token',
    'revoked',
    'expired',
    'secret_expired',
    'member_removed',
    'address_refused',
    'scope_denied',
    'member_denied',
  ],
  error: ['database_unavailable', 'internal'],
} as const;

export type AuthorizationOutcome = keyof typeof AUTHORIZATION_REASONS;
export type AuthorizationSeries = {
  [O in AuthorizationOutcome]: {
    readonly outcome: O;
    readonly reason: (typeof AUTHORIZATION_REASONS)[O][number];
  };
}[AuthorizationOutcome];

type NoDimensions = Readonly<Record<string, never>>;

export interface MetricDefinition {
  readonly unit: 'Count' | 'Milliseconds';
  readonly description: string;
  readonly series: readonly Readonly<Record<string, string>>[];
}

const authorizationSeries: readonly AuthorizationSeries[] = (
  Object.keys(AUTHORIZATION_REASONS) as AuthorizationOutcome[]
).flatMap((outcome) =>
  AUTHORIZATION_REASONS[outcome].map((reason) => ({ outcome, reason }) as AuthorizationSeries),
);

export const METRICS = {
  Authorizations: {
    unit: 'Count',
    description:
      "The authorizer's decisions (API Gateway's cached answers are not decisions) and the handlers' 403s, by outcome and reason",
    series: authorizationSeries,
  },
  AuthorizerCacheFlushes: {
    unit: 'Count',
    description:
      "Flushes of the stage's authorizer cache after a change of rights, by handlers and stream handlers",
    series: [{ outcome: 'ok' }, { outcome: 'failed' }] as readonly { readonly outcome: 'ok' | 'failed' }[],
  },
  TokensRevoked: {
    unit: 'Count',
    description: '`Token Revoked` events published, by reason',
    series: REVOCATION_REASONS.map((reason) => ({ reason })) as readonly {
      readonly reason: RevocationReason;
    }[],
  },
  EventsPublished: {
    unit: 'Count',
    description: 'Events published (EventBridge; locally the event sink), by detail-type',
    series: DETAIL_TYPES.map((detailType) => ({ detailType })) as readonly {
      readonly detailType: DetailType;
    }[],
  },
  EventsFailed: {
    unit: 'Count',
    description: 'Events that could not be published (their stream record fails and is retried)',
    series: [{}] as readonly NoDimensions[],
  },
  StreamLag: {
    unit: 'Milliseconds',
    description:
      "From a committed change (its event's occurredAt) to its event published: how far behind revocation is. `Token Revoked` for an expiry (`expired`, `reset`) is left out: the authorizer refuses the token or secret from its expiry on, and the event waits for the item's removal (TTL, the grace sweeper); a reset's own write is measured by its `Token Reset`",
    series: [{}] as readonly NoDimensions[],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
/** The dimensions (besides `service`) that metric `N` may carry. */
export type SeriesOf<N extends MetricName> = (typeof METRICS)[N]['series'][number];

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** A series' key: its metric name and its dimensions in a fixed order. */
export function seriesKey(name: string, dimensions: Readonly<Record<string, string>>): string {
  const keys = Object.keys(dimensions);
  if (keys.length === 0) return name;
  if (keys.length > 1) keys.sort();
  let key = name;
  for (const k of keys) key += `|${k}=${dimensions[k]}`;
  return key;
}
