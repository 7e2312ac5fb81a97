import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * A conditional write that lost: the item changed since it was read (version guard), already
 * exists, or is gone. The error handler answers it with 409.
 */
export class ConditionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionFailedError';
  }
}

/** Runs a write, turning DynamoDB's condition failures into ConditionFailedError(message). */
export async function guarded<T>(message: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ConditionFailedError(message);
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.some(
        (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
      )
    ) {
      throw new ConditionFailedError(message);
    }
    throw error;
  }
}

/** Faults that mean DynamoDB (or the network to it) is down: 503, and nothing was let through. */
export function isUnavailable(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: { code?: string };
  };
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'];
  return (
    network.includes(e.code ?? '') ||
    network.includes(e.cause?.code ?? '') ||
    e.name === 'TimeoutError' ||
    e.name === 'ServiceUnavailable' ||
    e.name === 'ProvisionedThroughputExceededException' ||
    e.name === 'RequestLimitExceeded' ||
    (e.$metadata?.httpStatusCode ?? 0) >= 500
  );
}
