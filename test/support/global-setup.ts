import type { TestProject } from 'vitest/node';
import { type DynamoLocal, startDynamoLocal } from '../../infra/local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    tablePrefix: string;
  }
}

/** The first part of every test file's table names (env.ts adds the file's own). */
const PREFIX = 'test';

/**
 * The run's one DynamoDB Local, shared by every project that names this setup. Vitest runs each
 * project's global setup on its own (and may load this module once per project), so the instance
 * lives on `globalThis` of the main process, counted: the first project starts it, the last
 * teardown stops it. A JVM start is seconds of CPU on a 2-core machine; one is enough.
 */
interface Shared {
  users: number;
  dynamo: Promise<DynamoLocal>;
}
const KEY = Symbol.for('access-tokens.test.dynamo-local');
const registry = globalThis as typeof globalThis & { [KEY]?: Shared };

/** One DynamoDB Local for the whole run, on a free port, in memory. Each test file makes its own tables (env.ts). */
export default async function setup(project: TestProject) {
  registry[KEY] ??= { users: 0, dynamo: startDynamoLocal() };
  const shared = registry[KEY];
  shared.users++;
  const dynamo = await shared.dynamo;
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('tablePrefix', PREFIX);
  return async () => {
    shared.users--;
    if (shared.users > 0) return;
    delete registry[KEY];
    await dynamo.stop();
  };
}
