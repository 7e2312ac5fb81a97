import { inject } from 'vitest';
import { localTableNames, tableEnvironment } from '../../infra/local/provision.js';

/** Points the functions at the run's DynamoDB Local (set before any client is created). */
export function useTestEnvironment(): void {
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...tableEnvironment(localTableNames(inject('tablePrefix'))),
  });
}
