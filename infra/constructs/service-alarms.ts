import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ServiceMetrics } from './service-metrics.js';

export interface ServiceAlarmsProps {
  /** Where alarms go; a topic is created when none is given. */
  readonly topic?: ITopic;
  readonly stageName: string;
  readonly api: RestApi;
  readonly authorizer: IFunction;
  /** Each stream's handler and dead-letter queue, by stream name. */
  readonly streams: Readonly<Record<string, { readonly handler: IFunction; readonly deadLetters: IQueue }>>;
}

const capitalized = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;
const MINUTE = Duration.minutes(1);

/** How far behind its change an event may be published (p99, 3 minutes running) before it alarms. */
export const STREAM_LAG_ALARM_MS = 30_000;

/**
 * The alarms, on a topic a platform team can subscribe to: authorizer errors, error decisions
 * (a database that does not answer) and latency, the API's 5xx rate; from the service's own metrics
 * (ServiceMetrics) failed authorizer cache flushes, events that could not be published and stream
 * lag; and per stream a record in the dead-letter queue or a handler falling behind.
 */
export class ServiceAlarms extends Construct {
  readonly topic: ITopic;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    // `Default` is left out of logical ids: the topic keeps the one it had (and its subscriptions).
    this.topic =
      props.topic ??
      new Topic(this, 'Default', {
        displayName: 'Access tokens alarms',
        enforceSSL: true,
        masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      });
    this.alarm(
      'AuthorizerErrors',
      props.authorizer.metricErrors({ period: MINUTE }),
      0,
      'The authorizer failed (requests were refused, fail closed)',
    );
    this.alarm(
      'AuthorizerLatency',
      props.authorizer.metricDuration({ period: MINUTE, statistic: 'p99' }),
      1000,
      'Authorizer p99 latency above 1 s for 3 minutes',
      3,
    );
    this.alarm(
      'Api5xxRate',
      new MathExpression({
        expression: '100 * errors / MAX([requests, 1])',
        usingMetrics: {
          errors: props.api.metricServerError({ period: MINUTE }),
          requests: props.api.metricCount({ period: MINUTE }),
        },
        period: MINUTE,
        label: '5xx %',
      }),
      1,
      'More than 1% of API requests answered 5xx',
      3,
    );
    this.alarmOnServiceMetrics(props);
    for (const [name, stream] of Object.entries(props.streams)) {
      this.alarm(
        `${capitalized(name)}DlqDepth`,
        stream.deadLetters.metricApproximateNumberOfMessagesVisible({ period: MINUTE }),
        0,
        `A ${name} stream record failed every retry and is in the dead-letter queue`,
      );
      this.alarm(
        `${capitalized(name)}IteratorAge`,
        new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'IteratorAge',
          dimensionsMap: { FunctionName: stream.handler.functionName },
          statistic: 'Maximum',
          period: MINUTE,
        }),
        60_000,
        `The ${name} stream handler is more than a minute behind: revocation is late`,
        3,
      );
    }
  }

  /** Alarms on what the functions count themselves (shared/observability/definitions.ts). */
  private alarmOnServiceMetrics(props: ServiceAlarmsProps): void {
    const metrics = new ServiceMetrics(props.stageName);
    // The id it had when it counted the CRUD functions' failures from their logs.
    this.alarm(
      'AuthorizerCacheFlushFailures',
      metrics.metric('AuthorizerCacheFlushes', { outcome: 'failed' }, { statistic: 'Sum' }),
      0,
      "The authorizer cache could not be flushed after a change of rights: a handler's failure waits for the stream handler's flush, a stream handler's is retried",
    );
    this.alarm(
      'EventsFailed',
      metrics.metric('EventsFailed', {}, { statistic: 'Sum' }),
      0,
      'Events could not be published to EventBridge (their stream records are retried, then sent to the DLQ)',
    );
    this.alarm(
      'StreamLag',
      metrics.metric('StreamLag', {}, { statistic: 'p99' }),
      STREAM_LAG_ALARM_MS,
      `Revocation is late: p99 from a change to its event above ${STREAM_LAG_ALARM_MS / 1000} s for 3 minutes`,
      3,
    );
    this.alarm(
      'AuthorizerErrorRate',
      new MathExpression({
        expression: '100 * (unavailable + internal) / MAX([decisions, 1])',
        usingMetrics: {
          unavailable: metrics.metric(
            'Authorizations',
            { outcome: 'error', reason: 'database_unavailable' },
            { statistic: 'Sum' },
          ),
          internal: metrics.metric(
            'Authorizations',
            { outcome: 'error', reason: 'internal' },
            { statistic: 'Sum' },
          ),
          decisions: props.authorizer.metricInvocations({ period: MINUTE }),
        },
        period: MINUTE,
        label: 'authorizer error decisions %',
      }),
      1,
      'More than 1% of authorizer decisions failed (mostly the database not answering: requests get 503) for 3 minutes',
      3,
    );
  }

  private alarm(
    id: string,
    metric: Metric | MathExpression,
    threshold: number,
    description: string,
    evaluationPeriods = 1,
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    return alarm;
  }
}
