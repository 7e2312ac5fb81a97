import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  paginateListTables,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_ENV, TABLES, type TableId } from '../../shared/data/tables.js';

/** Creates the missing tables on DynamoDB Local from the shared definitions. */
export async function createMissingTables(
  endpoint: string,
  names: Record<TableId, string>,
): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    // Every page: ListTables answers at most 100 names, and a test run's DynamoDB Local holds more.
    const existing = new Set<string>();
    for await (const page of paginateListTables({ client }, {})) {
      for (const name of page.TableNames ?? []) existing.add(name);
    }
    const created: string[] = [];
    for (const table of TABLES) {
      const name = names[table.id];
      if (existing.has(name)) {
        await addMissingIndexes(client, name, table);
        continue;
      }
      const attributes = new Set<string>([
        table.partitionKey,
        ...(table.sortKey ? [table.sortKey] : []),
        ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
      ]);
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...attributes].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
          KeySchema: [
            { AttributeName: table.partitionKey, KeyType: 'HASH' },
            ...(table.sortKey ? [{ AttributeName: table.sortKey, KeyType: 'RANGE' as const }] : []),
          ],
          ...(table.indexes.length > 0
            ? {
                GlobalSecondaryIndexes: table.indexes.map((i) => ({
                  IndexName: i.name,
                  KeySchema: [
                    { AttributeName: i.partitionKey, KeyType: 'HASH' },
                    { AttributeName: i.sortKey, KeyType: 'RANGE' },
                  ],
                  Projection: { ProjectionType: 'ALL' },
                })),
              }
            : {}),
          ...(table.stream
            ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }
            : {}),
        }),
      );
      if (table.ttlAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
          }),
        );
      }
      created.push(name);
    }
    return created;
  } finally {
    client.destroy();
  }
}

/**
 * A data folder kept from an earlier version has its tables, but not the indexes added since (the
 * token lifecycle's): they are created on it, one at a time, as DynamoDB takes them.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  name: string,
  table: (typeof TABLES)[number],
): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of table.indexes.filter((i) => !present.has(i.name))) {
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: [index.partitionKey, index.sortKey].map((a) => ({
          AttributeName: a,
          AttributeType: 'S',
        })),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' },
                { AttributeName: index.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          },
        ],
      }),
    );
  }
}

/** Table names for a local stack, and the environment that tells the functions about them. */
export function localTableNames(prefix = 'local'): Record<TableId, string> {
  return {
    members: `${prefix}-members`,
    tokens: `${prefix}-tokens`,
    roles: `${prefix}-roles`,
    resources: `${prefix}-resources`,
    idempotency: `${prefix}-idempotency`,
    audit: `${prefix}-audit`,
  };
}

export function tableEnvironment(names: Record<TableId, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(names).map(([id, name]) => [TABLE_ENV[id as TableId], name]));
}
