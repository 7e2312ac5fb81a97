import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { config } from '../config/config.js';
import { actingAs, type ChangeActor, type ChangeOrigin, withChangeContext } from '../data/change-context.js';
import { ConditionFailedError, isUnavailable } from '../data/errors.js';
import { metricsPublisher } from '../observability/metrics.js';
import { DomainError, type DomainErrorKind } from '../services/errors.js';
import { type Principal, principalFromContext } from '../services/principal.js';
import { checkApiVersionHeader } from './api-version.js';
import { ApiError, type ErrorCode, methodNotAllowed, STATUS, unauthorized } from './errors.js';
import { parseJsonText, requireJsonContentType } from './json-body.js';
import { logger } from './logger.js';
import { checkPathParameters } from './path-parameters.js';
import { FLUSH_FAILED_MESSAGE, type FunctionName, ROUTES, type RouteKeyOf } from './routes.js';

export interface ApiRequest {
  readonly principal: Principal;
  readonly body: unknown;
  readonly path: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly requestId: string;
}

export type PublicRequest = Omit<ApiRequest, 'principal'>;

export interface ApiResult {
  readonly status: number;
  readonly body?: unknown;
}

export type RouteHandler = (request: ApiRequest) => Promise<ApiResult>;
export type PublicRouteHandler = (request: PublicRequest) => Promise<ApiResult>;

export const ok = (body: unknown, status = 200): ApiResult => ({ status, body });
export const noContent = (): ApiResult => ({ status: 204 });

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Anything shaped like a secret (an access token or an invitation code) in a message, as when a
 * caller sends one as an unknown field's name and the 400 names that field: a secret never goes
 * back out in an error, whoever sent it.
 */
const SECRET_SHAPE = /\b(atk|ati)_[0-9A-Za-z]{16,}/g;

export function errorBody(code: ErrorCode, message: string, requestId: string): APIGatewayProxyResult {
  return {
    statusCode: STATUS[code],
    headers: JSON_HEADERS,
    body: JSON.stringify({ code, message: message.replace(SECRET_SHAPE, '$1_…'), id: requestId }),
  };
}

/** How each kind of domain error is answered. */
const CODE_OF: Record<DomainErrorKind, ErrorCode> = {
  invalid: 'invalid_request',
  unauthenticated: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  conflict: 'conflict',
};

/** The one place errors become HTTP: known errors keep their code; anything else hides its internals. */
export function errorResponse(error: unknown, requestId: string): APIGatewayProxyResult {
  if (error instanceof DomainError) return errorBody(CODE_OF[error.kind], error.message, requestId);
  if (error instanceof ApiError) return errorBody(error.code, error.message, requestId);
  if (error instanceof ConditionFailedError) return errorBody('conflict', error.message, requestId);
  if (isUnavailable(error)) {
    logger.error('dependency unavailable', { requestId, error: error as Error });
    return errorBody('service_unavailable', 'The service is temporarily unavailable; retry later', requestId);
  }
  logger.error('unhandled error', { requestId, error: error as Error });
  return errorBody('internal_server_error', 'Internal server error', requestId);
}

/** API Gateway passes header names as the client spelled them; HTTP says case does not matter. */
function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** A body must say it is JSON (else 415) and be JSON no deeper than MAX_BODY_DEPTH (else 400). */
function parseBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  requireJsonContentType(headerValue(event, 'content-type'));
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return parseJsonText(text);
}

const routeKey = (event: APIGatewayProxyEvent) => `${event.httpMethod} ${event.resource}`;

/** Where a request came from, for the audit log: API Gateway's source address, the client's User-Agent. */
function originOf(event: APIGatewayProxyEvent): ChangeOrigin {
  const sourceIp = event.requestContext?.identity?.sourceIp;
  const userAgent =
    headerValue(event, 'user-agent') ?? event.requestContext?.identity?.userAgent ?? undefined;
  const requestId = event.requestContext?.requestId;
  return {
    ...(sourceIp ? { sourceIp } : {}),
    ...(userAgent ? { userAgent: userAgent.slice(0, 512) } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** Who the principal is, as the audit log names them: a member and their token, a service token, or a member's console session. */
function actorOf(principal: Principal): ChangeActor {
  const member =
    principal.member === null ? undefined : { memberId: principal.memberId, email: principal.member.email };
  if (principal.session === true && member !== undefined) return { kind: 'member', member };
  const token = {
    tokenId: principal.tokenId,
    name: principal.tokenName,
    serviceToken: principal.serviceToken,
  };
  return { kind: 'token', token, ...(member !== undefined ? { member } : {}) };
}

/**
 * Middy middleware that turns any error into the contract's error body; registered last, so it
 * sees what every other middleware threw.
 */
const errorMapper = (): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  onError: async (request) => {
    request.response = errorResponse(
      request.error,
      request.event.requestContext?.requestId ?? request.context.awsRequestId,
    );
  },
});

const requestLogger = (): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  before: async (request) => {
    logger.resetKeys();
    logger.appendKeys({ requestId: request.event.requestContext?.requestId, route: routeKey(request.event) });
  },
  after: async (request) => {
    logger.info('request', { status: request.response?.statusCode });
  },
});

/**
 * A browser on an allowed origin (the console's on AWS) may read the answer, error or not: the
 * preflight is API Gateway's, the answer's header is added here, after the error mapper.
 */
const corsHeaders = (): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => {
  const allow = (request: middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult>) => {
    const origin = headerValue(request.event, 'origin');
    if (origin === undefined || request.response === null || request.response === undefined) return;
    if (!config.corsAllowOrigins().includes(origin)) return;
    request.response.headers = {
      ...request.response.headers,
      'access-control-allow-origin': origin,
      vary: 'Origin',
    };
  };
  return { after: async (request) => allow(request), onError: async (request) => allow(request) };
};

/** `METHOD /resource/{path}` of every route whose 2xx answer is a committed change of rights. */
const CHANGES_RIGHTS = new Set(ROUTES.filter((r) => r.changesRights).map((r) => `${r.method} ${r.path}`));

/**
 * Revocation does not wait on stream lag: after a 2xx answer of a route that changes rights
 * (`changesRights` in the route table), the stage's authorizer cache is flushed before the answer
 * goes back, so the next request with any affected token is authorized afresh.
 * The change is committed by then, so a failed flush must not turn it into a 500 (the caller would
 * retry a change that is done): it is logged and counted (an alarm watches the count) and the answer
 * stands. The stream handler's flush for the same change is the backstop: it fails its batch until
 * a flush succeeds, so a stale answer outlives the change by the stream lag, never the cache TTL.
 */
const flushOnChangeOfRights = (
  flushAuthorizerCache: () => Promise<void>,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  after: async (request) => {
    const status = request.response?.statusCode ?? 0;
    if (status < 200 || status > 299 || !CHANGES_RIGHTS.has(routeKey(request.event))) return;
    try {
      await flushAuthorizerCache();
    } catch (error) {
      logger.error(FLUSH_FAILED_MESSAGE, { error: error as Error });
    }
  },
});

function toResult(result: ApiResult): APIGatewayProxyResult {
  if (result.body === undefined) return { statusCode: result.status, headers: {}, body: '' };
  return { statusCode: result.status, headers: JSON_HEADERS, body: JSON.stringify(result.body) };
}

type Routes<H> = Readonly<Record<string, H>>;

/**
 * The middy chain every API function shares: metrics (published last, as the invocation ends),
 * logging, error mapping, dispatch on `METHOD /resource/{path}`.
 */
function chain(
  dispatch: (event: APIGatewayProxyEvent, request: PublicRequest) => Promise<ApiResult>,
  flush?: () => Promise<void>,
) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(metricsPublisher())
    .use(corsHeaders())
    .use(flush === undefined ? [requestLogger()] : [requestLogger(), flushOnChangeOfRights(flush)])
    .use(errorMapper())
    .handler(async (event) =>
      // Every change this request makes is stamped with where it came from (and, once known, who).
      withChangeContext({ kind: 'anonymous' }, originOf(event), async () => {
        checkApiVersionHeader(headerValue(event, 'ld-api-version'));
        return toResult(
          await dispatch(event, {
            body: parseBody(event),
            path: checkPathParameters(event.pathParameters),
            query: (event.queryStringParameters ?? {}) as Record<string, string>,
            requestId: event.requestContext.requestId,
          }),
        );
      }),
    );
}

function routeFor<H>(routes: Routes<H>, event: APIGatewayProxyEvent): H {
  const route = routes[routeKey(event)];
  if (route === undefined) throw methodNotAllowed(`${event.httpMethod} is not supported on ${event.path}`);
  return route;
}

/** A Lambda for several routes of one resource, called with the principal from the authorizer context. */
export function apiHandler<F extends FunctionName>(
  /** The function's name in the route table: `routes` must have exactly its routes (checked by tsc). */
  _fn: F,
  routes: Readonly<Record<RouteKeyOf<F>, RouteHandler>>,
  options: {
    /**
     * The authorizer cache flush, for functions that serve routes which change rights: passed in
     * by those functions only, so that the others do not bundle the API Gateway client.
     */
    readonly flushAuthorizerCache?: () => Promise<void>;
  } = {},
) {
  const changing = Object.keys(routes).filter((key) => CHANGES_RIGHTS.has(key));
  if (changing.length > 0 && options.flushAuthorizerCache === undefined)
    throw new Error(`${changing.join(', ')} change rights: the function must pass flushAuthorizerCache`);
  return chain(async (event, request) => {
    const route = routeFor(routes, event);
    // Fail closed: a request that reached a handler without the authorizer's context is refused,
    // and so is a cached authorizer answer that outlived the secret it was given for.
    const principal = principalFromContext(event.requestContext?.authorizer);
    if (principal === null || (principal.validUntil !== undefined && principal.validUntil <= Date.now())) {
      throw unauthorized();
    }
    logger.appendKeys({
      accountId: principal.accountId,
      tokenId: principal.tokenId,
      memberId: principal.memberId,
    });
    actingAs(actorOf(principal));
    return route({ ...request, principal });
  }, options.flushAuthorizerCache);
}

/** The same chain for routes that take no credentials (accepting an invitation). */
export function publicApiHandler<F extends FunctionName>(
  _fn: F,
  routes: Readonly<Record<RouteKeyOf<F>, PublicRouteHandler>>,
) {
  return chain(async (event, request) => routeFor(routes, event)(request));
}
