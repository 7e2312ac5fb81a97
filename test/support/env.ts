import { inject } from 'vitest';
import { localTableNames, tableEnvironment } from '../../infra/local/provision.js';

/** Points the functions at the run's DynamoDB Local (set before any client is created). */
export function useTestEnvironment(): void {
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Every test file shares one DynamoDB Local, several at once on two cores: a request may wait
    // seconds behind the others. Tests of timeouts set their own (stalled-database.test.ts).
    DYNAMODB_TIMEOUT_MS: process.env.DYNAMODB_TIMEOUT_MS ?? '5000',
    ...tableEnvironment(localTableNames(inject('tablePrefix'))),
  });
}
