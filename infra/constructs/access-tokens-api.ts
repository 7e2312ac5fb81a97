import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  Cors,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { FilterPattern, LogGroup, MetricFilter, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { BY_GRACE_END_INDEX, BY_MEMBER_INDEX, TABLE_ENV, type TableId } from '../../shared/data/tables.js';
import { type ErrorCode, STATUS } from '../../shared/http/errors.js';
import { FLUSH_FAILED_MESSAGE, type FunctionName, ROUTES } from '../../shared/http/routes.js';
import { STREAM_SETTINGS } from '../stream-settings.js';
import { NodeFunction } from './node-function.js';

export interface AccessTokensApiProps {
  readonly tables: Record<TableId, ITable>;
  readonly bus: IEventBus;
  /** The API stage (`dev`, `prod`, …). */
  readonly stageName: string;
  /** How long API Gateway reuses an authorizer answer (default 300 s; 0 turns caching off). */
  readonly authorizerCacheTtl?: Duration;
  /** Where alarms go; a topic is created when none is given. */
  readonly alarmTopic?: ITopic;
  /** Steady-state requests per second and burst for the whole stage. */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
  /** CORS is off unless origins are listed. */
  readonly corsAllowOrigins?: readonly string[];
  /** Requests with a larger body are blocked by the web ACL (default 64 KiB). */
  readonly maxRequestBodyBytes?: number;
  readonly logRetention?: RetentionDays;
  /** For the log groups and dead-letter queues (default RETAIN). */
  readonly removalPolicy?: RemovalPolicy;
}

/** The contract's error body; `$context.error.messageString` is already a quoted JSON string. */
const ERROR_TEMPLATE = (code: string, message: string) =>
  message.startsWith('$context')
    ? `{"code":"${code}","message":${message},"id":"$context.requestId"}`
    : JSON.stringify({ code, message, id: '$context.requestId' });

/**
 * The stateless part: the REST API built from the shared route table, the Lambda authorizer in
 * front of every route (allowing the stage, cached for the configured TTL), the CRUD functions, the
 * stream handlers with partial batch responses, bisection, bounded retries and SQS DLQs, least
 * privilege per function, and alarms on an SNS topic.
 */
export class AccessTokensApi extends Construct {
  readonly api: RestApi;
  readonly alarmTopic: ITopic;
  readonly functions: Record<
    FunctionName | 'authorizer' | 'membersStream' | 'tokensStream' | 'rolesStream' | 'graceSweeper',
    NodeFunction
  >;
  readonly deadLetterQueues: Record<'members' | 'tokens' | 'roles', Queue>;

  constructor(scope: Construct, id: string, props: AccessTokensApiProps) {
    super(scope, id);
    const { tables, bus, stageName } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_YEAR;
    const cacheTtl = props.authorizerCacheTtl ?? Duration.seconds(300);
    const tableEnvironment = Object.fromEntries(
      (Object.keys(tables) as TableId[]).map((tableId) => [TABLE_ENV[tableId], tables[tableId].tableName]),
    );
    const make = (
      name: string,
      entry: string,
      description: string,
      environment: Record<string, string> = {},
    ) =>
      new NodeFunction(this, name, {
        entry,
        description,
        logRetention,
        removalPolicy,
        environment: {
          ...tableEnvironment,
          AUTHORIZER_CACHE_TTL: String(cacheTtl.toSeconds()),
          ...environment,
        },
      });

    const authorizer = make(
      'Authorizer',
      'functions/authorizer/handler.ts',
      'Checks access tokens for API Gateway',
    );
    const crud = {
      tokens: make('Tokens', 'functions/tokens/handler.ts', 'Access tokens API'),
      members: make('Members', 'functions/members/handler.ts', 'Members API'),
      invitations: make('Invitations', 'functions/invitations/handler.ts', 'Invitation acceptance'),
      roles: make('Roles', 'functions/roles/handler.ts', 'Custom roles API'),
      resources: make('Resources', 'functions/resources/handler.ts', 'Projects and flags API'),
      identity: make('Identity', 'functions/identity/handler.ts', 'Caller identity'),
    } satisfies Record<FunctionName, NodeFunction>;

    // Least privilege: each function may call exactly the DynamoDB actions its repositories use,
    // on exactly the tables (and index) they touch. Transactions need the actions of their parts.
    const allow = (fn: NodeFunction, table: ITable, actions: readonly string[], index?: string) =>
      fn.function.addToRolePolicy(
        new PolicyStatement({
          actions: actions.map((action) => `dynamodb:${action}`),
          resources: [index ? `${table.tableArn}/index/${index}` : table.tableArn],
        }),
      );
    allow(authorizer, tables.tokens, ['GetItem', 'UpdateItem']);
    allow(authorizer, tables.members, ['GetItem', 'UpdateItem']);
    allow(authorizer, tables.roles, ['BatchGetItem']);
    allow(crud.tokens, tables.tokens, ['GetItem', 'Query', 'PutItem', 'DeleteItem']);
    allow(crud.tokens, tables.members, ['GetItem', 'Query']);
    allow(crud.tokens, tables.roles, ['BatchGetItem']);
    allow(crud.members, tables.members, ['GetItem', 'Query', 'PutItem', 'DeleteItem']);
    allow(crud.members, tables.roles, ['BatchGetItem']);
    allow(crud.invitations, tables.members, ['GetItem', 'PutItem', 'DeleteItem']);
    allow(crud.invitations, tables.tokens, ['PutItem']);
    allow(crud.roles, tables.roles, ['GetItem', 'Query', 'PutItem', 'DeleteItem']);
    allow(crud.roles, tables.members, ['Query']);
    allow(crud.roles, tables.tokens, ['Query']);
    allow(crud.resources, tables.resources, [
      'GetItem',
      'Query',
      'PutItem',
      'DeleteItem',
      'ConditionCheckItem',
    ]);

    // The API, from the route table.
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    this.api = new RestApi(this, 'Api', {
      description: 'Access tokens API',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: removalPolicy,
      deployOptions: {
        stageName,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttling?.rateLimit ?? 100,
        throttlingBurstLimit: props.throttling?.burstLimit ?? 200,
      },
      ...(props.corsAllowOrigins && props.corsAllowOrigins.length > 0
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: [...props.corsAllowOrigins],
              allowMethods: Cors.ALL_METHODS,
              allowHeaders: ['Authorization', 'Content-Type'],
            },
          }
        : {}),
    });
    const tokenAuthorizer = new RequestAuthorizer(this, 'TokenAuthorizer', {
      handler: authorizer.function,
      identitySources: [IdentitySource.header('Authorization')],
      resultsCacheTtl: cacheTtl,
    });
    const integrations = Object.fromEntries(
      Object.entries(crud).map(([name, fn]) => [name, new LambdaIntegration(fn.function)]),
    ) as Record<FunctionName, LambdaIntegration>;
    for (const route of ROUTES) {
      const method = this.api.root
        .resourceForPath(route.path)
        .addMethod(route.method, integrations[route.function], {
          ...(route.public
            ? { authorizationType: AuthorizationType.NONE }
            : { authorizer: tokenAuthorizer, authorizationType: AuthorizationType.CUSTOM }),
        });
      if (route.public) {
        Validations.of(method).acknowledge(
          {
            id: 'AwsSolutions-APIG4',
            reason:
              'Accepting an invitation takes no credentials: the single-use invitation code in the body is the credential.',
          },
          {
            id: 'AwsSolutions-COG4',
            reason:
              'Accepting an invitation takes no credentials: the single-use invitation code in the body is the credential.',
          },
        );
      }
    }

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers present access tokens, checked by the Lambda REQUEST authorizer on every method; there are no Cognito users.',
      },
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Every handler validates its body and query with strict zod schemas (unknown fields are a 400 naming the field); API Gateway models would be a second copy of them.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway needs to write execution logs; this managed policy is the documented way.',
      },
    );

    // The gateway's own answers in the contract's error shape, with the contract's status codes.
    const unavailable = 'The service is temporarily unavailable; retry later';
    const gatewayResponses: [string, ResponseType, ErrorCode, string][] = [
      ['Unauthorized', ResponseType.UNAUTHORIZED, 'unauthorized', 'Invalid access token'],
      ['AccessDenied', ResponseType.ACCESS_DENIED, 'forbidden', 'The token may not call this API'],
      ['AuthorizerFailure', ResponseType.AUTHORIZER_FAILURE, 'service_unavailable', unavailable],
      [
        'AuthorizerConfiguration',
        ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
        'service_unavailable',
        unavailable,
      ],
      ['MissingRoute', ResponseType.MISSING_AUTHENTICATION_TOKEN, 'not_found', 'No such route'],
      ['Throttled', ResponseType.THROTTLED, 'rate_limited', 'Too many requests; retry later'],
      ['TooLarge', ResponseType.REQUEST_TOO_LARGE, 'invalid_request', 'The request body is too large'],
      [
        'UnsupportedMediaType',
        ResponseType.UNSUPPORTED_MEDIA_TYPE,
        'unsupported_media_type',
        'The request body must be JSON (Content-Type: application/json)',
      ],
      ['Default4xx', ResponseType.DEFAULT_4XX, 'invalid_request', '$context.error.messageString'],
      ['Default5xx', ResponseType.DEFAULT_5XX, 'internal_server_error', 'Internal server error'],
    ];
    for (const [name, type, code, message] of gatewayResponses) {
      this.api.addGatewayResponse(name, {
        type,
        statusCode: String(STATUS[code]),
        templates: { 'application/json': ERROR_TEMPLATE(code, message) },
      });
    }

    // Request size limits and a rate limit per client address, in front of the stage.
    const maxBody = props.maxRequestBodyBytes ?? 64 * 1024;
    const webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: 'access-tokens-api',
        sampledRequestsEnabled: true,
      },
      rules: [
        {
          name: 'body-size',
          priority: 0,
          action: { block: {} },
          statement: {
            sizeConstraintStatement: {
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: maxBody,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'body-size',
            sampledRequestsEnabled: true,
          },
        },
        {
          name: 'rate-per-ip',
          priority: 1,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: 3000, aggregateKeyType: 'IP' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: 'rate-per-ip',
            sampledRequestsEnabled: true,
          },
        },
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });

    // Stream handlers: revocation, events, cache flush.
    const streamEnvironment = {
      EVENT_BUS_NAME: bus.eventBusName,
      REST_API_ID: this.api.restApiId,
      STAGE_NAME: stageName,
    };
    const stream = {
      members: make(
        'MembersStream',
        'functions/streams/members.ts',
        "Revokes removed members' tokens",
        streamEnvironment,
      ),
      tokens: make(
        'TokensStream',
        'functions/streams/tokens.ts',
        'Token events and cache flushes',
        streamEnvironment,
      ),
      roles: make('RolesStream', 'functions/streams/roles.ts', 'Custom role changes', streamEnvironment),
    };
    allow(stream.members, tables.tokens, ['Query'], BY_MEMBER_INDEX);
    allow(stream.members, tables.tokens, ['UpdateItem', 'DeleteItem']);
    allow(stream.roles, tables.members, ['Query']);
    const flushCache = new PolicyStatement({
      actions: ['apigateway:DELETE'],
      resources: [
        Stack.of(this).formatArn({
          service: 'apigateway',
          account: '',
          resource: `/restapis/${this.api.restApiId}/stages/${stageName}/cache/authorizers`,
        }),
      ],
    });
    // The CRUD functions whose routes change rights flush too, right after their commit, so
    // revocation does not wait on stream lag (the stream handlers stay the backstop). Naming the
    // API in their environment makes each function depend on the RestApi resource only; the API's
    // methods and deployment depend on the functions, the functions on no method or stage: no cycle.
    const flushers = [
      ...new Set(ROUTES.filter((route) => route.changesRights).map((route) => route.function)),
    ];
    for (const name of flushers) {
      crud[name].function.addEnvironment('REST_API_ID', this.api.restApiId);
      crud[name].function.addEnvironment('STAGE_NAME', stageName);
      crud[name].function.addToRolePolicy(flushCache);
    }
    const filters: Record<'members' | 'tokens' | 'roles', FilterCriteria[]> = {
      // Only member items matter on the members table (not emails or invitations).
      members: [
        FilterCriteria.filter({ dynamodb: { Keys: { sk: { S: FilterRule.beginsWith('MEMBER#') } } } }),
      ],
      tokens: [],
      roles: [],
    };
    const queues = {} as Record<'members' | 'tokens' | 'roles', Queue>;
    for (const name of ['members', 'tokens', 'roles'] as const) {
      const fn = stream[name].function;
      // Powertools idempotency records: conditional put, read, update on completion, delete on failure.
      allow(stream[name], tables.idempotency, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
      bus.grantPutEventsTo(fn);
      fn.addToRolePolicy(flushCache);
      const dlq = new Queue(this, `${name[0]!.toUpperCase()}${name.slice(1)}StreamDlq`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy,
      });
      Validations.of(dlq).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter destination of a stream.',
      });
      queues[name] = dlq;
      fn.addEventSource(
        new DynamoEventSource(tables[name], {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: STREAM_SETTINGS.batchSize,
          retryAttempts: STREAM_SETTINGS.maxRetries,
          bisectBatchOnError: STREAM_SETTINGS.bisectOnError,
          reportBatchItemFailures: true,
          maxRecordAge: Duration.hours(24),
          onFailure: new SqsDlq(dlq),
          ...(filters[name].length > 0 ? { filters: filters[name] } : {}),
        }),
      );
    }
    this.deadLetterQueues = queues;

    // Every minute, end the reset grace periods that have passed (their revocation event goes out then).
    const graceSweeper = make(
      'GraceSweeper',
      'functions/sweeper/handler.ts',
      'Ends reset grace periods on time',
    );
    allow(graceSweeper, tables.tokens, ['Query'], BY_GRACE_END_INDEX);
    allow(graceSweeper, tables.tokens, ['DeleteItem']);
    new Rule(this, 'GraceSweepSchedule', {
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(graceSweeper.function, { retryAttempts: 0 })],
    });
    this.functions = {
      authorizer,
      ...crud,
      membersStream: stream.members,
      tokensStream: stream.tokens,
      rolesStream: stream.roles,
      graceSweeper,
    };

    // Alarms, on a topic a platform team can subscribe to.
    this.alarmTopic =
      props.alarmTopic ??
      new Topic(this, 'Alarms', {
        displayName: 'Access tokens alarms',
        enforceSSL: true,
        masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      });
    const action = new SnsAction(this.alarmTopic);
    const alarm = (
      name: string,
      metric: Metric | MathExpression,
      threshold: number,
      description: string,
      periods = 1,
    ) => {
      const created = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      return created;
    };
    const minute = Duration.minutes(1);
    alarm(
      'AuthorizerErrors',
      authorizer.function.metricErrors({ period: minute }),
      0,
      'The authorizer failed (requests were refused, fail closed)',
    );
    alarm(
      'AuthorizerLatency',
      authorizer.function.metricDuration({ period: minute, statistic: 'p99' }),
      1000,
      'Authorizer p99 latency above 1 s for 3 minutes',
      3,
    );
    alarm(
      'Api5xxRate',
      new MathExpression({
        expression: '100 * errors / MAX([requests, 1])',
        usingMetrics: {
          errors: this.api.metricServerError({ period: minute }),
          requests: this.api.metricCount({ period: minute }),
        },
        period: minute,
        label: '5xx %',
      }),
      1,
      'More than 1% of API requests answered 5xx',
      3,
    );
    // A CRUD function's flush after a change of rights failed (logged, the change stands): the
    // stream handler's flush is the backstop, so that revocation waited for the stream.
    const flushFailures = new Metric({
      namespace: `AccessTokens/${stageName}`,
      metricName: 'AuthorizerCacheFlushFailures',
      statistic: 'Sum',
      period: minute,
    });
    for (const name of flushers) {
      new MetricFilter(this, `${name[0]!.toUpperCase()}${name.slice(1)}FlushFailures`, {
        logGroup: crud[name].logGroup,
        filterPattern: FilterPattern.literal(`"${FLUSH_FAILED_MESSAGE}"`),
        metricNamespace: flushFailures.namespace,
        metricName: flushFailures.metricName,
        metricValue: '1',
      });
    }
    alarm(
      'AuthorizerCacheFlushFailures',
      flushFailures,
      0,
      "A handler could not flush the authorizer cache after a change of rights: that revocation waited for the stream handler's flush",
    );
    for (const name of ['members', 'tokens', 'roles'] as const) {
      alarm(
        `${name[0]!.toUpperCase()}${name.slice(1)}DlqDepth`,
        queues[name].metricApproximateNumberOfMessagesVisible({ period: minute }),
        0,
        `A ${name} stream record failed every retry and is in the dead-letter queue`,
      );
      alarm(
        `${name[0]!.toUpperCase()}${name.slice(1)}IteratorAge`,
        new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'IteratorAge',
          dimensionsMap: { FunctionName: stream[name].function.functionName },
          statistic: 'Maximum',
          period: minute,
        }),
        60_000,
        `The ${name} stream handler is more than a minute behind: revocation is late`,
        3,
      );
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL; the API is under api/v2' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }
}
