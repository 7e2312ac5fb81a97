import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { TestProject } from 'vitest/node';
import { type DynamoLocal, startDynamoLocal } from '../../infra/local/dynamodb-local.js';
import { createMissingTables, localTableNames } from '../../infra/local/provision.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    tablePrefix: string;
  }
}

const PREFIX = 'test';
const SECRET = /\b(atk|ati)_[0-9A-Za-z]{39}\b/;

let dynamo: DynamoLocal | undefined;

/** Every item of every table; a token or invitation code value anywhere is a leak. */
async function findStoredSecrets(endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  const leaks: string[] = [];
  for (const table of Object.values(localTableNames(PREFIX))) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start as never }),
      );
      for (const item of page.Items ?? [])
        if (SECRET.test(JSON.stringify(item))) leaks.push(`${table}: ${JSON.stringify(item).slice(0, 120)}`);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  client.destroy();
  return leaks;
}

/** One DynamoDB Local for the whole run, on a free port, in memory; tables from the shared definitions. */
export default async function setup(project: TestProject) {
  dynamo = await startDynamoLocal();
  await createMissingTables(dynamo.endpoint, localTableNames(PREFIX));
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('tablePrefix', PREFIX);
  return async () => {
    if (dynamo === undefined) return;
    try {
      const leaks = await findStoredSecrets(dynamo.endpoint);
      if (leaks.length > 0)
        throw new Error(`Token or invitation values found in stored items:\n${leaks.join('\n')}`);
    } finally {
      await dynamo.stop();
    }
  };
}
