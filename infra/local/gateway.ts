import { randomUUID } from 'node:crypto';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { compileGlob, type Matcher } from '../../shared/domain/glob.js';
import { errorBody, errorResponse } from '../../shared/http/api-handler.js';
import {
  type GatewayAnswer,
  type GatewayResponseType,
  gatewayAnswer,
  methodNotAllowed,
} from '../../shared/http/gateway-responses.js';
import { logger, withLogContext } from '../../shared/http/logger.js';
import { ROUTES, type Route } from '../../shared/http/routes.js';
import { authorizer, FUNCTIONS } from './functions.js';
import { lambdaContext } from './lambda-context.js';
import { AddressRateLimiter } from './rate-limiter.js';

export interface GatewayRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * The client's address, as API Gateway's `requestContext.identity.sourceIp`: the server passes
   * its socket's peer address, never a header the client set (X-Forwarded-For and the like are
   * ignored, or anyone could escape a token's IP binding). In-process callers (tests) may set it;
   * absent, it is 127.0.0.1.
   */
  readonly sourceIp?: string;
}

export interface GatewayResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One resource path of the route table, with its routes by method. */
interface CompiledResource {
  readonly path: string;
  readonly routes: ReadonlyMap<string, Route>;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

const API_ID = 'local';
const LOOPBACK = '127.0.0.1';
const REGION = 'local';
const ACCOUNT = '000000000000';

const routes: readonly Route[] = ROUTES;

/**
 * As API Gateway resolves a path: to a resource first (a literal segment before a `{parameter}`
 * where both would match), then the method on that resource.
 */
const resources: CompiledResource[] = [...new Set(routes.map((route) => route.path))]
  .map((path) => {
    const params: string[] = [];
    // Literal text is escaped (`openapi.json`'s dot is a dot); each `{parameter}` is one segment.
    const source = path
      .split(/(\{\w+\})/)
      .map((part) => {
        const param = /^\{(\w+)\}$/.exec(part);
        if (param === null) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        params.push(param[1]!);
        return '([^/]+)';
      })
      .join('');
    return {
      path,
      routes: new Map(routes.filter((r) => r.path === path).map((r) => [r.method, r])),
      pattern: new RegExp(`^${source}/?$`),
      params,
    };
  })
  .sort((a, b) => specificity(a.path).localeCompare(specificity(b.path)));

/** `0` per literal segment, `1` per parameter: sorting on it puts literal segments first. */
function specificity(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment.startsWith('{') ? '1' : '0'))
    .join('');
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A gateway response in the contract's error shape, as API Gateway renders it from the shared table. */
function gatewayResponse(
  answer: GatewayAnswer,
  requestId: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  const body = errorBody(answer.code, answer.message, requestId);
  return { ...body, statusCode: answer.status, headers: { ...body.headers, ...headers } };
}

/** Whether an IAM policy document from the authorizer allows this method ARN (Allow, no Deny). */
const arnMatchers = new Map<string, Matcher>();

function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  // IAM resource wildcards are the policy language's `*`: the same compiled matcher, made once per pattern.
  const matcher = (pattern: string) => {
    let compiled = arnMatchers.get(pattern);
    if (compiled === undefined) {
      compiled = compileGlob(pattern);
      arnMatchers.set(pattern, compiled);
    }
    return compiled;
  };
  const matches = (resource: string | string[]) => [resource].flat().some((r) => matcher(r)(methodArn));
  const statements = result.policyDocument.Statement as { Effect: string; Resource?: string | string[] }[];
  if (statements.some((s) => s.Effect === 'Deny' && s.Resource && matches(s.Resource))) return false;
  return statements.some((s) => s.Effect === 'Allow' && s.Resource && matches(s.Resource));
}

/**
 * What API Gateway (REST) does in front of the handlers, locally: match the route table, run the
 * REQUEST authorizer on the Authorization header with a result cache keyed on that header (the
 * configured TTL, and a flush), build the proxy event, invoke the handler, map its result back.
 * A failing authorizer lets nothing through.
 */
export class LocalGateway {
  private readonly cache = new Map<string, { expires: number; result: APIGatewayAuthorizerResult }>();
  /** WAF's rate-based rules, locally: one limiter per route with a `perAddressLimit`. */
  private readonly limiters = new Map<Route, AddressRateLimiter>();
  readonly stage: string;
  /** How many times the authorizer actually ran (cache misses), for tests and benchmarks. */
  authorizerInvocations = 0;

  constructor(private readonly options: { cacheTtlSeconds: number; stage?: string }) {
    this.stage = options.stage ?? 'local';
  }

  /** FlushStageAuthorizersCache, locally. */
  flushAuthorizerCache(): void {
    this.cache.clear();
  }

  /** Whether this address may call this route now (routes without a limit: always). */
  private admit(route: Route, sourceIp: string): boolean {
    if (route.perAddressLimit === undefined) return true;
    let limiter = this.limiters.get(route);
    if (limiter === undefined) {
      limiter = new AddressRateLimiter(
        route.perAddressLimit.requests,
        route.perAddressLimit.windowSeconds * 1000,
      );
      this.limiters.set(route, limiter);
    }
    return limiter.admit(sourceIp);
  }

  private async authorize(
    identity: string,
    sourceIp: string,
    methodArn: string,
    request: GatewayRequest,
    requestId: string,
  ) {
    const now = Date.now();
    // The identity sources, as on AWS (the Authorization header and context.identity.sourceIp):
    // an answer for one address is never reused for another (a token's IP binding).
    const key = `${identity}\n${sourceIp}`;
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.expires > now) return cached.result;
    const event: APIGatewayRequestAuthorizerEvent = {
      type: 'REQUEST',
      methodArn,
      resource: request.path,
      path: request.path,
      httpMethod: request.method,
      headers: { ...(request.headers ?? {}), Authorization: identity },
      multiValueHeaders: null,
      pathParameters: null,
      queryStringParameters: (request.query as Record<string, string>) ?? null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      requestContext: {
        requestId,
        stage: this.stage,
        identity: { sourceIp },
      } as APIGatewayRequestAuthorizerEvent['requestContext'],
    };
    this.authorizerInvocations++;
    // Each invocation logs with its own keys, as each Lambda invocation does.
    const result = await withLogContext(() => authorizer(event));
    if (this.options.cacheTtlSeconds > 0)
      this.cache.set(key, { expires: now + this.options.cacheTtlSeconds * 1000, result });
    return result;
  }

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const requestId = randomUUID();
    const respond = (r: {
      statusCode: number;
      headers?: Record<string, unknown>;
      body: string;
    }): GatewayResponse => ({
      status: r.statusCode,
      headers: { 'x-request-id': requestId, ...(r.headers as Record<string, string>) },
      body: r.body,
    });
    const answer = (type: GatewayResponseType) => respond(gatewayResponse(gatewayAnswer(type), requestId));
    const resource = resources.find((r) => r.pattern.test(request.path));
    if (resource === undefined) return answer('MISSING_AUTHENTICATION_TOKEN');
    const route = resource.routes.get(request.method);
    if (route === undefined) {
      const refusal = methodNotAllowed(request.method, resource.path);
      return respond(gatewayResponse(refusal, requestId, { allow: refusal.allow }));
    }
    const values = resource.pattern.exec(request.path)?.slice(1) ?? [];
    let pathParameters: Record<string, string>;
    try {
      pathParameters = Object.fromEntries(
        resource.params.map((name, i) => [name, decodeURIComponent(values[i] ?? '')]),
      );
    } catch {
      return respond(
        errorBody('invalid_request', `The path ${request.path} is not validly percent-encoded`, requestId),
      );
    }
    const sourceIp = request.sourceIp ?? LOOPBACK;
    if (!this.admit(route, sourceIp)) return answer('THROTTLED');
    const headers = lowerCaseKeys(request.headers ?? {});
    const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${this.stage}/${request.method}${request.path}`;

    let authorizerContext: Record<string, string> | undefined;
    if (!route.public) {
      const identity = headers.authorization;
      if (identity === undefined || identity === '') return answer('UNAUTHORIZED');
      try {
        const result = await this.authorize(identity, sourceIp, methodArn, request, requestId);
        if (!policyAllows(result, methodArn)) return answer('ACCESS_DENIED');
        authorizerContext = {
          ...(result.context as Record<string, string>),
          principalId: result.principalId,
        };
      } catch (error) {
        // Lambda's `Unauthorized` is API Gateway's 401; anything else the authorizer throws fails closed.
        if ((error as Error).message === 'Unauthorized') return answer('UNAUTHORIZED');
        logger.error('authorizer failed', { requestId, error: error as Error });
        return answer('AUTHORIZER_FAILURE');
      }
    }

    const event: APIGatewayProxyEvent = {
      resource: route.path,
      path: request.path,
      httpMethod: request.method,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters:
        request.query && Object.keys(request.query).length > 0 ? { ...request.query } : null,
      multiValueQueryStringParameters:
        request.query && Object.keys(request.query).length > 0
          ? Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v]]))
          : null,
      pathParameters: resource.params.length > 0 ? pathParameters : null,
      stageVariables: null,
      body: request.body ?? null,
      isBase64Encoded: false,
      requestContext: {
        accountId: ACCOUNT,
        apiId: API_ID,
        authorizer: authorizerContext ?? null,
        httpMethod: request.method,
        identity: { sourceIp } as APIGatewayProxyEvent['requestContext']['identity'],
        path: `/${this.stage}${request.path}`,
        protocol: 'HTTP/1.1',
        requestId,
        requestTimeEpoch: Date.now(),
        resourceId: 'local',
        resourcePath: route.path,
        stage: this.stage,
      },
    };
    try {
      const result = await withLogContext(() =>
        FUNCTIONS[route.function](event, lambdaContext(route.function, requestId)),
      );
      return respond({ statusCode: result.statusCode, headers: result.headers ?? {}, body: result.body });
    } catch (error) {
      return respond(errorResponse(error, requestId));
    }
  }
}
