import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { API_FUNCTIONS } from '../../infra/constructs/api-functions.js';
import { STREAMS } from '../../infra/constructs/background-functions.js';
import { STREAM_LAG_ALARM_MS } from '../../infra/constructs/service-alarms.js';
import { StageConfigError, stageConfig } from '../../infra/stage-config.js';
import {
  GATEWAY_RESPONSES,
  type GatewayResponseType,
  gatewayAnswer,
  HTTP_METHODS,
  methodNotAllowed,
  RESOURCE_METHODS,
} from '../../shared/http/gateway-responses.js';
import { LEAK_REPORTS_PER_ADDRESS, ROUTES, type Route } from '../../shared/http/routes.js';
import {
  AUTHORIZATION_REASONS,
  METRIC_NAMES,
  METRICS,
  type MetricDefinition,
  metricsNamespace,
  SERVICE_NAME,
  seriesKey,
} from '../../shared/observability/definitions.js';
import { templateApp } from './template-app.js';

const routes: readonly Route[] = ROUTES;

// Synthesized once per file, with cdk-nag's AWS Solutions checks.
let stateful: Template;
let stateless: Template;
let statelessJson: Record<string, any>;

beforeAll(() => {
  const { app, stateful: data, stateless: service } = buildApp(templateApp({ stage: 'prod' }));
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
  const table = /Data(Members|Tokens|Roles|Resources|Idempotency|Audit)Table/.exec(text)?.[1]?.toLowerCase();
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

/** Each API Gateway resource's full path (`/api/v2/tokens/{id}`), by logical id. */
function resourcePaths(): Map<string, string> {
  const resources = new Map(resourcesOf('AWS::ApiGateway::Resource'));
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const { ParentId, PathPart } = resources.get(id)!.Properties;
    const path = `${ParentId.Ref ? pathOf(ParentId.Ref) : ''}/${PathPart}`;
    paths.set(id, path);
    return path;
  };
  for (const id of resources.keys()) pathOf(id);
  return paths;
}

/** The methods of the resource at `path`, by HTTP method (`ANY` included). */
function methodsAt(path: string): Map<string, any> {
  const id = [...resourcePaths()].find(([, p]) => p === path)?.[0];
  return new Map(
    resourcesOf('AWS::ApiGateway::Method')
      .filter(([, m]) => m.Properties.ResourceId.Ref === id)
      .map(([, m]) => [m.Properties.HttpMethod, m.Properties]),
  );
}

/** What API Gateway renders from a mapping template, for the `$context` values given. */
function render(template: string, context: Record<string, string>): string {
  return template.replace(/\$context\.([\w.]+)/g, (reference, name: string) => context[name] ?? reference);
}

describe('the stateless stack', () => {
  it('puts the authorizer on every route of the route table but the public ones', () => {
    const methods = resourcesOf('AWS::ApiGateway::Method').filter(
      ([, m]) => !['OPTIONS', 'ANY'].includes(m.Properties.HttpMethod),
    );
    expect(methods).toHaveLength(routes.length);
    const authorizerId = resourcesOf('AWS::ApiGateway::Authorizer')[0]![0];
    for (const [, method] of methods) {
      if (method.Properties.AuthorizationType === 'NONE') continue;
      expect(method.Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
    }
    expect(methods.filter(([, m]) => m.Properties.AuthorizationType === 'NONE')).toHaveLength(
      routes.filter((r) => r.public).length,
    );
  });

  it("allows CORS from the console's origin alone: preflights, the gateway's own answers and the handlers", () => {
    const consoleOrigin = {
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleDistribution/), 'DomainName'] }],
      ],
    };
    const preflights = resourcesOf('AWS::ApiGateway::Method').filter(
      ([, m]) => m.Properties.HttpMethod === 'OPTIONS',
    );
    expect(preflights.length).toBeGreaterThan(0);
    for (const [, preflight] of preflights) {
      const headers = preflight.Properties.Integration.IntegrationResponses[0].ResponseParameters;
      expect(JSON.stringify(headers['method.response.header.Access-Control-Allow-Origin'])).toMatch(
        /^\{"Fn::Join":\["",\["'https:\/\/",\{"Fn::GetAtt":\["ConsoleDistribution\w+","DomainName"\]\},"'"\]\]\}$/,
      );
    }
    for (const [, response] of resourcesOf('AWS::ApiGateway::GatewayResponse')) {
      expect(JSON.stringify(response.Properties.ResponseParameters)).toContain('ConsoleDistribution');
    }
    const crud = Object.keys(API_FUNCTIONS).filter((name) => name !== 'authorizer');
    for (const name of crud) {
      const logicalId = `Service${name[0]!.toUpperCase()}${name.slice(1)}Function`;
      const [, fn] = resourcesOf('AWS::Lambda::Function').find(([id]) => id.startsWith(logicalId))!;
      expect(fn.Properties.Environment.Variables.CORS_ALLOW_ORIGINS).toEqual(consoleOrigin);
    }
  });

  it('serves the console from a private bucket through CloudFront, deployed with a config.json naming this API', () => {
    expect(resourcesOf('AWS::CloudFront::Distribution')).toHaveLength(1);
    expect(resourcesOf('AWS::S3::Bucket')).toHaveLength(1);
    const [, config] = resourcesOf('Custom::CDKBucketDeployment').find(
      ([, d]) => d.Properties.DistributionPaths?.[0] === '/config.json',
    )!;
    expect(JSON.stringify(config.Properties.SourceMarkers)).toMatch(/ServiceApi\w*/);
    expect(Object.keys(statelessJson.Outputs)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ConsoleConsoleUrl/)]),
    );
  });

  it('caches the REQUEST authorizer on the Authorization header and the source address for 300 s', () => {
    // The source address is part of the cache's identity: an answer for one address (a token's
    // IP binding) is never reused for another.
    stateless.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization,context.identity.sourceIp',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('rate limits leaked-token reports per client address with a WAF rule scoped to their path, answering 429', () => {
    const [, acl] = resourcesOf('AWS::WAFv2::WebACL')[0]!;
    const rule = acl.Properties.Rules.find((r: any) => r.Name === 'rate-per-ip-api-v2-tokens-leaked');
    expect(rule.Statement.RateBasedStatement).toEqual({
      Limit: LEAK_REPORTS_PER_ADDRESS.requests,
      EvaluationWindowSec: LEAK_REPORTS_PER_ADDRESS.windowSeconds,
      AggregateKeyType: 'IP',
      ScopeDownStatement: {
        RegexMatchStatement: {
          FieldToMatch: { UriPath: {} },
          RegexString: '/api/v2/tokens/leaked/?$',
          TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }],
        },
      },
    });
    const regex = new RegExp(
      rule.Statement.RateBasedStatement.ScopeDownStatement.RegexMatchStatement.RegexString,
    );
    expect(regex.test('/prod/api/v2/tokens/leaked')).toBe(true);
    expect(regex.test('/prod/api/v2/tokens/abc123')).toBe(false);
    expect(rule.Action.Block.CustomResponse).toEqual({
      ResponseCode: 429,
      CustomResponseBodyKey: 'rate-limited',
    });
    expect(JSON.parse(acl.Properties.CustomResponseBodies['rate-limited'].Content)).toMatchObject({
      code: 'rate_limited',
    });
    // The route itself takes no credentials on AWS either.
    const [resourceId] = resourcesOf('AWS::ApiGateway::Resource').find(
      ([, r]) => r.Properties.PathPart === 'leaked',
    )!;
    const [, method] = resourcesOf('AWS::ApiGateway::Method').find(
      ([, m]) => m.Properties.HttpMethod === 'POST' && m.Properties.ResourceId.Ref === resourceId,
    )!;
    expect(method.Properties.AuthorizationType).toBe('NONE');
    expect(method.Properties.AuthorizerId).toBeUndefined();
  });

  it.each([...RESOURCE_METHODS.keys()])(
    '%s has, for each of GET, POST, PUT, PATCH and DELETE, its route or the 405 mock',
    (path) => {
      const methods = methodsAt(path);
      const own = RESOURCE_METHODS.get(path)!;
      for (const method of HTTP_METHODS) {
        const answered = methods.get(method) ?? methods.get('ANY');
        if (own.includes(method)) {
          expect(methods.get(method)?.Integration.Type, `${method} ${path}`).toBe('AWS_PROXY');
          continue;
        }
        // API Gateway sends every method a resource does not declare to its ANY method.
        expect(methods.has(method), `${method} ${path}`).toBe(false);
        expect(answered, `${method} ${path}`).toMatchObject({
          AuthorizationType: 'NONE',
          Integration: { Type: 'MOCK', PassthroughBehavior: 'NEVER' },
        });
        const expected = methodNotAllowed(method, path);
        const [response] = answered.Integration.IntegrationResponses;
        expect(response.StatusCode).toBe(String(expected.status));
        expect(response.SelectionPattern).toBeUndefined();
        expect(response.ResponseParameters).toEqual({
          'method.response.header.Allow': `'${expected.allow}'`,
        });
        const body = render(response.ResponseTemplates['application/json'], {
          httpMethod: method,
          requestId: 'r1',
        });
        expect(JSON.parse(body)).toEqual({ code: expected.code, message: expected.message, id: 'r1' });
        for (const template of Object.values(answered.Integration.RequestTemplates))
          expect(JSON.parse(template as string)).toEqual({ statusCode: expected.status });
        expect(answered.MethodResponses).toEqual([
          {
            StatusCode: String(expected.status),
            ResponseParameters: { 'method.response.header.Allow': true },
          },
        ]);
      }
    },
  );

  it('has methods only on the paths of the route table: any other path is the 404 not_found gateway response', () => {
    const paths = resourcePaths();
    const withMethods = new Set(
      resourcesOf('AWS::ApiGateway::Method').map(([, m]) => paths.get(m.Properties.ResourceId.Ref)),
    );
    expect([...withMethods].sort()).toEqual([...RESOURCE_METHODS.keys()].sort());
    // e.g. /api/v2/invitations: a resource on the way to a route, with no method of its own.
    expect([...paths.values()].filter((path) => !withMethods.has(path)).length).toBeGreaterThan(0);
    stateless.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: {
        'application/json': JSON.stringify({
          code: 'not_found',
          message: gatewayAnswer('MISSING_AUTHENTICATION_TOKEN').message,
          id: '$context.requestId',
        }),
      },
    });
  });

  it('configures every gateway response of the shared table, with its status and error body', () => {
    const responses = resourcesOf('AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties);
    expect(responses.map((r) => r.ResponseType).sort()).toEqual(Object.keys(GATEWAY_RESPONSES).sort());
    for (const response of responses) {
      const type = response.ResponseType as GatewayResponseType;
      const answer = gatewayAnswer(type, 'API Gateway says why');
      expect(response.StatusCode, type).toBe(String(answer.status));
      // `$context.error.messageString` is a quoted JSON string already.
      const body = render(response.ResponseTemplates['application/json'], {
        requestId: 'r1',
        'error.messageString': JSON.stringify('API Gateway says why'),
      });
      expect(JSON.parse(body), type).toEqual({ code: answer.code, message: answer.message, id: 'r1' });
    }
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
    // CDK's own handler that deploys the console into its bucket (its runtime is CDK's) aside.
    const functions = resourcesOf('AWS::Lambda::Function').filter(
      ([id]) => !id.startsWith('CustomCDKBucketDeployment'),
    );
    // The API's functions, a handler per stream, the grace sweeper and the lifecycle sweeper.
    expect(functions).toHaveLength(Object.keys(API_FUNCTIONS).length + STREAMS.length + 2);
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
    // GetItem on tokens: the account's token policy, which the first token's expiry obeys.
    ['Invitations', { members: d('GetItem', 'PutItem', 'DeleteItem'), tokens: d('GetItem', 'PutItem') }],
    [
      'Roles',
      { roles: d('GetItem', 'Query', 'PutItem', 'DeleteItem'), members: d('Query'), tokens: d('Query') },
    ],
    ['Resources', { resources: d('GetItem', 'Query', 'PutItem', 'DeleteItem', 'ConditionCheckItem') }],
    ['Identity', {}],
    [
      'Sessions',
      { members: d('GetItem', 'PutItem', 'DeleteItem'), roles: d('BatchGetItem'), tokens: d('PutItem') },
    ],
    ['Openapi', {}],
    // A leak report: the hash items by value; a revocation deletes the token and its hash items
    // and puts its revocation record, in one transaction.
    ['Leaks', { tokens: d('GetItem', 'PutItem', 'DeleteItem') }],
    [
      'MembersStream',
      {
        'tokens/index/byMember': d('Query'),
        tokens: d('DeleteItem', 'PutItem', 'GetItem'),
        members: d('GetItem'),
        idempotency: d('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
        audit: d('PutItem'),
      },
    ],
    [
      'TokensStream',
      {
        tokens: d('GetItem'),
        members: d('GetItem'),
        idempotency: d('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
        audit: d('PutItem'),
      },
    ],
    [
      'RolesStream',
      {
        members: d('Query', 'GetItem'),
        tokens: d('GetItem'),
        roles: d('GetItem'),
        idempotency: d('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
        audit: d('PutItem'),
      },
    ],
    ['Audit', { audit: d('GetItem', 'Query') }],
  ])(
    'the %s function may call exactly the DynamoDB actions it uses, on the tables it touches',
    (name, expected) => {
      expect(dynamoGrants(name)).toEqual(expected);
    },
  );

  it.each(['Authorizer', 'Invitations', 'Resources', 'Identity', 'Sessions', 'Openapi', 'GraceSweeper'])(
    'the %s function has no other AWS permissions',
    (name) => {
      expect(otherActions(name)).toEqual([]);
    },
  );

  it('the functions that flush after a change of rights are those of the routes marked so', () => {
    const flushers = new Set(routes.filter((r) => r.changesRights).map((r) => r.function));
    expect([...flushers].sort()).toEqual(['members', 'roles', 'tokens']);
    const whenChanged = new Set(routes.filter((r) => r.flushesWhenChanged).map((r) => r.function));
    expect([...whenChanged]).toEqual(['leaks']);
  });

  it.each(['Tokens', 'Members', 'Roles', 'Leaks'])(
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

  it('alarms on any failed authorizer cache flush, as the functions count them', () => {
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AccessTokens/prod',
      MetricName: 'AuthorizerCacheFlushes',
      Dimensions: Match.arrayWith([
        { Name: 'outcome', Value: 'failed' },
        { Name: 'service', Value: SERVICE_NAME },
      ]),
      Statistic: 'Sum',
      Threshold: 0,
    });
  });

  it.each(['MembersStream', 'TokensStream', 'RolesStream'])(
    'the %s function may publish to this bus, flush this stage, and use its DLQ (members: keep the user pool)',
    (name) => {
      expect(otherActions(name)).toEqual([
        'apigateway:DELETE',
        ...(name === 'MembersStream' ? ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminDeleteUser'] : []),
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

  it('has alarms for authorizer errors, error rate and latency, 5xx rate, failed flushes, failed events, stream lag, DLQ depth and iterator age, all on the alarm topic', () => {
    const alarms = resourcesOf('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(13);
    const topic = resourcesOf('AWS::SNS::Topic')[0]![0];
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    const names = alarms.map(([id]) => id).join(' ');
    for (const part of [
      'AuthorizerErrors',
      'AuthorizerLatency',
      'Api5xxRate',
      'AuthorizerCacheFlushFailures',
      'AuthorizerErrorRate',
      'EventsFailed',
      'StreamLag',
      'MembersDlqDepth',
      'TokensIteratorAge',
    ])
      expect(names).toContain(part);
  });
});

describe('observability', () => {
  /** The dashboard's body, its CloudFormation tokens (region, table names) replaced by a marker. */
  function dashboardBody(): { start: string; widgets: { type: string; properties: Record<string, any> }[] } {
    const dashboards = resourcesOf('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const dashboard = dashboards[0]![1];
    const parts: unknown[] = dashboard.Properties.DashboardBody['Fn::Join'][1];
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
  }

  /** Every metric a widget draws: `[namespace, name, {dimension: value}, statistic]`. */
  function drawn(widget: { properties: Record<string, any> }) {
    return ((widget.properties.metrics ?? []) as unknown[][]).map((entry) => {
      const options = entry.at(-1) as { stat?: string };
      const [namespace, name, ...pairs] = entry.slice(0, -1) as string[];
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
      return { namespace, name, dimensions, stat: options.stat };
    });
  }

  it("every function writes its metrics to the stage's namespace as the service, traced", () => {
    const functions = resourcesOf('AWS::Lambda::Function').filter(([id]) => id.startsWith('Service'));
    expect(functions.length).toBeGreaterThan(10);
    for (const [, fn] of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace('prod'),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      });
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
  });

  it('the dashboard shows every series the service records, by the names and dimensions of the definitions, and no other', () => {
    const ours = dashboardBody()
      .widgets.flatMap(drawn)
      .filter((m) => m.namespace === metricsNamespace('prod'));
    const key = (name: string, dimensions: Record<string, string>) => seriesKey(name, dimensions);
    const shown = new Set(ours.map((m) => key(m.name!, m.dimensions)));
    const defined = METRIC_NAMES.flatMap((name) =>
      (METRICS[name] as MetricDefinition).series.map((series) =>
        key(name, { service: SERVICE_NAME, ...series }),
      ),
    );
    expect([...shown].sort()).toEqual([...defined].sort());
  });

  it("answers how many requests were denied for each reason over the dashboard's time range (an hour by default)", () => {
    const body = dashboardBody();
    expect(body.start).toBe('-PT1H');
    const totals = body.widgets.find(
      (w) =>
        w.properties.view === 'singleValue' &&
        w.properties.setPeriodToTimeRange === true &&
        /denied/.test(w.properties.title),
    )!;
    expect(drawn(totals).map((m) => [m.name, m.dimensions.outcome, m.dimensions.reason, m.stat])).toEqual(
      AUTHORIZATION_REASONS.deny.map((reason) => ['Authorizations', 'deny', reason, 'Sum']),
    );
  });

  it('shows how far behind revocation is (stream lag p50, p99, max) and the health of the API, functions and tables', () => {
    const metrics = dashboardBody().widgets.flatMap(drawn);
    const lag = metrics.filter((m) => m.name === 'StreamLag').map((m) => m.stat);
    expect(new Set(lag)).toEqual(new Set(['p50', 'p99', 'Maximum']));
    const namespaces = new Set(metrics.map((m) => m.namespace));
    for (const namespace of ['AWS/ApiGateway', 'AWS/Lambda', 'AWS/DynamoDB'])
      expect(namespaces).toContain(namespace);
    expect(metrics.filter((m) => m.name === 'IteratorAge')).toHaveLength(STREAMS.length);
  });

  it('alarms on events that could not be published, on stream lag p99, and on the rate of authorizer error decisions', () => {
    const emf = (dimensions: Record<string, string> = {}) =>
      Match.arrayWith(
        Object.entries({ ...dimensions, service: SERVICE_NAME }).map(([Name, Value]) => ({ Name, Value })),
      );
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AccessTokens/prod',
      MetricName: 'EventsFailed',
      Dimensions: emf(),
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AccessTokens/prod',
      MetricName: 'StreamLag',
      ExtendedStatistic: 'p99',
      Threshold: STREAM_LAG_ALARM_MS,
      EvaluationPeriods: 3,
    });
    const [, rate] = resourcesOf('AWS::CloudWatch::Alarm').find(([id]) =>
      id.includes('AuthorizerErrorRate'),
    )!;
    const queries = rate.Properties.Metrics as any[];
    const stats = queries.filter((q) => q.MetricStat).map((q) => q.MetricStat.Metric);
    expect(
      stats
        .filter((m) => m.MetricName === 'Authorizations')
        .map((m) => m.Dimensions.find((d: any) => d.Name === 'reason').Value)
        .sort(),
    ).toEqual([...AUTHORIZATION_REASONS.error].sort());
    expect(stats.some((m) => m.Namespace === 'AWS/Lambda' && m.MetricName === 'Invocations')).toBe(true);
    expect(rate.Properties).toMatchObject({ Threshold: 1, EvaluationPeriods: 3 });
  });
});

describe('the stateful stack', () => {
  it('keeps every table: retained, point-in-time recovery, deletion protection (prod), encrypted', () => {
    const tables = stateful.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(6);
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

  it('has the audit log table: its entries expire by TTL, and only the stream handlers write it', () => {
    const [audit] = Object.entries(stateful.findResources('AWS::DynamoDB::Table')).filter(([id]) =>
      /DataAuditTable/.test(id),
    );
    expect(audit?.[1].Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    expect(audit?.[1].Properties.StreamSpecification).toBeUndefined();
    // Who may write it: the grants above (the stream handlers' PutItem, the audit function's reads).
    const writers = resourcesOf('AWS::Lambda::Function').filter(([id]) =>
      /^Service\w+StreamFunction/.test(id),
    );
    expect(writers).toHaveLength(3);
    for (const [, fn] of writers)
      expect(fn.Properties.Environment.Variables.AUDIT_RETENTION_DAYS).toBe('365');
  });

  it('has the event bus with an archive', () => {
    stateful.resourceCountIs('AWS::Events::EventBus', 1);
    stateful.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['access-tokens'] } });
  });
});

describe('logical ids', () => {
  // What CloudFormation must update in place: a renamed REST API is a new API id and URL, a renamed
  // event source mapping reads its stream again from the start, a renamed queue or retained log
  // group is a new, empty one, and a renamed WAF association or gateway response is deleted after
  // its replacement was made, which undoes the replacement. These are the ids they were first
  // deployed with; the constructs that make them must keep them.
  it.each([
    [
      'the REST API, its stage and access logs',
      ['ServiceApiC8B597B2', 'ServiceApiDeploymentStageprod0D8E9CDF', 'ServiceAccessLogsC4D1116F'],
    ],
    [
      'the gateway responses',
      [
        'ServiceApiUnauthorizedEC0B33AD',
        'ServiceApiAccessDeniedDEE27D3E',
        'ServiceApiAuthorizerFailure1745B537',
        'ServiceApiAuthorizerConfiguration236557F8',
        'ServiceApiMissingRouteC22E11F2',
        'ServiceApiThrottled324828BB',
        'ServiceApiTooLarge134C9F71',
        'ServiceApiUnsupportedMediaType8AA514AB',
        'ServiceApiDefault4xx43025C72',
        'ServiceApiDefault5xx1B5B0FD7',
      ],
    ],
    ['the authorizer', ['ServiceTokenAuthorizerDC48C620']],
    [
      'the functions and their logs',
      [
        'ServiceAuthorizerFunction6FA48037',
        'ServiceTokensFunctionEBC9667A',
        'ServiceMembersFunction458120DB',
        'ServiceInvitationsFunctionF833D7CE',
        'ServiceRolesFunction2112B9A5',
        'ServiceResourcesFunction1A45D1A2',
        'ServiceIdentityFunction8185DE53',
        'ServiceMembersStreamFunctionCDF048E0',
        'ServiceTokensStreamFunctionEB5A627A',
        'ServiceRolesStreamFunction91587826',
        'ServiceGraceSweeperFunction3A593401',
        'ServiceAuthorizerLogs50B24B4A',
        'ServiceTokensLogs35267B1C',
        'ServiceMembersLogsE22B0118',
        'ServiceInvitationsLogsDD8CC466',
        'ServiceRolesLogs0BB075C7',
        'ServiceResourcesLogs2F41A583',
        'ServiceIdentityLogs10E8061E',
        'ServiceMembersStreamLogs894D7007',
        'ServiceTokensStreamLogs0E4FBF3A',
        'ServiceRolesStreamLogs64B3D509',
        'ServiceGraceSweeperLogs76953E1E',
      ],
    ],
    [
      'the stream event source mappings and dead-letter queues',
      [
        'ServiceMembersStreamFunctionDynamoDBEventSourceAccessTokensprodStatefulDataMembersTableADA0392322BFDCC9',
        'ServiceTokensStreamFunctionDynamoDBEventSourceAccessTokensprodStatefulDataTokensTable9C42F8798E40E3C3',
        'ServiceRolesStreamFunctionDynamoDBEventSourceAccessTokensprodStatefulDataRolesTableFE8E0208FD461A9B',
        'ServiceMembersStreamDlqB5576787',
        'ServiceTokensStreamDlqF087DAB9',
        'ServiceRolesStreamDlq4F050255',
      ],
    ],
    ['the web ACL and its association', ['ServiceWebAcl6357481C', 'ServiceWebAclAssociationC4AFD951']],
    ['the grace sweep schedule', ['ServiceGraceSweepSchedule45D8006E']],
  ])('%s keep theirs', (_, expected) => {
    const ids = Object.keys(statelessJson.Resources);
    expect(ids).toEqual(expect.arrayContaining(expected));
  });

  it('the outputs keep theirs', () => {
    expect(Object.keys(statelessJson.Outputs)).toEqual(
      expect.arrayContaining(['ServiceApiUrlB2853E42', 'ServiceAlarmTopicArn1859BB4E']),
    );
  });
});

/** The environment variables of one function of the stateless stack. */
function environmentOf(template: Template, functionName: string): Record<string, unknown> {
  const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith(`Service${functionName}Function`),
  )!;
  return fn.Properties.Environment.Variables;
}

describe('console sign-in', () => {
  it('the stateful stack makes a user pool nobody signs up to by themselves, with MFA, a strong password policy and threat protection', () => {
    stateful.resourceCountIs('AWS::Cognito::UserPool', 1);
    const [pool] = Object.values(stateful.findResources('AWS::Cognito::UserPool'));
    expect(pool).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        DeletionProtection: 'ACTIVE',
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          },
        },
      },
    });
  });

  it('the console is a public client: authorization code (with PKCE) only, no secret, ID tokens valid 8 h', () => {
    // Beside the console's distribution (its callback URLs: console-hosting.test.ts).
    stateful.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    stateless.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    stateless.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      IdTokenValidity: 480,
      RefreshTokenValidity: 480,
      TokenValidityUnits: Match.objectLike({ IdToken: 'minutes', RefreshToken: 'minutes' }),
      PreventUserExistenceErrors: 'ENABLED',
    });
    stateful.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['access-tokens-prod-', { Ref: 'AWS::AccountId' }]] },
    });
  });

  it('the sessions function trusts the pool (issuer, client id, keys) for the console account', () => {
    const variables = environmentOf(stateless, 'Sessions');
    // The ID tokens' `iss`, with its scheme: https://cognito-idp.<region>.<suffix>/<pool id>.
    const issuerParts = [
      'https://cognito-idp.',
      { Ref: 'AWS::Region' },
      '.',
      { Ref: 'AWS::URLSuffix' },
      '/',
      { 'Fn::ImportValue': expect.stringMatching(/RefSignInUserPool[A-Z0-9]+$/) },
    ];
    expect(variables).toMatchObject({
      CONSOLE_ACCOUNT_ID: 'main',
      OIDC_ISSUER: { 'Fn::Join': ['', issuerParts] },
      OIDC_CLIENT_ID: { Ref: expect.stringMatching(/^SignInClient/) },
      OIDC_JWKS_URI: { 'Fn::Join': ['', [...issuerParts, '/.well-known/jwks.json']] },
    });
    expect(variables.USER_POOL_ID).toBeUndefined();
  });

  it('the members stream keeps the pool: it knows which, for which account, and may create and delete users there', () => {
    const variables = environmentOf(stateless, 'MembersStream');
    expect(JSON.stringify(variables.USER_POOL_ID)).toMatch(/SignInUserPool/);
    expect(variables.CONSOLE_ACCOUNT_ID).toBe('main');
    for (const other of ['TokensStream', 'RolesStream', 'Tokens', 'Members'])
      expect(environmentOf(stateless, other).USER_POOL_ID).toBeUndefined();
  });

  it('with an external issuer: no user pool, and the sessions function trusts that issuer', () => {
    const {
      app,
      stateful: data,
      stateless: service,
    } = buildApp(
      templateApp({
        stage: 'dev',
        oidcIssuer: 'https://login.example.com/',
        oidcClientId: 'console-client',
        consoleAccountId: 'acme',
      }),
    );
    app.synth();
    const external = Template.fromStack(service);
    Template.fromStack(data).resourceCountIs('AWS::Cognito::UserPool', 0);
    external.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(environmentOf(external, 'Sessions')).toMatchObject({
      OIDC_ISSUER: 'https://login.example.com/',
      OIDC_CLIENT_ID: 'console-client',
      CONSOLE_ACCOUNT_ID: 'acme',
    });
    expect(environmentOf(external, 'Sessions').OIDC_JWKS_URI).toBeUndefined();
    expect(environmentOf(external, 'MembersStream').USER_POOL_ID).toBeUndefined();
  });

  it('refuses half an external issuer, an issuer that is not https, and a malformed domain prefix', () => {
    expect(() => stageConfig((k) => ({ oidcIssuer: 'https://login.example.com' })[k])).toThrow(/go together/);
    expect(() => stageConfig((k) => ({ oidcIssuer: 'http://x', oidcClientId: 'c' })[k])).toThrow(/https/);
    expect(() => stageConfig((k) => ({ signInDomainPrefix: 'Not_OK' })[k])).toThrow(/signInDomainPrefix/);
    expect(
      stageConfig((k) => ({ consoleUrls: 'https://c.example.com/, https://c.example.com/cb' })[k]).signIn,
    ).toMatchObject({
      callbackUrls: ['https://c.example.com/', 'https://c.example.com/cb'],
      accountId: 'main',
    });
  });
});

describe('cdk-nag', () => {
  it('fails synthesis on a finding nobody acknowledged', () => {
    const { app, stateless: service } = buildApp(templateApp({ stage: 'dev' }));
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
