import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { STREAM_LAG_ALARM_MS } from './service-alarms.js';
import { ServiceMetrics } from './service-metrics.js';

export interface ServiceDashboardProps {
  readonly stageName: string;
  readonly api: RestApi;
  /** Every function of the service, by name (the authorizer among them, as `authorizer`). */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** The stream handlers, by stream name. */
  readonly streams: Readonly<Record<string, IFunction>>;
  readonly tables: Readonly<Record<string, ITable>>;
}

const MINUTE = Duration.minutes(1);
const SUM = { statistic: 'Sum' } as const;

const graph = (
  title: string,
  left: IMetric[],
  extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {},
) => new GraphWidget({ title, left, width: 8, height: 6, ...extra });

/**
 * The operator's page (`AccessTokens-<stage>`, the last hour by default): authorizations allowed
 * and denied by reason, with each denial reason summed over the time range (how many requests
 * were denied for expired tokens in the last hour); how far behind revocation is (stream lag
 * p50/p99/max, the stream handlers' iterator age); revocations, events and cache flushes; then
 * the health of the API, the functions and the tables. The service's own series come from its
 * metric definitions (ServiceMetrics), so every one the code records is shown.
 */
export class ServiceDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const metrics = new ServiceMetrics(props.stageName);
    this.dashboard = new Dashboard(this, 'Default', {
      dashboardName: `AccessTokens-${props.stageName}`,
      defaultInterval: Duration.hours(1),
      widgets: [
        [
          new TextWidget({
            markdown: `# Access tokens (${props.stageName})\nNamespace \`${metrics.namespace}\`, dimension \`service\`. Authorizations are the authorizer's decisions (cached answers are not decisions) and the handlers' 403s (\`scope_denied\`, \`member_denied\`).`,
            width: 24,
            height: 2,
          }),
        ],
        ...authorizationRows(metrics),
        revocationRow(metrics, props.streams),
        eventRow(metrics),
        ...healthRows(props),
      ],
    });
  }
}

function authorizationRows(metrics: ServiceMetrics): IWidget[][] {
  const by = (outcome: 'allow' | 'deny' | 'error') =>
    metrics.all('Authorizations', SUM, (series) => series.outcome === outcome);
  return [
    [
      new SingleValueWidget({
        title: 'Requests denied, by reason, over the time range',
        metrics: by('deny'),
        setPeriodToTimeRange: true,
        width: 24,
        height: 4,
      }),
    ],
    [
      graph('Authorizations allowed, by kind of token', by('allow'), { stacked: true }),
      graph('Authorizations denied, by reason', by('deny')),
      graph('Authorizer errors (503), by reason', by('error')),
    ],
  ];
}

function revocationRow(metrics: ServiceMetrics, streams: ServiceDashboardProps['streams']): IWidget[] {
  const lag = (statistic: string, label: string) => metrics.metric('StreamLag', {}, { statistic, label });
  return [
    graph(
      'Revocation lag: change → event published (ms)',
      [lag('p50', 'p50'), lag('p99', 'p99'), lag('Maximum', 'max')],
      {
        width: 12,
        leftAnnotations: [{ value: STREAM_LAG_ALARM_MS, label: 'alarm (p99, 3 min)' }],
      },
    ),
    new SingleValueWidget({
      title: 'Revocation lag over the time range (ms)',
      metrics: [lag('p50', 'p50'), lag('p99', 'p99'), lag('Maximum', 'max')],
      setPeriodToTimeRange: true,
      width: 6,
      height: 6,
    }),
    graph(
      'Stream handlers: iterator age, max (ms)',
      Object.entries(streams).map(([name, handler]) =>
        handler.metric('IteratorAge', { statistic: 'Maximum', period: MINUTE, label: name }),
      ),
      { width: 6 },
    ),
  ];
}

function eventRow(metrics: ServiceMetrics): IWidget[] {
  return [
    graph('Tokens revoked, by reason', metrics.all('TokensRevoked', SUM), { stacked: true }),
    graph('Events published, by detail-type; failed', metrics.all('EventsPublished', SUM), {
      right: [metrics.metric('EventsFailed', {}, { ...SUM, label: 'failed' })],
    }),
    graph('Authorizer cache flushes', metrics.all('AuthorizerCacheFlushes', SUM)),
  ];
}

/** The API, every function and every table: what AWS measures of them. */
function healthRows(props: ServiceDashboardProps): IWidget[][] {
  const fns = Object.entries(props.functions);
  const perFunction = (metric: string, statistic: string) =>
    fns.map(([name, fn]) => fn.metric(metric, { statistic, period: MINUTE, label: name }));
  const tables = Object.entries(props.tables);
  return [
    [
      graph('API requests, 4xx, 5xx', [
        props.api.metricCount({ ...SUM, period: MINUTE, label: 'requests' }),
        props.api.metricClientError({ ...SUM, period: MINUTE, label: '4xx' }),
        props.api.metricServerError({ ...SUM, period: MINUTE, label: '5xx' }),
      ]),
      graph('API latency (ms)', [
        props.api.metricLatency({ statistic: 'p50', period: MINUTE, label: 'p50' }),
        props.api.metricLatency({ statistic: 'p99', period: MINUTE, label: 'p99' }),
      ]),
      graph('Function errors', perFunction('Errors', 'Sum')),
    ],
    [
      graph('Function duration p99 (ms)', perFunction('Duration', 'p99')),
      graph('Function throttles', perFunction('Throttles', 'Sum')),
      graph(
        'DynamoDB: GetItem latency p99 (ms), throttled reads and writes',
        tables.map(([name, table]) =>
          table.metricSuccessfulRequestLatency({
            dimensionsMap: { TableName: table.tableName, Operation: 'GetItem' },
            statistic: 'p99',
            period: MINUTE,
            label: `${name} GetItem`,
          }),
        ),
        {
          right: tables.flatMap(([name, table]) => [
            table.metric('ReadThrottleEvents', { ...SUM, period: MINUTE, label: `${name} read throttles` }),
            table.metric('WriteThrottleEvents', { ...SUM, period: MINUTE, label: `${name} write throttles` }),
          ]),
        },
      ),
    ],
  ];
}
