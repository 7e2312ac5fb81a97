import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { config } from '../../shared/config/config.js';
import { dynamo } from '../../shared/data/clients.js';

const tables = () => [
  config.tables.members(),
  config.tables.tokens(),
  config.tables.roles(),
  config.tables.resources(),
];

/** JSON with object keys sorted at every depth, so equal items print equally. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Every stored item that belongs to an account, as sorted JSON: what "stored data" means in tests.
 * `lastUsed` (and `activityAt`, its place in the byActivity index), `lastSeen` and `lastSeenTokenId` are left out: the authorizer records use of a valid token and its
 * member (at most once a minute) even when the handler then refuses the request, and that is the
 * only write a refused request causes.
 */
export async function accountItems(accountId: string): Promise<string[]> {
  const items: string[] = [];
  for (const table of tables()) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo().send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) {
        if (item.accountId === accountId || item.pk === `ACCT#${accountId}`) {
          const {
            lastUsed: _lastUsed,
            activityAt: _activityAt,
            lastSeen: _lastSeen,
            lastSeenTokenId: _lastSeenTokenId,
            ...rest
          } = item;
          items.push(`${table} ${stable(rest)}`);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return items.sort();
}

/** Runs rejected requests and asserts that they changed no stored item of the account. */
export async function expectNoChange(accountId: string, requests: () => Promise<unknown>): Promise<void> {
  const before = await accountItems(accountId);
  expect(before.length).toBeGreaterThan(0);
  await requests();
  expect(await accountItems(accountId)).toEqual(before);
}
