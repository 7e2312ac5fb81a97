import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type DetailType, EVENT_SOURCE } from '../../shared/events/events.js';

export interface EventConsumerProps {
  /**
   * The service's bus: in another stack or app, `EventBus.fromEventBusName(this, 'Bus', name)`
   * with the stateful stack's `EventBusName` output.
   */
  readonly bus: IEventBus;
  /** The detail-types to receive (docs/events/ has their schemas). */
  readonly detailTypes: readonly DetailType[];
  /**
   * The consumer's function. It gets SQS records whose body is the EventBridge event, and answers
   * `{batchItemFailures}` naming the records it could not handle (the rest are done).
   */
  readonly handler: LambdaFunction;
  /** How many times a message is received before it goes to the dead-letter queue (default 5). */
  readonly maxReceiveCount?: number;
  /** Messages per invocation (default 10). */
  readonly batchSize?: number;
  /** How long to gather a batch (default none). */
  readonly maxBatchingWindow?: Duration;
  /** Where the dead-letter alarm goes (default: it only shows in CloudWatch). */
  readonly alarmTopic?: ITopic;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What a team that reacts to the service's events puts in its own stack: an EventBridge rule for
 * the detail-types it wants → an SQS queue (encrypted, TLS only) that buffers them and retries →
 * its Lambda, fed in batches with partial batch responses, so one bad event does not hold back
 * the others. A message that keeps failing lands in a dead-letter queue (so does an event
 * EventBridge could not deliver), and an alarm fires when anything is there. Delivery is
 * at-least-once: the consumer drops repeats by `detail.eventId`.
 */
export class EventConsumer extends Construct {
  readonly rule: Rule;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: EventConsumerProps) {
    super(scope, id);
    if (props.detailTypes.length === 0) throw new Error('EventConsumer: detailTypes must name at least one');
    const removal = props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {};
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      ...removal,
    });
    // AWS's advice: at least six times the function's timeout, so a retried batch is not
    // received again while the first attempt still runs.
    const timeout = props.handler.timeout ?? Duration.seconds(3);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(Math.max(30, 6 * timeout.toSeconds())),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      ...removal,
    });
    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `${props.detailTypes.join(', ')} from ${EVENT_SOURCE}`,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...props.detailTypes] },
      targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });
    props.handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 10,
        reportBatchItemFailures: true,
        ...(props.maxBatchingWindow !== undefined ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
      }),
    );
    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `Events of ${EVENT_SOURCE} that ${props.handler.node.path} could not handle, or that could not be delivered`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic !== undefined) this.deadLetterAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}
