import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { IdentitySource, RequestAuthorizer, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { TABLE_ENV, type TableId } from '../../shared/data/tables.js';
import { type FunctionName, ROUTES, type Route } from '../../shared/http/routes.js';
import { metricsNamespace } from '../../shared/observability/definitions.js';
import { ApiFirewall } from './api-firewall.js';
import { addApiFunctions } from './api-functions.js';
import { BackgroundFunctions, type StreamName } from './background-functions.js';
import type { OidcIssuer } from './console-sign-in.js';
import type { FunctionDefaults, NodeFunction } from './node-function.js';
import { RouteTableApi } from './route-table-api.js';
import { ServiceAlarms } from './service-alarms.js';
import { ServiceDashboard } from './service-dashboard.js';

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
  /** How long the stream handlers keep each audit log entry (its TTL), in days (default 365). */
  readonly auditRetentionDays?: number;
  /** For the log groups and dead-letter queues (default RETAIN). */
  readonly removalPolicy?: RemovalPolicy;
  /** Console sign-in: what `POST /sessions` trusts, and whose members sign in. */
  readonly signIn: ConsoleSignInSettings;
}

/** The issuer `POST /sessions` verifies ID tokens of, and the account its members belong to. */
export interface ConsoleSignInSettings extends OidcIssuer {
  /** The account whose members sign in to the console (ID tokens are mapped by e-mail to them). */
  readonly accountId: string;
  /**
   * The Cognito user pool the deployment made for sign-in, if it did: the members stream handler
   * keeps one user per member of the account in it. Absent with an external issuer.
   */
  readonly userPool?: IUserPool;
}

/**
 * The stateless part, wired from its parts: the functions behind the routes and the Lambda
 * authorizer (allowing the stage, cached for the configured TTL) in front of them; the REST API
 * from the shared route table (RouteTableApi); a WAF web ACL on its stage (ApiFirewall); the
 * stream handlers and the grace sweeper (BackgroundFunctions); alarms (ServiceAlarms) and a
 * CloudWatch dashboard (ServiceDashboard) on the functions' own metrics and AWS's.
 *
 * Every resource here had a logical id before the service was split into these parts, and
 * CloudFormation replaces what is renamed: a new API id and URL, event source mappings that read
 * their streams again from the start, empty dead-letter queues, a WAF association deleted after its
 * replacement was made. So each keeps its construct path: what belongs to no single part (the
 * functions behind the routes, the authorizer, the access logs, the WAF association) is made here,
 * and each part names its main resource `Default`, which CDK leaves out of logical ids. The
 * background functions take this construct's own `Default` slot, for their queues' sake.
 */
export class AccessTokensApi extends Construct {
  readonly api: RestApi;
  readonly alarmTopic: ITopic;
  readonly functions: Record<
    FunctionName | 'authorizer' | 'membersStream' | 'tokensStream' | 'rolesStream' | 'graceSweeper',
    NodeFunction
  >;
  readonly deadLetterQueues: Record<StreamName, Queue>;

  constructor(scope: Construct, id: string, props: AccessTokensApiProps) {
    super(scope, id);
    const { tables, stageName } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_YEAR;
    const cacheTtl = props.authorizerCacheTtl ?? Duration.seconds(300);
    const defaults: FunctionDefaults = {
      logRetention,
      removalPolicy,
      environment: {
        ...Object.fromEntries(
          (Object.keys(tables) as TableId[]).map((tableId) => [
            TABLE_ENV[tableId],
            tables[tableId].tableName,
          ]),
        ),
        AUTHORIZER_CACHE_TTL: String(cacheTtl.toSeconds()),
        AUDIT_RETENTION_DAYS: String(props.auditRetentionDays ?? 365),
        // The functions' own metrics (EMF), one namespace per stage.
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(stageName),
      },
    };
    const { authorizer, ...crud } = addApiFunctions(this, defaults, tables);
    const { signIn } = props;
    for (const [name, value] of Object.entries({
      OIDC_ISSUER: signIn.issuer,
      OIDC_CLIENT_ID: signIn.clientId,
      ...(signIn.jwksUri !== undefined ? { OIDC_JWKS_URI: signIn.jwksUri } : {}),
      CONSOLE_ACCOUNT_ID: signIn.accountId,
    }))
      crud.sessions.function.addEnvironment(name, value);

    // A browser on an allowed origin (the console's) may read the handlers' answers.
    if (props.corsAllowOrigins !== undefined && props.corsAllowOrigins.length > 0) {
      for (const fn of Object.values(crud))
        fn.function.addEnvironment('CORS_ALLOW_ORIGINS', props.corsAllowOrigins.join(','));
    }

    this.api = new RouteTableApi(this, 'Api', {
      stageName,
      functions: mapValues(crud, (fn) => fn.function),
      authorizer: new RequestAuthorizer(this, 'TokenAuthorizer', {
        handler: authorizer.function,
        // The source address is an identity source too, so a cached answer is reused for the
        // address it was given to only: a token bound to some ranges (allowedCidrs) is never let
        // in from another address on the strength of an answer cached for an allowed one.
        identitySources: [
          IdentitySource.header('Authorization'),
          IdentitySource.context('identity.sourceIp'),
        ],
        resultsCacheTtl: cacheTtl,
      }),
      accessLogs: new LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy }),
      removalPolicy,
      throttling: props.throttling,
      corsAllowOrigins: props.corsAllowOrigins,
    }).restApi;
    const firewall = new ApiFirewall(this, 'WebAcl', {
      maxRequestBodyBytes: props.maxRequestBodyBytes ?? 64 * 1024,
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: firewall.webAclArn,
    });

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
    this.flushAfterChangesOfRights(crud, flushCache, stageName);
    const background = new BackgroundFunctions(this, 'Default', {
      tables,
      bus: props.bus,
      defaults,
      restApiId: this.api.restApiId,
      stageName,
      flushCache,
      ...(signIn.userPool !== undefined
        ? { userDirectory: { userPool: signIn.userPool, accountId: signIn.accountId } }
        : {}),
    });
    this.deadLetterQueues = background.deadLetterQueues;
    this.functions = {
      authorizer,
      ...crud,
      membersStream: background.streamHandlers.members,
      tokensStream: background.streamHandlers.tokens,
      rolesStream: background.streamHandlers.roles,
      graceSweeper: background.graceSweeper,
    };

    this.alarmTopic = new ServiceAlarms(this, 'Alarms', {
      topic: props.alarmTopic,
      stageName,
      api: this.api,
      authorizer: authorizer.function,
      streams: mapValues(background.streamHandlers, (handler, name) => ({
        handler: handler.function,
        deadLetters: background.deadLetterQueues[name],
      })),
    }).topic;
    new ServiceDashboard(this, 'Dashboard', {
      stageName,
      api: this.api,
      functions: mapValues(this.functions, (fn) => fn.function),
      streams: mapValues(background.streamHandlers, (handler) => handler.function),
      tables,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL; the API is under api/v2' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  /**
   * The CRUD functions whose routes change rights flush too, right after their commit, so
   * revocation does not wait on stream lag (the stream handlers stay the backstop). Naming the API
   * in their environment makes each function depend on the RestApi resource only; the API's
   * methods and deployment depend on the functions, the functions on no method or stage: no cycle.
   */
  private flushAfterChangesOfRights(
    crud: Readonly<Record<FunctionName, NodeFunction>>,
    flushCache: PolicyStatement,
    stageName: string,
  ): void {
    const routes: readonly Route[] = ROUTES;
    const flushing = routes.filter((route) => route.changesRights || route.flushesWhenChanged);
    const names = [...new Set(flushing.map((route) => route.function))];
    for (const name of names) {
      crud[name].function.addEnvironment('REST_API_ID', this.api.restApiId);
      crud[name].function.addEnvironment('STAGE_NAME', stageName);
      crud[name].function.addToRolePolicy(flushCache);
    }
  }
}

/** `record` with each value mapped, keys kept. */
function mapValues<K extends string, V, W>(
  record: Readonly<Record<K, V>>,
  map: (value: V, key: K) => W,
): Record<K, W> {
  return Object.fromEntries(
    (Object.entries(record) as [K, V][]).map(([key, value]) => [key, map(value, key)]),
  ) as Record<K, W>;
}
