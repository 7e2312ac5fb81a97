import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { RevocationConsumerStack } from '../../examples/revocation-consumer/stack.js';
import { EventConsumer } from '../../infra/constructs/event-consumer.js';
import { NodeFunction } from '../../infra/constructs/node-function.js';
import { templateApp } from './template-app.js';

// The consumer kit, as a team would use it in its own stack (the bus imported by name), and the
// worked example's stack: synthesized with cdk-nag's AWS Solutions checks, which fail the synthesis
// on any finding.
function consumerStack() {
  const app = templateApp();
  const stack = new Stack(app, 'TeamStack');
  const topic = new Topic(stack, 'TeamAlarms', { enforceSSL: true });
  Validations.of(topic).acknowledge({ id: 'AwsSolutions-SNS2', reason: 'test topic' });
  const handler = new NodeFunction(stack, 'Consumer', {
    entry: 'examples/revocation-consumer/handler.ts',
    description: 'a consumer',
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    timeout: Duration.seconds(20),
  });
  const consumer = new EventConsumer(stack, 'Revocations', {
    bus: EventBus.fromEventBusName(stack, 'Bus', 'access-tokens-bus'),
    detailTypes: ['Token Revoked', 'Member Removed'],
    handler: handler.function,
    maxReceiveCount: 3,
    alarmTopic: topic,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, consumer };
}

const idOf = (template: Template, type: string, match: (r: any) => boolean) =>
  Object.entries(template.findResources(type)).find(([, r]) => match(r))![0];

describe('the EventConsumer construct', () => {
  const { app, stack } = consumerStack();

  it('passes the AWS Solutions checks', () => {
    expect(() => app.synth()).not.toThrow();
  });

  const template = Template.fromStack(stack);
  const dlq = () => idOf(template, 'AWS::SQS::Queue', (q) => q.Properties.RedrivePolicy === undefined);
  const queue = () => idOf(template, 'AWS::SQS::Queue', (q) => q.Properties.RedrivePolicy !== undefined);

  it("routes the service's events of the chosen detail-types from its bus to the queue (undeliverable ones to the DLQ)", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'access-tokens-bus',
      EventPattern: { source: ['access-tokens'], 'detail-type': ['Token Revoked', 'Member Removed'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [queue(), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq(), 'Arn'] } },
        }),
      ],
    });
  });

  it('buffers them in an encrypted queue that dead-letters a message after maxReceiveCount receives', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      // Six times the function's 20 s timeout.
      VisibilityTimeout: 120,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq(), 'Arn'] }, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
  });

  it('refuses requests without TLS on both queues, and lets only this rule send', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    for (const id of [queue(), dlq()]) {
      const statements = policies
        .filter((p) => JSON.stringify(p.Properties.Queues).includes(id))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      const ruleId = idOf(template, 'AWS::Events::Rule', () => true);
      const sends = statements.filter(
        (st: any) => st.Effect === 'Allow' && [st.Action].flat().includes('sqs:SendMessage'),
      );
      expect(sends).toEqual([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
        }),
      ]);
    }
  });

  it("feeds the consumer's Lambda in batches with partial batch responses", () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue(), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('alarms to the given topic as soon as anything is in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq(), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: idOf(template, 'AWS::SNS::Topic', () => true) }],
    });
  });

  it('needs at least one detail-type', () => {
    const other = new Stack(templateApp(), 'Other');
    const handler = new NodeFunction(other, 'Consumer', {
      entry: 'examples/revocation-consumer/handler.ts',
      description: 'a consumer',
      logRetention: RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    expect(
      () =>
        new EventConsumer(other, 'None', {
          bus: EventBus.fromEventBusName(other, 'Bus', 'b'),
          detailTypes: [],
          handler: handler.function,
        }),
    ).toThrow(/detailTypes/);
  });
});

describe('the example consumer stack (examples/revocation-consumer/)', () => {
  it('takes Token Revoked into its deny-list function, which may only write its own table, and passes the AWS Solutions checks', () => {
    const app = templateApp();
    const stack = new RevocationConsumerStack(app, 'RevocationConsumer', {
      eventBusName: 'access-tokens-bus',
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'access-tokens-bus',
      EventPattern: { source: ['access-tokens'], 'detail-type': ['Token Revoked'] },
    });
    const table = idOf(template, 'AWS::DynamoDB::Table', () => true);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DENY_LIST_TABLE: { Ref: table } }) },
    });
    const dynamoStatements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamoStatements).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      }),
    ]);
  });
});
