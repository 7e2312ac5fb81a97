import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './clients.js';
import { ConditionFailedError, guarded } from './errors.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One TransactWriteItems; a lost condition becomes ConditionFailedError(message). */
export async function transact(message: string, items: TransactItem[]): Promise<void> {
  await guarded(message, () => dynamo().send(new TransactWriteCommand({ TransactItems: items })));
}

export const versionGuard = (expectedVersion: number) => ({
  ConditionExpression: 'version = :expected',
  ExpressionAttributeValues: { ':expected': expectedVersion },
});

/**
 * The item is still as read: its version, and an attribute that is written without a new version
 * (a record of use: a token's `lastUsed`, a member's `lastSeen`), absent if it was.
 */
export const asReadGuard = (expectedVersion: number, attribute: string, read: number | undefined) =>
  read === undefined
    ? {
        ConditionExpression: 'version = :expected AND attribute_not_exists(#used)',
        ExpressionAttributeNames: { '#used': attribute },
        ExpressionAttributeValues: { ':expected': expectedVersion },
      }
    : {
        ConditionExpression: 'version = :expected AND #used = :used',
        ExpressionAttributeNames: { '#used': attribute },
        ExpressionAttributeValues: { ':expected': expectedVersion, ':used': read },
      };

/**
 * A conditional write made from a read, tried up to three times: when its condition fails (the
 * item moved since the read, or DynamoDB cancelled it against another write in flight), `reread`
 * gives the state to write from next after a short pause, or throws to give up. Any other error
 * ends it at once; after the third failure the condition's error stands.
 */
export async function writeFromFreshReads<S, R>(
  read: S,
  write: (state: S) => Promise<R>,
  reread: (state: S, failure: ConditionFailedError) => Promise<S>,
): Promise<R> {
  let state = read;
  for (let attempt = 0; ; attempt++) {
    try {
      return await write(state);
    } catch (error) {
      if (!(error instanceof ConditionFailedError) || attempt === 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * (attempt + 1)));
      state = await reread(state, error);
    }
  }
}
