import { request } from 'node:http';
import { FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { config } from '../config/config.js';
import { recordMetric } from '../observability/metrics.js';
import { apiGateway } from './clients.js';

/**
 * Revocation beats the cache: after any change of rights, the stage's authorizer cache is
 * flushed (on AWS FlushStageAuthorizersCache; locally the local gateway's flush), so a cached
 * answer never outlives the change. Called by the CRUD handler that committed the change, right
 * after its commit, and by the stream handlers as the backstop. Each flush is counted
 * (`AuthorizerCacheFlushes`, ok or failed).
 */
export async function flushAuthorizerCache(): Promise<void> {
  try {
    await flush();
  } catch (error) {
    recordMetric('AuthorizerCacheFlushes', { outcome: 'failed' });
    throw error;
  }
  recordMetric('AuthorizerCacheFlushes', { outcome: 'ok' });
}

async function flush(): Promise<void> {
  const local = config.localFlushUrl();
  if (local !== undefined) return postLocalFlush(local);
  await apiGateway().send(
    new FlushStageAuthorizersCacheCommand({ restApiId: config.restApiId(), stageName: config.stageName() }),
  );
}

/**
 * The local gateway's flush, bounded like the AWS call: a stuck local gateway is a failed flush,
 * not a hung request. node:http rather than fetch, which costs twice the CPU per call, and a
 * burst of changes locally is a burst of flushes in the process that also serves the requests.
 */
function postLocalFlush(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const flush = request(
      url,
      { method: 'POST', signal: AbortSignal.timeout(config.awsCallTimeoutMs()) },
      (response) => {
        response.resume();
        response.once('end', () =>
          (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300
            ? resolve()
            : reject(new Error(`the local gateway's cache flush answered ${response.statusCode}`)),
        );
        response.once('error', reject);
      },
    );
    flush.once('error', reject);
    flush.end();
  });
}
