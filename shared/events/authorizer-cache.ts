import { FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { config } from '../config/config.js';
import { apiGateway } from './clients.js';

/**
 * Revocation beats the cache: after any change of rights, the stage's authorizer cache is
 * flushed (on AWS FlushStageAuthorizersCache; locally the local gateway's flush), so a cached
 * answer never outlives the change. Called by the CRUD handler that committed the change, right
 * after its commit, and by the stream handlers as the backstop.
 */
export async function flushAuthorizerCache(): Promise<void> {
  const local = config.localFlushUrl();
  if (local !== undefined) {
    // Bounded like the AWS call: a stuck local gateway is a failed flush, not a hung request.
    const response = await fetch(local, {
      method: 'POST',
      signal: AbortSignal.timeout(config.awsCallTimeoutMs()),
    });
    if (!response.ok) throw new Error(`the local gateway's cache flush answered ${response.status}`);
    return;
  }
  await apiGateway().send(
    new FlushStageAuthorizersCacheCommand({ restApiId: config.restApiId(), stageName: config.stageName() }),
  );
}
