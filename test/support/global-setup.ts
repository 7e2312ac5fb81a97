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
let dynamo: DynamoLocal | undefined;

/** One DynamoDB Local for the whole run, on a free port, in memory; tables from the shared definitions. */
export default async function setup(project: TestProject) {
  dynamo = await startDynamoLocal();
  await createMissingTables(dynamo.endpoint, localTableNames(PREFIX));
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('tablePrefix', PREFIX);
  return async () => {
    await dynamo?.stop();
  };
}
