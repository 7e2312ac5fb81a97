import { DeleteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableId } from '../../shared/data/tables.js';

/**
 * DynamoDB's TTL, locally: DynamoDB Local does not delete expired items by itself, so the local
 * stack scans the tables that have a TTL attribute every interval and deletes what has expired
 * (conditionally, in case it changed), which shows in the streams as on AWS.
 */
export class TtlSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly client: DynamoDBClient;

  constructor(
    endpoint: string,
    private readonly names: Record<TableId, string>,
    private readonly intervalMs: number,
    /** A scheduled function to run on the same interval (the grace sweeper). */
    private readonly scheduled?: () => Promise<unknown>,
  ) {
    this.client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      // One sweep at a time; a failed sweep (DynamoDB Local going away) is simply tried again.
      this.running = this.running
        .then(() => this.scheduled?.())
        .then(() => this.sweep())
        .then(
          () => undefined,
          () => undefined,
        );
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    this.client.destroy();
  }

  async sweep(now = Date.now()): Promise<number> {
    let deleted = 0;
    for (const table of TABLES) {
      if (!table.ttlAttribute) continue;
      const name = this.names[table.id];
      let start: Record<string, never> | undefined;
      do {
        const page = await this.client.send(
          new ScanCommand({
            TableName: name,
            FilterExpression: '#ttl <= :now',
            ExpressionAttributeNames: { '#ttl': table.ttlAttribute },
            ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const key = Object.fromEntries(
            [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])].map((k) => [k, item[k]!]),
          );
          try {
            await this.client.send(
              new DeleteItemCommand({
                TableName: name,
                Key: key,
                ConditionExpression: '#ttl = :ttl',
                ExpressionAttributeNames: { '#ttl': table.ttlAttribute },
                ExpressionAttributeValues: { ':ttl': item[table.ttlAttribute]! },
              }),
            );
            deleted++;
          } catch {
            // Changed or gone since the scan: not expired any more, or someone else removed it.
          }
        }
        start = page.LastEvaluatedKey as typeof start;
      } while (start);
    }
    return deleted;
  }
}
