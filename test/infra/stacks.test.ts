import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { StageConfigError, stageConfig } from '../../infra/stage-config.js';
import { FLUSH_FAILED_MESSAGE, ROUTES } from '../../shared/http/routes.js';

// Synthesized once, with the real local esbuild bundling and cdk-nag's AWS Solutions checks.
let stateful: Template;
let stateless: Template;
let statelessJson: Record<string, any>;

beforeAll(() => {
  const { app, stateful: data, stateless: service } = buildApp(new App({ context: { stage: 'prod' } }));
  app.synth();
  stateful = Template.fromStack(data);
  stateless = Template.fromStack(service);
  statelessJson = stateless.toJSON();
});

const resourcesOf = (type: string) =>
  Object.entries(statelessJson.Resources as Record<string, any>).filter(([, r]) => r.Type === type);

/** `Fn::ImportValue` of a stateful export (or a Join around it) → `tokens`, `tokens/index/byMember`, … */
function tableOf(resource: unknown): string {
  const text = JSON.stringify(resource);
  const table = /Data(Members|Tokens|Roles|Resources|Idempotency)Table/.exec(text)?.[1]?.toLowerCase();
  if (table === undefined) return text;
  const index = /\/index\/(\w+)/.exec(text)?.[1];
  return index ? `${table}/index/${index}` : table;
}

/** The DynamoDB data-plane grants of one function: `table → sorted actions`. */
function dynamoGrants(functionName: string): Record<string, string[]> {
  const [functionId, fn] = resourcesOf('AWS::Lambda::Function').find(([id]) =>
    id.startsWith(`Service${functionName}Function`),
  )!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const grants: Record<string, string[]> = {};
  for (const [, policy] of resourcesOf('AWS::IAM::Policy')) {
    if (!policy.Properties.Roles.some((r: any) => r.Ref === roleId)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      const actions = [statement.Action].flat().filter((a: string) => a.startsWith('dynamodb:'));
      // Stream reading is granted by the event source mapping, checked separately.
      const data = actions.filter(
        (a: string) =>
          ![
            'dynamodb:DescribeStream',
            'dynamodb:GetRecords',
            'dynamodb:GetShardIterator',
            'dynamodb:ListStreams',
          ].includes(a),
      );
      if (data.length === 0) continue;
      for (const resource of [statement.Resource].flat()) {
        const table = tableOf(resource);
        grants[table] = [...new Set([...(grants[table] ?? []), ...data])].sort();
      }
    }
  }
  expect(functionId).toBeTruthy();
  return grants;
}

function otherActions(functionName: string): string[] {
  const [, fn] = resourcesOf('AWS::Lambda::Function').find(([id]) =>
    id.startsWith(`Service${functionName}Function`),
  )!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return resourcesOf('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()))
    .filter((a: string) => !a.startsWith('dynamodb:') && !a.startsWith('xray:'))
    .sort();
}

const d = (...actions: string[]) => actions.map((a) => `dynamodb:${a}`).sort();

describe('the stateless stack', () => {
  it('puts the authorizer on every route of the route table but the invitation acceptance', () => {
    const methods = resourcesOf('AWS::ApiGateway::Method').filter(
      ([, m]) => m.Properties.HttpMethod !== 'OPTIONS',
    );
    expect(methods).toHaveLength(ROUTES.length);
    const authorizerId = resourcesOf('AWS::ApiGateway::Authorizer')[0]![0];
    for (const [, method] of methods) {
      if (method.Properties.AuthorizationType === 'NONE') continue;
      expect(method.Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
    }
    expect(methods.filter(([, m]) => m.Properties.AuthorizationType === 'NONE')).toHaveLength(
      ROUTES.filter((r) => r.public).length,
    );
  });

  it('has no CORS unless origins are configured', () => {
    expect(
      resourcesOf('AWS::ApiGateway::Method').filter(([, m]) => m.Properties.HttpMethod === 'OPTIONS'),
    ).toHaveLength(0);
  });

  it('caches the REQUEST authorizer on the Authorization header for 300 s', () => {
    stateless.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it("answers the gateway's own 401 in the contract's error shape", () => {
    stateless.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseTemplates: {
        'application/json':
          '{"code":"unauthorized","message":"Invalid access token","id":"$context.requestId"}',
      },
    });
    stateless.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'AUTHORIZER_FAILURE',
      StatusCode: '503',
    });
  });

  it('logs access, throttles, and limits request size', () => {
    stateless.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 }),
      ]),
      TracingEnabled: true,
    });
    stateless.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { SizeConstraintStatement: Match.objectLike({ Size: 65536 }) } }),
      ]),
    });
    stateless.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('runs every function on Node.js 22, arm64, traced', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    expect(functions).toHaveLength(11);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it.each([
    [
      'Authorizer',
      { tokens: d('GetItem', 'UpdateItem'), members: d('GetItem', 'UpdateItem'), roles: d('BatchGetItem') },
    ],
    [
      'Tokens',
      {
        tokens: d('GetItem', 'Query', 'PutItem', 'DeleteItem'),
        members: d('GetItem', 'Query'),
        roles: d('BatchGetItem'),
      },
    ],
    ['Members', { members: d('GetItem', 'Query', 'PutItem', 'DeleteItem'), roles: d('BatchGetItem') }],
    ['Invitations', { members: d('GetItem', 'PutItem', 'DeleteItem'), tokens: d('PutItem') }],
    [
      'Roles',
      { roles: d('GetItem', 'Query', 'PutItem', 'DeleteItem'), members: d('Query'), tokens: d('Query') },
    ],
    ['Resources', { resources: d('GetItem', 'Query', 'PutItem', 'DeleteItem', 'ConditionCheckItem') }],
    ['Identity', {}],
    [
      'MembersStream',
      {
        'tokens/index/byMember': d('Query'),
        tokens: d('UpdateItem', 'DeleteItem'),
        idempotency: d('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      },
    ],
    ['TokensStream', { idempotency: d('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem') }],
    [
      'RolesStream',
      { members: d('Query'), idempotency: d('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem') },
    ],
  ])(
    'the %s function may call exactly the DynamoDB actions it uses, on the tables it touches',
    (name, expected) => {
      expect(dynamoGrants(name)).toEqual(expected);
    },
  );

  it.each(['Authorizer', 'Invitations', 'Resources', 'Identity', 'GraceSweeper'])(
    'the %s function has no other AWS permissions',
    (name) => {
      expect(otherActions(name)).toEqual([]);
    },
  );

  it('the functions that flush after a change of rights are those of the routes marked so', () => {
    const flushers = new Set(ROUTES.filter((r) => r.changesRights).map((r) => r.function));
    expect([...flushers].sort()).toEqual(['members', 'roles', 'tokens']);
  });

  it.each(['Tokens', 'Members', 'Roles'])(
    "the %s function may flush this stage's authorizer cache, knows which, and nothing else",
    (name) => {
      expect(otherActions(name)).toEqual(['apigateway:DELETE']);
      const [, fn] = resourcesOf('AWS::Lambda::Function').find(([id]) =>
        id.startsWith(`Service${name}Function`),
      )!;
      const apiId = resourcesOf('AWS::ApiGateway::RestApi')[0]![0];
      expect(fn.Properties.Environment.Variables).toMatchObject({
        REST_API_ID: { Ref: apiId },
        STAGE_NAME: 'prod',
      });
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      const flush = resourcesOf('AWS::IAM::Policy')
        .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
        .find((s: any) => s.Action === 'apigateway:DELETE');
      expect(JSON.stringify(flush.Resource)).toMatch(
        /restapis\/".*ServiceApi.*\/stages\/prod\/cache\/authorizers/,
      );
    },
  );

  it("counts a handler's failed flush from its logs, and alarms on it", () => {
    const filters = resourcesOf('AWS::Logs::MetricFilter');
    expect(filters.map(([, f]) => f.Properties.LogGroupName.Ref).sort()).toEqual(
      ['Members', 'Roles', 'Tokens'].map((name) => expect.stringMatching(new RegExp(`^Service${name}Logs`))),
    );
    for (const [, filter] of filters) {
      expect(filter.Properties).toMatchObject({
        FilterPattern: `"${FLUSH_FAILED_MESSAGE}"`,
        MetricTransformations: [
          {
            MetricNamespace: 'AccessTokens/prod',
            MetricName: 'AuthorizerCacheFlushFailures',
            MetricValue: '1',
          },
        ],
      });
    }
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AccessTokens/prod',
      MetricName: 'AuthorizerCacheFlushFailures',
      Statistic: 'Sum',
      Threshold: 0,
    });
  });

  it.each(['MembersStream', 'TokensStream', 'RolesStream'])(
    'the %s function may publish to this bus, flush this stage, and use its DLQ',
    (name) => {
      expect(otherActions(name)).toEqual([
        'apigateway:DELETE',
        'events:PutEvents',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
      const [, fn] = resourcesOf('AWS::Lambda::Function').find(([id]) =>
        id.startsWith(`Service${name}Function`),
      )!;
      const roleId = fn.Properties.Role['Fn::GetAtt'][0];
      const statements = resourcesOf('AWS::IAM::Policy')
        .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      const flush = statements.find((s: any) => s.Action === 'apigateway:DELETE');
      expect(JSON.stringify(flush.Resource)).toMatch(
        /restapis\/".*ServiceApi.*\/stages\/prod\/cache\/authorizers/,
      );
      const put = statements.find((s: any) => s.Action === 'events:PutEvents');
      expect(JSON.stringify(put.Resource)).toContain('DataBus');
    },
  );

  it('consumes the three streams with partial batch responses, bisection, bounded retries and a DLQ', () => {
    const mappings = resourcesOf('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const [, mapping] of mappings) {
      expect(mapping.Properties).toMatchObject({
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        StartingPosition: 'TRIM_HORIZON',
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/StreamDlq/), 'Arn'] } },
        },
      });
    }
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify({ dynamodb: { Keys: { sk: { S: [{ prefix: 'MEMBER#' }] } } } }) },
        ],
      },
    });
    stateless.resourceCountIs('AWS::SQS::Queue', 3);
  });

  it('runs the grace sweeper every minute', () => {
    const [sweeperId] = resourcesOf('AWS::Lambda::Function').find(([id]) =>
      id.startsWith('ServiceGraceSweeperFunction'),
    )!;
    stateless.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeperId, 'Arn'] } })],
    });
  });

  it('has alarms for authorizer errors and latency, 5xx rate, failed flushes, DLQ depth and iterator age, all on the alarm topic', () => {
    const alarms = resourcesOf('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(10);
    const topic = resourcesOf('AWS::SNS::Topic')[0]![0];
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    const names = alarms.map(([id]) => id).join(' ');
    for (const part of [
      'AuthorizerErrors',
      'AuthorizerLatency',
      'Api5xxRate',
      'AuthorizerCacheFlushFailures',
      'MembersDlqDepth',
      'TokensIteratorAge',
    ])
      expect(names).toContain(part);
  });
});

describe('the stateful stack', () => {
  it('keeps every table: retained, point-in-time recovery, deletion protection (prod), encrypted', () => {
    const tables = stateful.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(5);
    for (const table of Object.values(tables)) {
      expect(table).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: { SSEEnabled: true },
        },
      });
    }
  });

  it('streams new and old images from the members, tokens and roles tables', () => {
    const streamed = Object.entries(stateful.findResources('AWS::DynamoDB::Table')).filter(
      ([, t]) => t.Properties.StreamSpecification?.StreamViewType === 'NEW_AND_OLD_IMAGES',
    );
    expect(streamed.map(([id]) => /Data(\w+?)Table/.exec(id)?.[1]).sort()).toEqual([
      'Members',
      'Roles',
      'Tokens',
    ]);
  });

  it('has the event bus with an archive', () => {
    stateful.resourceCountIs('AWS::Events::EventBus', 1);
    stateful.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['access-tokens'] } });
  });
});

describe('cdk-nag', () => {
  it('fails synthesis on a finding nobody acknowledged', () => {
    const { app, stateless: service } = buildApp(new App({ context: { stage: 'dev' } }));
    new Queue(service as Stack, 'UnencryptedQueue', {});
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});

describe('stage configuration', () => {
  it('chooses settings by stage and rejects unknown stages', () => {
    expect(stageConfig(() => undefined)).toMatchObject({ stage: 'dev', deletionProtection: false });
    expect(stageConfig((k) => ({ stage: 'prod' })[k])).toMatchObject({
      stage: 'prod',
      deletionProtection: true,
    });
    expect(stageConfig((k) => ({ authorizerCacheTtl: '60' })[k]).authorizerCacheTtl.toSeconds()).toBe(60);
    expect(() => stageConfig((k) => ({ stage: 'qa' })[k])).toThrow(StageConfigError);
    expect(() => stageConfig((k) => ({ authorizerCacheTtl: 'soon' })[k])).toThrow(StageConfigError);
  });
});
