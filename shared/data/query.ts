import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './clients.js';

/** Every item of a query, following LastEvaluatedKey. */
export async function queryAll<T>(input: QueryCommandInput): Promise<T[]> {
  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as T[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** Strips the key and bookkeeping attributes off an item. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const {
    pk: _pk,
    sk: _sk,
    type: _type,
    memberKey: _memberKey,
    ttl: _ttl,
    graceShard: _graceShard,
    graceEnd: _graceEnd,
    reminderDay: _reminderDay,
    reminderAt: _reminderAt,
    activityKey: _activityKey,
    activityAt: _activityAt,
    inactivityShard: _inactivityShard,
    lastChange: _lastChange,
    ...rest
  } = item;
  return rest as T;
}
