import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../../shared/config/config.js';
import { dynamo } from '../../shared/data/clients.js';

/** A token or invitation code value, by its format. */
export const SECRET_PATTERN = /\b(atk|ati)_[0-9A-Za-z]{39}\b/;

/** Scans every table: any stored token or invitation code value is a leak. */
export async function findStoredSecrets(): Promise<string[]> {
  const leaks: string[] = [];
  for (const table of [
    config.tables.members(),
    config.tables.tokens(),
    config.tables.roles(),
    config.tables.resources(),
  ]) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo().send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const text = JSON.stringify(item);
        if (SECRET_PATTERN.test(text)) leaks.push(`${table}: ${text.slice(0, 160)}`);
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return leaks;
}
