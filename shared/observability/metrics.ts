import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import { config } from '../config/config.js';
import { logger } from '../http/logger.js';
import type { AuthorizationSeries, MetricName, SeriesOf } from './definitions.js';
import { SERVICE_NAME, seriesKey } from './definitions.js';
import { type LocalMetrics, MetricRegistry, SERIES, type SeriesDefinition } from './local-metrics.js';

/**
 * The one recorder every call site uses. Where the samples go depends on where the code runs:
 * - on Lambda, into a buffer that {@link publishMetrics} writes at the end of each invocation as
 *   CloudWatch EMF, through Powertools Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE,
 *   dimension `service`);
 * - anywhere else (`npm start`, tests), into an in-memory registry read by `GET /_local/metrics`:
 *   nothing is printed, so the local stack's stdout stays quiet.
 * Recording never throws: a metric is never a reason for a request to fail.
 */

interface Pending {
  readonly series: SeriesDefinition;
  readonly values: number[];
}

/** This invocation's samples, by series key (Lambda runs one invocation at a time per instance). */
const pending = new Map<string, Pending>();
let registry: MetricRegistry | undefined;
let emf: Metrics | undefined;

/** Adds a sample (a count of 1 unless given) to one of the series METRICS defines for `name`. */
export function recordMetric<N extends MetricName>(name: N, dimensions: SeriesOf<N>, value = 1): void {
  const key = seriesKey(name, dimensions);
  const series = SERIES.get(key);
  if (series === undefined) {
    logger.warn('metric series not defined; sample dropped', { metric: key });
    return;
  }
  if (!config.onLambda()) {
    localRegistry().add(key, value);
    return;
  }
  const buffered = pending.get(key);
  if (buffered === undefined) pending.set(key, { series, values: [value] });
  // Counters are summed here: one value per series and invocation is all CloudWatch's Sum needs.
  else if (series.unit === 'Count') buffered.values[0]! += value;
  else buffered.values.push(value);
}

export const countAuthorization = (series: AuthorizationSeries) => recordMetric('Authorizations', series);

/** The in-memory registry of this process (the local stack's `GET /_local/metrics`). */
export function localRegistry(): MetricRegistry {
  registry ??= new MetricRegistry(config.metricsNamespace());
  return registry;
}

export const localMetrics = (): LocalMetrics => localRegistry().snapshot();

/**
 * Writes this invocation's samples as EMF, one line per set of dimensions: a Powertools EMF blob
 * holds one value list per metric name under one dimension set, so two reasons of the same metric
 * in one invocation (a stream batch revoking for two reasons) need two blobs. Locally there is
 * nothing to write.
 */
export function publishMetrics(): void {
  if (pending.size === 0) return;
  try {
    emf ??= new Metrics({ namespace: config.metricsNamespace(), serviceName: SERVICE_NAME, logger });
    const groups = new Map<string, Pending[]>();
    for (const entry of pending.values()) {
      const group = seriesKey('', entry.series.dimensions);
      groups.set(group, [...(groups.get(group) ?? []), entry]);
    }
    for (const entries of groups.values()) writeGroup(emf, entries);
  } catch (error) {
    logger.warn('metrics could not be written', { error: error as Error });
  } finally {
    pending.clear();
  }
}

/**
 * Values per metric per blob: EMF takes 100, and Powertools writes a blob by itself when a metric
 * reaches 100, clearing the dimensions that the rest of the set still needed; 99 stays below it.
 */
const EMF_MAX_VALUES = 99;

function writeGroup(metrics: Metrics, entries: readonly Pending[]): void {
  const { dimensions } = entries[0]!.series;
  const chunks = Math.max(...entries.map((entry) => Math.ceil(entry.values.length / EMF_MAX_VALUES)));
  for (let chunk = 0; chunk < chunks; chunk++) {
    if (Object.keys(dimensions).length > 0) metrics.addDimensions({ ...dimensions });
    for (const { series, values } of entries) {
      for (const value of values.slice(chunk * EMF_MAX_VALUES, (chunk + 1) * EMF_MAX_VALUES))
        metrics.addMetric(series.name, MetricUnit[series.unit], value);
    }
    metrics.publishStoredMetrics();
  }
}

/**
 * Middy middleware for the API functions: publishes the invocation's metrics when it ends, answered
 * or failed. Used first in the chain, so that it runs after every other middleware's `after`.
 */
export const metricsPublisher = (): middy.MiddlewareObj => ({
  after: async () => publishMetrics(),
  onError: async () => publishMetrics(),
});
