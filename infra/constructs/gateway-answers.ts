/**
 * The gateway's own answers on AWS, from the table the local gateway answers from too
 * (shared/http/gateway-responses.ts): its gateway responses, and a 405 for the methods a path lacks.
 */
import { Validations } from 'aws-cdk-lib';
import {
  AuthorizationType,
  type IResource,
  MockIntegration,
  PassthroughBehavior,
  ResponseType,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import {
  GATEWAY_RESPONSES,
  type GatewayResponseType,
  gatewayAnswer,
  methodNotAllowed,
} from '../../shared/http/gateway-responses.js';

/**
 * The construct ids the gateway responses were first deployed with. A gateway response whose
 * logical id changed would be created anew and the old one deleted after it, and that deletion
 * resets the response type to API Gateway's default: so these names stay.
 */
const RESPONSE_IDS: Record<GatewayResponseType, string> = {
  UNAUTHORIZED: 'Unauthorized',
  ACCESS_DENIED: 'AccessDenied',
  AUTHORIZER_FAILURE: 'AuthorizerFailure',
  AUTHORIZER_CONFIGURATION_ERROR: 'AuthorizerConfiguration',
  MISSING_AUTHENTICATION_TOKEN: 'MissingRoute',
  THROTTLED: 'Throttled',
  REQUEST_TOO_LARGE: 'TooLarge',
  UNSUPPORTED_MEDIA_TYPE: 'UnsupportedMediaType',
  DEFAULT_4XX: 'Default4xx',
  DEFAULT_5XX: 'Default5xx',
};

/** The request body types the 405 mock takes (with no Content-Type, API Gateway uses JSON's). */
export const MOCK_CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
] as const;

/**
 * The contract's error body as a mapping template. `$context` references are filled in by API
 * Gateway; `$context.error.messageString` is already a quoted JSON string.
 */
export function errorTemplate(answer: { code: string; message: string | null }): string {
  return answer.message === null
    ? `{"code":"${answer.code}","message":$context.error.messageString,"id":"$context.requestId"}`
    : JSON.stringify({ code: answer.code, message: answer.message, id: '$context.requestId' });
}

/**
 * Every gateway response type of the table, in the contract's error shape and status; readable by
 * a browser on `corsOrigin` (the console's), so that it sees a 401 as a 401 and not as a network
 * failure.
 */
export function answerInContractShape(api: RestApi, corsOrigin?: string): void {
  for (const type of Object.keys(GATEWAY_RESPONSES) as GatewayResponseType[]) {
    api.addGatewayResponse(RESPONSE_IDS[type], {
      type: ResponseType.of(type),
      statusCode: String(gatewayAnswer(type).status),
      templates: { 'application/json': errorTemplate(GATEWAY_RESPONSES[type]) },
      ...(corsOrigin !== undefined
        ? { responseHeaders: { 'Access-Control-Allow-Origin': `'${corsOrigin}'`, Vary: "'Origin'" } }
        : {}),
    });
  }
}

/**
 * API Gateway answers a method a resource lacks as if the path did not exist (its
 * MISSING_AUTHENTICATION_TOKEN response). An `ANY` method takes every method a resource does
 * not declare itself: here a mock that answers 405, with the path's methods in `Allow`, before
 * credentials, as the local gateway does.
 */
export function refuseOtherMethods(resource: IResource): void {
  const refusal = methodNotAllowed('$context.httpMethod', resource.path);
  const method = resource.addMethod(
    'ANY',
    new MockIntegration({
      requestTemplates: Object.fromEntries(
        MOCK_CONTENT_TYPES.map((type) => [type, JSON.stringify({ statusCode: refusal.status })]),
      ),
      // A body of any other type is refused as UNSUPPORTED_MEDIA_TYPE rather than passed to the
      // mock, which would fail on it with a 500.
      passthroughBehavior: PassthroughBehavior.NEVER,
      integrationResponses: [
        {
          statusCode: String(refusal.status),
          responseTemplates: { 'application/json': errorTemplate(refusal) },
          responseParameters: { 'method.response.header.Allow': `'${refusal.allow}'` },
        },
      ],
    }),
    {
      authorizationType: AuthorizationType.NONE,
      methodResponses: [
        {
          statusCode: String(refusal.status),
          responseParameters: { 'method.response.header.Allow': true },
        },
      ],
    },
  );
  const reason =
    'A mock that answers 405 for a method the path does not have: nothing runs or is read behind it, and the local gateway gives the same answer before credentials.';
  Validations.of(method).acknowledge(
    { id: 'AwsSolutions-APIG4', reason },
    { id: 'AwsSolutions-COG4', reason },
  );
}
