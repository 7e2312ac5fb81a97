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
