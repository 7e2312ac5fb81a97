import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './clients.js';
import { guarded } from './errors.js';

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
