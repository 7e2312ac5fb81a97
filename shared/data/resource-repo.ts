import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import { dynamo } from './clients.js';
import { guarded } from './errors.js';
import { keys } from './keys.js';
import { queryAll, withoutKeys } from './query.js';
import { type TransactItem, transact, versionGuard } from './transact.js';

export interface AccountRecord {
  readonly accountId: string;
  readonly name: string;
  readonly ownerId: string;
  readonly creationDate: number;
}

export interface EnvironmentRecord {
  readonly key: string;
  readonly name: string;
}

export interface ProjectRecord {
  readonly accountId: string;
  readonly key: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly environments: readonly EnvironmentRecord[];
  readonly creationDate: number;
  readonly version: number;
}

export interface FlagEnvironmentState {
  readonly on: boolean;
  readonly lastModified: number;
}

export interface FlagRecord {
  readonly accountId: string;
  readonly projectKey: string;
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly environments: Readonly<Record<string, FlagEnvironmentState>>;
  readonly creationDate: number;
  readonly lastModified: number;
  readonly version: number;
}

const table = () => config.tables.resources();

async function getItem<T>(key: Record<string, string>): Promise<T | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }),
  );
  return Item === undefined ? undefined : withoutKeys<T>(Item);
}

async function listPrefix<T>(accountId: string, prefix: string): Promise<T[]> {
  const items = await queryAll<Record<string, unknown>>({
    TableName: table(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.accountPartition(accountId), ':prefix': prefix },
    ConsistentRead: true,
  });
  return items.map((item) => withoutKeys<T>(item));
}

export const resourceRepo = {
  getAccount: (accountId: string) => getItem<AccountRecord>(keys.account(accountId)),

  /** The account item, written only if the account does not exist yet. */
  accountItem(account: AccountRecord): TransactItem {
    return {
      Put: {
        TableName: table(),
        Item: { ...keys.account(account.accountId), type: 'account', ...account },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  },

  getProject: (accountId: string, key: string) => getItem<ProjectRecord>(keys.project(accountId, key)),

  async listProjects(accountId: string): Promise<ProjectRecord[]> {
    return (await listPrefix<ProjectRecord>(accountId, 'PROJ#')).sort(
      (a, b) => a.creationDate - b.creationDate,
    );
  },

  async createProject(project: ProjectRecord): Promise<void> {
    await guarded(`a project with key "${project.key}" already exists`, () =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: { ...keys.project(project.accountId, project.key), type: 'project', ...project },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  },

  /** Deletes a project and its flags (in transactions of up to 100 items). */
  async deleteProject(project: ProjectRecord): Promise<void> {
    const flags = await this.listFlags(project.accountId, project.key);
    await transact('the project was changed or deleted by another request', [
      {
        Delete: {
          TableName: table(),
          Key: keys.project(project.accountId, project.key),
          ...versionGuard(project.version),
        },
      },
      ...flags
        .slice(0, 99)
        .map((f) => ({ Delete: { TableName: table(), Key: keys.flag(f.accountId, f.projectKey, f.key) } })),
    ]);
    for (let i = 99; i < flags.length; i += 100) {
      await transact(
        'flags changed while deleting',
        flags
          .slice(i, i + 100)
          .map((f) => ({ Delete: { TableName: table(), Key: keys.flag(f.accountId, f.projectKey, f.key) } })),
      );
    }
  },

  getFlag: (accountId: string, projectKey: string, key: string) =>
    getItem<FlagRecord>(keys.flag(accountId, projectKey, key)),

  async listFlags(accountId: string, projectKey: string): Promise<FlagRecord[]> {
    return (await listPrefix<FlagRecord>(accountId, `FLAG#${projectKey}#`)).sort(
      (a, b) => a.creationDate - b.creationDate,
    );
  },

  /** A new flag, only while its project exists. */
  async createFlag(flag: FlagRecord): Promise<void> {
    await transact(`a flag with key "${flag.key}" already exists, or the project was deleted`, [
      {
        ConditionCheck: {
          TableName: table(),
          Key: keys.project(flag.accountId, flag.projectKey),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        Put: {
          TableName: table(),
          Item: { ...keys.flag(flag.accountId, flag.projectKey, flag.key), type: 'flag', ...flag },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  },

  async updateFlag(before: FlagRecord, after: FlagRecord): Promise<void> {
    await transact('the flag was changed by another request; read it again and retry', [
      {
        Put: {
          TableName: table(),
          Item: { ...keys.flag(after.accountId, after.projectKey, after.key), type: 'flag', ...after },
          ...versionGuard(before.version),
        },
      },
    ]);
  },

  async deleteFlag(flag: FlagRecord): Promise<void> {
    await transact('the flag was changed or deleted by another request', [
      {
        Delete: {
          TableName: table(),
          Key: keys.flag(flag.accountId, flag.projectKey, flag.key),
          ...versionGuard(flag.version),
        },
      },
    ]);
  },
};
