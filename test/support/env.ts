import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createMissingTables, localTableNames, tableEnvironment } from '../../infra/local/provision.js';

/**
 * Points the functions at the run's DynamoDB Local (set before any client is created), on tables of
 * this test file's own: what a file stores, scans (`accountItems`, the stored-secrets check) and
 * streams is its own, so a scan's cost does not grow with every file that ran before it in the run.
 * Creating the six tables costs about 0.1 s.
 */
export async function useTestEnvironment(): Promise<void> {
  const prefix = `${inject('tablePrefix')}-${randomUUID().slice(0, 8)}`;
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Every test file shares one DynamoDB Local, several at once on two cores: a request may wait
    // seconds behind the others. Tests of timeouts set their own (stalled-database.test.ts).
    DYNAMODB_TIMEOUT_MS: process.env.DYNAMODB_TIMEOUT_MS ?? '5000',
    TEST_TABLE_PREFIX: prefix,
    ...tableEnvironment(localTableNames(prefix)),
  });
  await createMissingTables(inject('dynamoEndpoint'), localTableNames(prefix));
}

/** Drops this file's tables at its end, so the run's one DynamoDB Local does not hold every file's data at once. */
export async function dropTestTables(): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  try {
    const names = Object.values(localTableNames(process.env.TEST_TABLE_PREFIX));
    await Promise.all(names.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  } finally {
    client.destroy();
  }
}
