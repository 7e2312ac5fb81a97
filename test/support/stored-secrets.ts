import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { config } from '../../shared/config/config.js';

/** A token or invitation code value, by its format; or a JWT (an ID token exchanged for a session). */
export const SECRET_PATTERN = /\b(atk|ati)_[0-9A-Za-z]{39}\b|\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/;

/**
 * Scans every table this test file used (the run's DynamoDB Local, whatever the file did to its
 * own client): any stored token or invitation code value is a leak.
 */
export async function findStoredSecrets(): Promise<string[]> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: inject('dynamoEndpoint'),
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    }),
  );
  const leaks: string[] = [];
  try {
    for (const table of [
      config.tables.members(),
      config.tables.tokens(),
      config.tables.roles(),
      config.tables.resources(),
      config.tables.idempotency(),
      // Audit entries hold names, User-Agents and the items before and after each change: no value either.
      config.tables.audit(),
    ]) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          const text = JSON.stringify(item);
          if (SECRET_PATTERN.test(text)) leaks.push(`${table}: ${text.slice(0, 160)}`);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }
  } finally {
    client.destroy();
  }
  return leaks;
}
