import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  METRICS,
  type MetricName,
  metricsNamespace,
  SERVICE_NAME,
  type SeriesOf,
} from '../../shared/observability/definitions.js';

/**
 * The service's own metrics (the EMF the functions write, shared/observability/definitions.ts) as
 * CloudWatch metrics for one stage: what the dashboard shows and the alarms watch, by the same
 * names and dimensions the code records, so neither can name a series that is never emitted.
 */
export class ServiceMetrics {
  readonly namespace: string;

  constructor(readonly stageName: string) {
    this.namespace = metricsNamespace(stageName);
  }

  /** One series of a metric: its dimensions besides `service`, a statistic (`Sum`, `p99`, …). */
  metric<N extends MetricName>(
    name: N,
    dimensions: SeriesOf<N>,
    options: { readonly statistic: string; readonly period?: Duration; readonly label?: string },
  ): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { service: SERVICE_NAME, ...(dimensions as Record<string, string>) },
      statistic: options.statistic,
      period: options.period ?? Duration.minutes(1),
      ...(options.label !== undefined ? { label: options.label } : {}),
    });
  }

  /** Every series of a metric, labelled by its dimension values (`expired`, `Token Revoked`, …). */
  all<N extends MetricName>(
    name: N,
    options: { readonly statistic: string; readonly period?: Duration },
    keep: (series: SeriesOf<N>) => boolean = () => true,
  ): Metric[] {
    const series = METRICS[name].series as readonly SeriesOf<N>[];
    return series.filter(keep).map((dimensions) =>
      this.metric(name, dimensions, {
        ...options,
        label: Object.values(dimensions as Record<string, string>).at(-1) ?? name,
      }),
    );
  }
}
