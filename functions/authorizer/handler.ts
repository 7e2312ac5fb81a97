import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { logger } from '../../shared/http/logger.js';
import { toAuthorizerContext } from '../../shared/services/authorizer-context.js';
import { verifyToken } from '../../shared/services/verify-token.js';

/**
 * The API's Lambda REQUEST authorizer. Every kind of invalid token gets the same 401 (thrown
 * 'Unauthorized', which API Gateway turns into its UNAUTHORIZED response); a fault is thrown as
 * itself, so the gateway answers 5xx and lets nothing through. On success the policy allows the
 * whole stage, because API Gateway reuses a cached answer for every route: each handler checks its
 * own action against the principal in the context.
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const header = event.headers?.Authorization ?? event.headers?.authorization;
  const result = await verifyToken(header);
  if (!result.ok) {
    logger.info('token refused', { reason: result.code, requestId: event.requestContext?.requestId });
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
