/**
 * What the gateway answers itself, before any handler runs, in one table that both sides read: the
 * CDK REST API configures API Gateway's gateway responses from it (and its 405 mocks), and the
 * local gateway answers from it. Status codes come from the contract's codes (errors.ts).
 * A plain module: the local stack must not load aws-cdk-lib.
 */
import { type ErrorCode, STATUS } from './errors.js';
import { ROUTES, type Route } from './routes.js';

const UNAVAILABLE = 'The service is temporarily unavailable; retry later';

/**
 * API Gateway's response types (the names it uses) that get the contract's error body. A `null`
 * message is API Gateway's own description of the error (`$context.error.messageString`).
 */
export const GATEWAY_RESPONSES = {
  /** No or an invalid credential: the authorizer refused, or the identity header is missing. */
  UNAUTHORIZED: { code: 'unauthorized', message: 'Invalid access token' },
  /** The authorizer's policy does not allow this method. */
  ACCESS_DENIED: { code: 'forbidden', message: 'The token may not call this API' },
  /** The authorizer failed (threw, timed out): nothing is let through. */
  AUTHORIZER_FAILURE: { code: 'service_unavailable', message: UNAVAILABLE },
  AUTHORIZER_CONFIGURATION_ERROR: { code: 'service_unavailable', message: UNAVAILABLE },
  /** API Gateway's answer for a path no resource matches (its name is historical). */
  MISSING_AUTHENTICATION_TOKEN: { code: 'not_found', message: 'No such route' },
  THROTTLED: { code: 'rate_limited', message: 'Too many requests; retry later' },
  REQUEST_TOO_LARGE: { code: 'invalid_request', message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'The request body must be JSON (Content-Type: application/json)',
  },
  DEFAULT_4XX: { code: 'invalid_request', message: null },
  DEFAULT_5XX: { code: 'internal_server_error', message: 'Internal server error' },
} as const satisfies Record<string, { readonly code: ErrorCode; readonly message: string | null }>;

export type GatewayResponseType = keyof typeof GATEWAY_RESPONSES;

export interface GatewayAnswer {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

/** The answer of one response type; `detail` stands in for API Gateway's own message where the table has none. */
export function gatewayAnswer(type: GatewayResponseType, detail = 'Bad request'): GatewayAnswer {
  const { code, message } = GATEWAY_RESPONSES[type];
  return { status: STATUS[code], code, message: message ?? detail };
}

/** The methods HTTP clients send that this API could route; a route table method is one of them. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const routes: readonly Route[] = ROUTES;

/**
 * Every resource path of the route table with the methods it has, in route-table order. A path
 * answers any other method with a 405 naming these in `Allow`, on AWS as locally.
 */
export const RESOURCE_METHODS: ReadonlyMap<string, readonly HttpMethod[]> = routes.reduce(
  (paths, route) => paths.set(route.path, [...(paths.get(route.path) ?? []), route.method]),
  new Map<string, HttpMethod[]>(),
);

export interface MethodNotAllowed extends GatewayAnswer {
  /** The `Allow` header: the methods the path has. */
  readonly allow: string;
}

/**
 * The answer to a method a resource path does not have. `method` is the request's; API Gateway's
 * mock passes `$context.httpMethod`, so both sides word it the same.
 */
export function methodNotAllowed(method: string, resourcePath: string): MethodNotAllowed {
  const allowed = RESOURCE_METHODS.get(resourcePath);
  if (allowed === undefined) throw new Error(`${resourcePath} is not a path of the route table`);
  return {
    status: STATUS.method_not_allowed,
    code: 'method_not_allowed',
    message: `${method} is not allowed on ${resourcePath}`,
    allow: allowed.join(', '),
  };
}
