import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { LocalStack, type LocalStackOptions } from '../../infra/local/stack.js';
import { Api, httpTransport } from './api.js';

/**
 * A local stack for end-to-end tests: its own HTTP port and its own tables on the run's DynamoDB
 * Local, so its streams carry only its own changes.
 */
export async function startTestStack(
  cacheTtlSeconds: number,
  streamHandlers?: LocalStackOptions['streamHandlers'],
): Promise<{ stack: LocalStack; api: Api; ownerToken: string }> {
  const stack = await LocalStack.start({
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `e2e-${randomUUID().slice(0, 8)}`,
    cacheTtlSeconds,
    accountId: `e2e-${randomUUID()}`,
    ...(streamHandlers ? { streamHandlers } : {}),
  });
  if (stack.ownerToken === undefined) throw new Error('the stack did not create its account');
  return { stack, api: new Api(0, httpTransport(stack.url)), ownerToken: stack.ownerToken };
}
