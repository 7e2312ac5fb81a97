import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import type { BasePermissions } from '../domain/effective-permissions.js';
import type { Policy } from '../domain/policy.js';
import { type ChangeStamp, changeStamp } from './change-context.js';
import { dynamo } from './clients.js';
import { guarded } from './errors.js';
import { keys, ttlOf } from './keys.js';
import { queryAll, withoutKeys } from './query.js';
import { transact, versionGuard } from './transact.js';

export interface RoleRecord {
  readonly accountId: string;
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly policy: Policy;
  readonly basePermissions: BasePermissions;
  readonly creationDate: number;
  readonly lastModified: number;
  readonly version: number;
}

const table = () => config.tables.roles();
const roleItem = (role: RoleRecord) => ({
  ...keys.role(role.accountId, role.key),
  type: 'role',
  ...role,
  lastChange: changeStamp(),
});

/** Longer than a stream keeps a record (24 h), so that the REMOVE it explains always finds it. */
const DELETION_KEPT_MS = 7 * 24 * 3600 * 1000;

export const roleRepo = {
  async get(accountId: string, key: string, consistent = false): Promise<RoleRecord | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys.role(accountId, key), ConsistentRead: consistent }),
    );
    return Item === undefined ? undefined : withoutKeys<RoleRecord>(Item);
  },

  /** Several roles in one strongly consistent round trip; missing keys are simply absent. */
  async getMany(accountId: string, roleKeys: readonly string[]): Promise<RoleRecord[]> {
    const unique = [...new Set(roleKeys)];
    const found: RoleRecord[] = [];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined =
        {
          [table()]: {
            Keys: unique.slice(i, i + 100).map((key) => keys.role(accountId, key)),
            ConsistentRead: true,
          },
        };
      while (request !== undefined && Object.keys(request).length > 0) {
        const result = await dynamo().send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[table()] ?? []) found.push(withoutKeys<RoleRecord>(item));
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  },

  async list(accountId: string): Promise<RoleRecord[]> {
    const items = await queryAll<Record<string, unknown>>({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.accountPartition(accountId), ':prefix': 'ROLE#' },
      ConsistentRead: true,
    });
    return items.map((item) => withoutKeys<RoleRecord>(item)).sort((a, b) => a.key.localeCompare(b.key));
  },

  async create(role: RoleRecord): Promise<void> {
    await guarded(`a custom role with key "${role.key}" already exists`, () =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: roleItem(role),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  },

  async update(before: RoleRecord, after: RoleRecord): Promise<void> {
    await transact('the role was changed by another request; read it again and retry', [
      { Put: { TableName: table(), Item: roleItem(after), ...versionGuard(before.version) } },
    ]);
  },

  /** Deletes a role if unchanged since read, with a record of who deleted it and when, in one transaction. */
  async delete(role: RoleRecord, at = Date.now()): Promise<void> {
    await transact('the role was changed or deleted by another request', [
      {
        Delete: {
          TableName: table(),
          Key: keys.role(role.accountId, role.key),
          ...versionGuard(role.version),
        },
      },
      {
        Put: {
          TableName: table(),
          Item: {
            ...keys.deletedRole(role.accountId, role.key),
            type: 'deletion',
            accountId: role.accountId,
            key: role.key,
            deletedAt: at,
            lastChange: changeStamp(at),
            ttl: ttlOf(at + DELETION_KEPT_MS),
          },
        },
      },
    ]);
  },

  /** Who deleted a role and when; undefined if nothing here deleted it. */
  async deletion(accountId: string, key: string): Promise<{ readonly lastChange?: ChangeStamp } | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys.deletedRole(accountId, key), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    return Item.lastChange !== undefined ? { lastChange: Item.lastChange as ChangeStamp } : {};
  },
};
