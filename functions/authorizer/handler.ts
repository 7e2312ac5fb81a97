import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { DatabaseUnavailableError } from '../../shared/data/deadline.js';
import { isUnavailable } from '../../shared/data/errors.js';
import { logger } from '../../shared/http/logger.js';
import type { AuthorizationSeries } from '../../shared/observability/definitions.js';
import { countAuthorization, publishMetrics } from '../../shared/observability/metrics.js';
import { type PrincipalData, toAuthorizerContext } from '../../shared/services/authorizer-context.js';
import { type VerifyFailure, type VerifyResult, verifyToken } from '../../shared/services/verify-token.js';

/**
 * The API's Lambda REQUEST authorizer. Every kind of invalid token gets the same 401 (thrown
 * 'Unauthorized', which API Gateway turns into its UNAUTHORIZED response); a fault is thrown as
 * itself, so the gateway answers 5xx and lets nothing through. On success the policy allows the
 * whole stage, because API Gateway reuses a cached answer for every route: each handler checks its
 * own action against the principal in the context. Each decision is counted (`Authorizations`, by
 * outcome and reason) and the count published as the invocation ends.
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  try {
    return await decide(event);
  } finally {
    publishMetrics();
  }
}

/** The metric's reason for each way a token is refused. */
const DENIED: Record<VerifyFailure, AuthorizationSeries & { outcome: 'deny' }> = {
  MALFORMED: { outcome: 'deny', reason: 'malformed' },
  NOT_FOUND: { outcome: 'deny', reason: 'unknown_token' },
  REVOKED: { outcome: 'deny', reason: 'revoked' },
  EXPIRED: { outcome: 'deny', reason: 'expired' },
  SECRET_EXPIRED: { outcome: 'deny', reason: 'secret_expired' },
  MEMBER_REMOVED: { outcome: 'deny', reason: 'member_removed' },
  ADDRESS_REFUSED: { outcome: 'deny', reason: 'address_refused' },
};

const allowed = (principal: PrincipalData): AuthorizationSeries => ({
  outcome: 'allow',
  reason:
    principal.session === true ? 'session' : principal.serviceToken ? 'service_token' : 'personal_token',
});

async function verified(header: string | undefined, sourceIp: string | undefined): Promise<VerifyResult> {
  try {
    return await verifyToken(header, Date.now(), sourceIp);
  } catch (error) {
    const unavailable = error instanceof DatabaseUnavailableError || isUnavailable(error);
    countAuthorization({ outcome: 'error', reason: unavailable ? 'database_unavailable' : 'internal' });
    throw error;
  }
}

async function decide(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const header = event.headers?.Authorization ?? event.headers?.authorization;
  // The address API Gateway (a regional endpoint) saw the request come from: the TCP peer, never a
  // header the client set. It is one of the authorizer's identity sources, so API Gateway reuses a
  // cached answer for that same address only (locally, the gateway keys its cache the same way).
  const sourceIp = event.requestContext?.identity?.sourceIp;
  const result = await verified(header, sourceIp);
  countAuthorization(result.ok ? allowed(result.principal) : DENIED[result.code]);
  if (!result.ok) {
    logger.info('token refused', {
      reason: result.code,
      requestId: event.requestContext?.requestId,
      ...(result.code === 'ADDRESS_REFUSED' ? { sourceIp } : {}),
    });
    throw new Error('Unauthorized');
  }
  const { principal } = result;
  return {
    principalId: principal.tokenId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) },
      ],
    },
    context: toAuthorizerContext(principal),
  };
}

/** `arn:aws:execute-api:region:account:api/stage/GET/x` → `arn:aws:execute-api:region:account:api/stage/*`. */
export function stageWildcard(methodArn: string): string {
  const [apiArn = '', stage = ''] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}
