import { METRIC_NAMES, METRICS, type MetricDefinition, SERVICE_NAME, seriesKey } from './definitions.js';

/** One defined series: a metric and the dimensions it carries besides `service`. */
export interface SeriesDefinition {
  readonly name: string;
  readonly unit: MetricDefinition['unit'];
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Every series METRICS allows, by key: what the recorder accepts, and nothing else. */
export const SERIES: ReadonlyMap<string, SeriesDefinition> = new Map(
  METRIC_NAMES.flatMap((name) => {
    const { unit, series } = METRICS[name] as MetricDefinition;
    return series.map((dimensions) => [seriesKey(name, dimensions), { name, unit, dimensions }] as const);
  }),
);

/**
 * One series in `GET /_local/metrics`: CloudWatch's statistics over everything recorded since the
 * process started (`count` is SampleCount; a counter's total is `sum`). Durations also get
 * percentiles, over their most recent {@link RECENT} samples. `min`/`max`/percentiles are null
 * while nothing was recorded.
 */
export interface LocalSeries {
  readonly name: string;
  readonly unit: MetricDefinition['unit'];
  /** `service` and the series' own dimensions, as CloudWatch shows them. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly count: number;
  readonly sum: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly p50?: number | null;
  readonly p90?: number | null;
  readonly p99?: number | null;
}

export interface LocalMetrics {
  readonly namespace: string;
  /** When this process started counting (epoch ms): every figure is since then. */
  readonly since: number;
  /** Every defined series, in definition order, recorded or not. */
  readonly metrics: readonly LocalSeries[];
}

/** Samples kept per duration series for its percentiles: memory stays bounded however long it runs. */
export const RECENT = 1024;

interface Stats {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Durations only: a ring of the most recent samples. */
  readonly recent?: number[];
  next: number;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * The local stand-in for CloudWatch: the same recordings the Lambdas send as EMF, aggregated in
 * memory per series, for `GET /_local/metrics` and the tests that read it. Its size is fixed by
 * the definitions (a counter per series, at most {@link RECENT} samples per duration series).
 */
export class MetricRegistry {
  private readonly stats = new Map<string, Stats>();
  readonly since = Date.now();

  constructor(private readonly namespace: string) {
    for (const [key, series] of SERIES) {
      const recent = series.unit === 'Milliseconds' ? { recent: [] } : {};
      this.stats.set(key, { count: 0, sum: 0, min: Infinity, max: -Infinity, next: 0, ...recent });
    }
  }

  /** Adds a sample to a defined series; false (and nothing kept) for a key no definition has. */
  add(key: string, value: number): boolean {
    const stats = this.stats.get(key);
    if (stats === undefined) return false;
    stats.count++;
    stats.sum += value;
    if (value < stats.min) stats.min = value;
    if (value > stats.max) stats.max = value;
    if (stats.recent !== undefined) {
      stats.recent[stats.next] = value;
      stats.next = (stats.next + 1) % RECENT;
    }
    return true;
  }

  snapshot(): LocalMetrics {
    const metrics = [...SERIES].map(([key, series]): LocalSeries => {
      const stats = this.stats.get(key)!;
      const recorded = stats.count > 0;
      const base = {
        name: series.name,
        unit: series.unit,
        dimensions: { service: SERVICE_NAME, ...series.dimensions },
        count: stats.count,
        sum: stats.sum,
        min: recorded ? stats.min : null,
        max: recorded ? stats.max : null,
      };
      if (stats.recent === undefined) return base;
      const sorted = [...stats.recent].sort((a, b) => a - b);
      return {
        ...base,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
      };
    });
    return { namespace: this.namespace, since: this.since, metrics };
  }
}
