import { Duration, Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BY_GRACE_END_INDEX, BY_MEMBER_INDEX, type TableId } from '../../shared/data/tables.js';
import { STREAM_SETTINGS } from '../stream-settings.js';
import { LifecycleSweeper } from './lifecycle-sweeper.js';
import { type FunctionDefaults, NodeFunction } from './node-function.js';

export const STREAMS = ['members', 'tokens', 'roles'] as const;
export type StreamName = (typeof STREAMS)[number];

export interface BackgroundFunctionsProps {
  readonly tables: Readonly<Record<TableId, ITable>>;
  readonly bus: IEventBus;
  readonly defaults: FunctionDefaults;
  /** The API whose stage's authorizer cache the stream handlers flush. */
  readonly restApiId: string;
  readonly stageName: string;
  /** Allows flushing that cache. */
  readonly flushCache: PolicyStatement;
  /** The sign-in user pool that the members stream keeps one user per member of the account in. */
  readonly userDirectory?: { readonly userPool: IUserPool; readonly accountId: string };
}

const capitalized = (name: string) => `${name[0]!.toUpperCase()}${name.slice(1)}`;

/** Only member items matter on the members table (not emails or invitations). */
const FILTERS: Record<StreamName, FilterCriteria[]> = {
  members: [FilterCriteria.filter({ dynamodb: { Keys: { sk: { S: FilterRule.beginsWith('MEMBER#') } } } })],
  tokens: [],
  roles: [],
};

/**
 * What runs without a request: the stream handlers (revocation, events, authorizer cache flushes),
 * each fed with partial batch responses, bisection, bounded retries and an SQS dead-letter queue,
 * and the grace sweeper that ends reset grace periods every minute.
 */
export class BackgroundFunctions extends Construct {
  readonly streamHandlers: Record<StreamName, NodeFunction>;
  readonly deadLetterQueues: Record<StreamName, Queue>;
  readonly graceSweeper: NodeFunction;
  readonly lifecycleSweeper: LifecycleSweeper;

  constructor(scope: Construct, id: string, props: BackgroundFunctionsProps) {
    super(scope, id);
    const { tables, defaults } = props;
    const environment = {
      ...defaults.environment,
      EVENT_BUS_NAME: props.bus.eventBusName,
      REST_API_ID: props.restApiId,
      STAGE_NAME: props.stageName,
    };
    const handler = (name: StreamName, description: string) =>
      new NodeFunction(this, `${capitalized(name)}Stream`, {
        ...defaults,
        entry: `functions/streams/${name}.ts`,
        description,
        environment,
      });
    this.streamHandlers = {
      members: handler('members', "Revokes removed members' tokens"),
      tokens: handler('tokens', 'Token events and cache flushes'),
      roles: handler('roles', 'Custom role changes'),
    };
    this.streamHandlers.members.allow(tables.tokens, ['Query'], BY_MEMBER_INDEX);
    // Revoking a token: it and its hash items deleted, its revocation record put, in one transaction.
    this.streamHandlers.members.allow(tables.tokens, ['DeleteItem', 'PutItem']);
    // The removal record (when the member was removed), and on the tokens table the revocation record.
    this.streamHandlers.members.allow(tables.members, ['GetItem']);
    this.streamHandlers.tokens.allow(tables.tokens, ['GetItem']);
    if (props.userDirectory !== undefined) {
      const { userPool, accountId } = props.userDirectory;
      const members = this.streamHandlers.members.function;
      members.addEnvironment('USER_POOL_ID', userPool.userPoolId);
      members.addEnvironment('CONSOLE_ACCOUNT_ID', accountId);
      userPool.grant(members, 'cognito-idp:AdminCreateUser', 'cognito-idp:AdminDeleteUser');
    }
    this.streamHandlers.roles.allow(tables.members, ['Query']);
    // The audit log: each stream handler writes its table's entries (a conditional put), naming
    // the acting member (members) and token (tokens), and reading the tombstone of a delete.
    for (const name of STREAMS) {
      this.streamHandlers[name].allow(tables.audit, ['PutItem']);
      this.streamHandlers[name].allow(tables.members, ['GetItem']);
      this.streamHandlers[name].allow(tables.tokens, ['GetItem']);
    }
    this.streamHandlers.roles.allow(tables.roles, ['GetItem']);
    this.deadLetterQueues = {} as Record<StreamName, Queue>;
    for (const name of STREAMS) this.deadLetterQueues[name] = this.consume(name, props);

    this.graceSweeper = new NodeFunction(this, 'GraceSweeper', {
      ...defaults,
      entry: 'functions/sweeper/handler.ts',
      description: 'Ends reset grace periods on time',
    });
    this.graceSweeper.allow(tables.tokens, ['Query'], BY_GRACE_END_INDEX);
    this.graceSweeper.allow(tables.tokens, ['DeleteItem']);
    new Rule(this, 'GraceSweepSchedule', {
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.graceSweeper.function, { retryAttempts: 0 })],
    });
    this.lifecycleSweeper = new LifecycleSweeper(this, 'LifecycleSweeper', {
      tokens: tables.tokens,
      bus: props.bus,
      defaults,
    });
  }

  /** Feeds one table's stream to its handler; returns the handler's dead-letter queue. */
  private consume(name: StreamName, props: BackgroundFunctionsProps): Queue {
    const handler = this.streamHandlers[name];
    // Powertools idempotency records: conditional put, read, update on completion, delete on failure.
    handler.allow(props.tables.idempotency, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    props.bus.grantPutEventsTo(handler.function);
    handler.function.addToRolePolicy(props.flushCache);
    const deadLetters = new Queue(this, `${capitalized(name)}StreamDlq`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.defaults.removalPolicy,
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter destination of a stream.',
    });
    handler.function.addEventSource(
      new DynamoEventSource(props.tables[name], {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: STREAM_SETTINGS.batchSize,
        retryAttempts: STREAM_SETTINGS.maxRetries,
        bisectBatchOnError: STREAM_SETTINGS.bisectOnError,
        reportBatchItemFailures: true,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(deadLetters),
        ...(FILTERS[name].length > 0 ? { filters: FILTERS[name] } : {}),
      }),
    );
    return deadLetters;
  }
}
