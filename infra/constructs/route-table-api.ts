import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  Cors,
  EndpointType,
  type IAuthorizer,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type Resource,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RESOURCE_METHODS } from '../../shared/http/gateway-responses.js';
import { type FunctionName, ROUTES, type Route } from '../../shared/http/routes.js';
import { answerInContractShape, refuseOtherMethods } from './gateway-answers.js';

export interface RouteTableApiProps {
  readonly stageName: string;
  /** The function behind each route, by the route table's function names. */
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  /** In front of every route but the public ones. */
  readonly authorizer: IAuthorizer;
  readonly accessLogs: ILogGroup;
  readonly removalPolicy: RemovalPolicy;
  /** Steady-state requests per second and burst for the whole stage (default 100 and 200). */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * CORS is off unless origins are listed. The first is also the one the gateway's own answers
   * (401, 429, …) allow; the handlers allow each (CORS_ALLOW_ORIGINS).
   */
  readonly corsAllowOrigins?: readonly string[];
}

/**
 * The REST API, built from the shared route table: each route's method with the REQUEST authorizer
 * (none on public routes), a 405 for every other method of a route's path, and the gateway's own
 * answers, all in the contract's error shape from the table the local gateway answers from too.
 */
export class RouteTableApi extends Construct {
  readonly restApi: RestApi;

  constructor(scope: Construct, id: string, props: RouteTableApiProps) {
    super(scope, id);
    // `Default` is left out of logical ids: the API keeps the one it had before this construct
    // existed, and with it its id and URL (and its name, which was its construct id).
    this.restApi = new RestApi(this, 'Default', {
      restApiName: id,
      description: 'Access tokens API',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: props.removalPolicy,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new LogGroupLogDestination(props.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttling?.rateLimit ?? 100,
        throttlingBurstLimit: props.throttling?.burstLimit ?? 200,
      },
    });
    const routes: readonly Route[] = ROUTES;
    for (const route of routes) this.addRoute(route, props);
    // Preflights on the route table's paths only: any other path stays the 404 it is locally.
    if (props.corsAllowOrigins && props.corsAllowOrigins.length > 0) {
      for (const path of RESOURCE_METHODS.keys()) {
        this.resource(path).addCorsPreflight({
          allowOrigins: [...props.corsAllowOrigins],
          allowMethods: Cors.ALL_METHODS,
          allowHeaders: ['Authorization', 'Content-Type', 'LD-API-Version'],
        });
      }
    }
    for (const path of RESOURCE_METHODS.keys()) refuseOtherMethods(this.resource(path));
    answerInContractShape(this.restApi, props.corsAllowOrigins?.[0]);
    this.acknowledgeFindings();
  }

  private resource(path: string): Resource {
    return this.restApi.root.resourceForPath(path);
  }

  private addRoute(route: Route, props: RouteTableApiProps): void {
    const method = this.resource(route.path).addMethod(
      route.method,
      new LambdaIntegration(props.functions[route.function]),
      route.public
        ? { authorizationType: AuthorizationType.NONE }
        : { authorizer: props.authorizer, authorizationType: AuthorizationType.CUSTOM },
    );
    if (route.public) {
      // The route table says why, e.g. "the invitation code is the credential".
      const reason = `${route.method} ${route.path} takes no credentials by the contract (API.md): ${route.action}.`;
      Validations.of(method).acknowledge(
        { id: 'AwsSolutions-APIG4', reason },
        { id: 'AwsSolutions-COG4', reason },
      );
    }
  }

  private acknowledgeFindings(): void {
    Validations.of(this.restApi).acknowledge(
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
  }
}
