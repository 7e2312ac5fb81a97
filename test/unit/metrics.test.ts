import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AUTHORIZATION_REASONS,
  METRIC_NAMES,
  METRICS,
  type MetricDefinition,
  SERVICE_NAME,
  seriesKey,
} from '../../shared/observability/definitions.js';
import { MetricRegistry, RECENT } from '../../shared/observability/local-metrics.js';
import { localMetrics, publishMetrics, recordMetric } from '../../shared/observability/metrics.js';
import { traced } from '../../shared/observability/tracer.js';

const LAMBDA_ENV = {
  AWS_LAMBDA_FUNCTION_NAME: 'access-tokens-test',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  POWERTOOLS_METRICS_NAMESPACE: 'AccessTokens/test',
};

/** Runs `body` as if on Lambda, with every line written to stdout captured (and not printed). */
function onLambda(body: () => void): string[] {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const saved = Object.fromEntries(Object.keys(LAMBDA_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, LAMBDA_ENV);
  try {
    body();
  } finally {
    write.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return lines;
}

/** The local series of `name` with exactly these dimensions (besides `service`). */
const local = (name: string, dimensions: Record<string, string> = {}) =>
  localMetrics().metrics.find(
    (m) =>
      m.name === name &&
      seriesKey(name, m.dimensions) === seriesKey(name, { service: SERVICE_NAME, ...dimensions }),
  )!;

afterEach(() => vi.restoreAllMocks());

describe('the metric definitions', () => {
  it('give every metric a bounded set of series whose dimensions are outcomes, reasons or detail-types, never ids', () => {
    const names = new Set<string>();
    let series = 0;
    for (const name of METRIC_NAMES) {
      const definition: MetricDefinition = METRICS[name];
      series += definition.series.length;
      for (const dimensions of definition.series) for (const key of Object.keys(dimensions)) names.add(key);
    }
    expect([...names].sort()).toEqual(['detailType', 'outcome', 'reason']);
    expect(series).toBeLessThan(50);
  });

  it('list each authorization reason under exactly one outcome', () => {
    const reasons = Object.values(AUTHORIZATION_REASONS).flat();
    expect(new Set(reasons).size).toBe(reasons.length);
    expect(METRICS.Authorizations.series).toHaveLength(reasons.length);
  });
});

describe('metrics off Lambda (npm start, tests)', () => {
  it('are counted in memory by series, every defined series listed with service as a dimension', () => {
    const before = local('Authorizations', { outcome: 'deny', reason: 'expired' }).sum;
    recordMetric('Authorizations', { outcome: 'deny', reason: 'expired' });
    recordMetric('Authorizations', { outcome: 'deny', reason: 'expired' });
    expect(local('Authorizations', { outcome: 'deny', reason: 'expired' }).sum).toBe(before + 2);
    const snapshot = localMetrics();
    expect(snapshot.namespace).toBe('AccessTokens/local');
    expect(snapshot.metrics).toHaveLength(
      METRIC_NAMES.reduce((n, name) => n + METRICS[name].series.length, 0),
    );
    for (const m of snapshot.metrics) expect(m.dimensions.service).toBe(SERVICE_NAME);
  });

  it('drop a sample of a series no definition has, without throwing', () => {
    const before = JSON.stringify(localMetrics().metrics);
    expect(() =>
      recordMetric('Authorizations', { outcome: 'allow', reason: 'expired' } as never),
    ).not.toThrow();
    expect(JSON.stringify(localMetrics().metrics)).toBe(before);
  });

  it('write nothing to stdout, however much is recorded', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    for (let i = 0; i < 200; i++) recordMetric('StreamLag', {}, i);
    publishMetrics();
    expect(lines).toEqual([]);
  });
});

describe('the in-memory registry', () => {
  it("keeps CloudWatch's statistics, with percentiles over the most recent samples of a duration", () => {
    const registry = new MetricRegistry('AccessTokens/local');
    const key = seriesKey('StreamLag', {});
    for (let i = 1; i <= 100; i++) registry.add(key, i);
    const lag = registry.snapshot().metrics.find((m) => m.name === 'StreamLag')!;
    expect(lag).toMatchObject({
      unit: 'Milliseconds',
      count: 100,
      sum: 5050,
      min: 1,
      max: 100,
      p50: 50,
      p90: 90,
      p99: 99,
    });
    // Only the last RECENT samples make the percentiles; min, max and count cover everything.
    for (let i = 0; i < RECENT; i++) registry.add(key, 1000);
    const later = registry.snapshot().metrics.find((m) => m.name === 'StreamLag')!;
    expect(later).toMatchObject({ count: 100 + RECENT, min: 1, max: 1000, p50: 1000 });
  });

  it('shows a series nothing was recorded in with zeros and no extremes', () => {
    const registry = new MetricRegistry('AccessTokens/local');
    expect(registry.add('NoSuchMetric', 1)).toBe(false);
    const failed = registry.snapshot().metrics.find((m) => m.name === 'EventsFailed')!;
    expect(failed).toEqual({
      name: 'EventsFailed',
      unit: 'Count',
      dimensions: { service: SERVICE_NAME },
      count: 0,
      sum: 0,
      min: null,
      max: null,
    });
  });
});

describe('metrics on Lambda', () => {
  it('are written as EMF at the end of the invocation, one line per set of dimensions, counters summed', () => {
    const lines = onLambda(() => {
      recordMetric('Authorizations', { outcome: 'deny', reason: 'expired' });
      recordMetric('Authorizations', { outcome: 'deny', reason: 'expired' });
      recordMetric('Authorizations', { outcome: 'deny', reason: 'revoked' });
      recordMetric('EventsFailed', {}, 3);
      for (let i = 0; i < 150; i++) recordMetric('StreamLag', {}, i);
      publishMetrics();
    });
    const blobs = lines.map((line) => JSON.parse(line));
    for (const blob of blobs) {
      expect(blob.service).toBe(SERVICE_NAME);
      expect(blob._aws.CloudWatchMetrics[0].Namespace).toBe('AccessTokens/test');
    }
    const byReason = (reason: string) => blobs.find((b) => b.reason === reason);
    expect(byReason('expired')).toMatchObject({ outcome: 'deny', Authorizations: 2 });
    expect(byReason('expired')._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['service', 'outcome', 'reason'],
    ]);
    expect(byReason('revoked')).toMatchObject({ outcome: 'deny', Authorizations: 1 });
    // Without dimensions of their own: EMF takes at most 100 values per metric and line.
    const plain = blobs.filter((b) => b.reason === undefined);
    expect(plain.every((b) => b._aws.CloudWatchMetrics[0].Dimensions[0].join() === 'service')).toBe(true);
    expect(plain.flatMap((b) => b.StreamLag ?? [])).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(plain.every((b) => (b.StreamLag?.length ?? 0) <= 100)).toBe(true);
    expect(plain.reduce((n, b) => n + (b.EventsFailed ?? 0), 0)).toBe(3);
    expect(blobs).toHaveLength(4);
  });

  it('are written once: the next invocation starts empty', () => {
    const lines = onLambda(() => {
      recordMetric('AuthorizerCacheFlushes', { outcome: 'ok' });
      publishMetrics();
      publishMetrics();
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ outcome: 'ok', AuthorizerCacheFlushes: 1 });
  });
});

describe('tracing', () => {
  const xray = (client: DynamoDBClient) =>
    client.middlewareStack.identify().some((entry) => entry.startsWith('XRaySDKInstrumentation'));

  it('leaves AWS clients as they are off Lambda', () => {
    expect(xray(traced(new DynamoDBClient({ region: 'us-east-1' })))).toBe(false);
  });

  it('records every call of an AWS client as an X-Ray subsegment on Lambda, unless turned off', () => {
    let on = false;
    let off = true;
    onLambda(() => {
      on = xray(traced(new DynamoDBClient({ region: 'us-east-1' })));
      process.env.POWERTOOLS_TRACE_ENABLED = 'false';
      off = xray(traced(new DynamoDBClient({ region: 'us-east-1' })));
      delete process.env.POWERTOOLS_TRACE_ENABLED;
    });
    expect(on).toBe(true);
    expect(off).toBe(false);
  });
});
