import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { EventConsumer } from '../../infra/constructs/event-consumer.js';
import { NodeFunction } from '../../infra/constructs/node-function.js';

export interface RevocationConsumerStackProps extends StackProps {
  /** The access-token service's bus: its stateful stack's `EventBusName` output. */
  readonly eventBusName: string;
}

/**
 * The worked example: a team's own stack that keeps a deny-list of revoked token ids, fed by the
 * EventConsumer construct (rule → SQS with a dead-letter queue → this Lambda).
 */
export class RevocationConsumerStack extends Stack {
  readonly consumer: EventConsumer;

  constructor(scope: Construct, id: string, props: RevocationConsumerStackProps) {
    super(scope, id, props);
    const denyList = new Table(this, 'DenyList', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const handler = new NodeFunction(this, 'Consumer', {
      entry: 'examples/revocation-consumer/handler.ts',
      description: 'Keeps a deny-list of revoked access tokens',
      environment: { DENY_LIST_TABLE: denyList.tableName },
      logRetention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its one transaction: a conditional put of the event id, a put and an update.
    handler.allow(denyList, ['PutItem', 'UpdateItem']);
    this.consumer = new EventConsumer(this, 'Revocations', {
      bus: EventBus.fromEventBusName(this, 'AccessTokensBus', props.eventBusName),
      detailTypes: ['Token Revoked'],
      handler: handler.function,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
