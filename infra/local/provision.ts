import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
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
    const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
    const created: string[] = [];
    for (const table of TABLES) {
      const name = names[table.id];
      if (existing.has(name)) continue;
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

/** Table names for a local stack, and the environment that tells the functions about them. */
export function localTableNames(prefix = 'local'): Record<TableId, string> {
  return {
    members: `${prefix}-members`,
    tokens: `${prefix}-tokens`,
    roles: `${prefix}-roles`,
    resources: `${prefix}-resources`,
    idempotency: `${prefix}-idempotency`,
  };
}

export function tableEnvironment(names: Record<TableId, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(names).map(([id, name]) => [TABLE_ENV[id as TableId], name]));
}
