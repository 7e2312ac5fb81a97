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
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FLUSH_FAILED_MESSAGE } from '../../shared/http/routes.js';

export interface ServiceAlarmsProps {
  /** Where alarms go; a topic is created when none is given. */
  readonly topic?: ITopic;
  readonly stageName: string;
  readonly api: RestApi;
  readonly authorizer: IFunction;
  /** The logs of the functions that flush the authorizer cache after a change of rights, by name. */
  readonly flusherLogs: Readonly<Record<string, ILogGroup>>;
  /** Each stream's handler and dead-letter queue, by stream name. */
  readonly streams: Readonly<Record<string, { readonly handler: IFunction; readonly deadLetters: IQueue }>>;
}

const capitalized = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;
const MINUTE = Duration.minutes(1);

/**
 * The alarms, on a topic a platform team can subscribe to: authorizer errors and latency, the
 * API's 5xx rate, failed authorizer cache flushes (counted from the handlers' logs), and per stream
 * a record in the dead-letter queue or a handler falling behind.
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
    this.alarmOnFailedFlushes(props);
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

  /**
   * A CRUD function's flush after a change of rights failed (logged, the change stands): the
   * stream handler's flush is the backstop, so that revocation waited for the stream.
   */
  private alarmOnFailedFlushes(props: ServiceAlarmsProps): void {
    const failures = new Metric({
      namespace: `AccessTokens/${props.stageName}`,
      metricName: 'AuthorizerCacheFlushFailures',
      statistic: 'Sum',
      period: MINUTE,
    });
    for (const [name, logGroup] of Object.entries(props.flusherLogs)) {
      new MetricFilter(this, `${capitalized(name)}FlushFailures`, {
        logGroup,
        filterPattern: FilterPattern.literal(`"${FLUSH_FAILED_MESSAGE}"`),
        metricNamespace: failures.namespace,
        metricName: failures.metricName,
        metricValue: '1',
      });
    }
    this.alarm(
      'AuthorizerCacheFlushFailures',
      failures,
      0,
      "A handler could not flush the authorizer cache after a change of rights: that revocation waited for the stream handler's flush",
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
