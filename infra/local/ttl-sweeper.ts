import { DeleteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableId } from '../../shared/data/tables.js';

export interface TtlSweeperOptions {
  /** How often the sweeper wakes: the scheduled function runs, and a due sweep is made. */
  readonly intervalMs: number;
  /**
   * The longest time between two sweeps, whatever is known to be due: a backstop for what no
   * stream shows (the idempotency and audit tables have none). Default: a minute.
   */
  readonly backstopMs?: number;
  /** A scheduled function to run on each tick (the grace and lifecycle sweepers); true if it wrote. */
  readonly scheduled?: () => Promise<boolean>;
  /** Something was written (an expired item deleted, a scheduled function's changes): poll the streams. */
  readonly onChange?: () => void;
}

/**
 * DynamoDB's TTL, locally: DynamoDB Local does not delete expired items by itself, so the local
 * stack deletes what has expired (conditionally, in case it changed), which shows in the streams
 * as on AWS. A sweep scans every table with a TTL attribute: it is made when the earliest expiry it
 * knows of has come, and at least once a minute. It learns of expiries from its own sweeps (the
 * earliest one still to come) and from the streams (`noteExpiry`, called for each record that
 * carries one), so an item is deleted within a tick of its expiry, and an idle stack does not scan
 * its tables every second: six scans a second of DynamoDB Local's CPU for nothing, measured as a
 * seventh of a test run's calls to it.
 */
export class TtlSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly client: DynamoDBClient;
  /** Epoch ms of the earliest expiry known to be still to come (0 before the first sweep). */
  private nextDue = 0;
  /** The earliest expiry noted while a sweep runs (the sweep may have passed that item already). */
  private notedDuringSweep = Number.POSITIVE_INFINITY;
  private lastSweep = 0;

  constructor(
    endpoint: string,
    private readonly names: Record<TableId, string>,
    private readonly options: TtlSweeperOptions,
  ) {
    this.client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      // A failed tick (DynamoDB Local going away) is simply tried again at the next.
      void this.serially(() => this.tick()).catch(() => undefined);
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** One tick or sweep at a time: two at once would each decide what is due next. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.running.then(work);
    this.running = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    this.client.destroy();
  }

  /** An item expires at `epochSeconds` (a TTL attribute seen in a stream record). */
  noteExpiry(epochSeconds: number): void {
    if (!Number.isFinite(epochSeconds)) return;
    const at = epochSeconds * 1000;
    this.nextDue = Math.min(this.nextDue, at);
    this.notedDuringSweep = Math.min(this.notedDuringSweep, at);
  }

  private async tick(now = Date.now()): Promise<void> {
    const wrote = (await this.options.scheduled?.()) ?? false;
    const due = now >= this.nextDue || now - this.lastSweep >= (this.options.backstopMs ?? 60_000);
    const deleted = due ? await this.sweepNow(now) : 0;
    if (wrote || deleted > 0) this.options.onChange?.();
  }

  /** Deletes every item expired at `now`; learns the earliest expiry still to come. */
  sweep(now = Date.now()): Promise<number> {
    return this.serially(() => this.sweepNow(now));
  }

  private async sweepNow(now: number): Promise<number> {
    this.notedDuringSweep = Number.POSITIVE_INFINITY;
    let earliest = Number.POSITIVE_INFINITY;
    let deleted = 0;
    for (const table of TABLES) {
      if (!table.ttlAttribute) continue;
      const name = this.names[table.id];
      const keyNames = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
      let start: Record<string, never> | undefined;
      do {
        const page = await this.client.send(
          new ScanCommand({
            TableName: name,
            // The keys and the expiry only: every item that has one, to know the next that is due.
            FilterExpression: 'attribute_exists(#ttl)',
            ProjectionExpression: [...keyNames.map((_, i) => `#k${i}`), '#ttl'].join(', '),
            ExpressionAttributeNames: {
              '#ttl': table.ttlAttribute,
              ...Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k])),
            },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const ttl = Number(item[table.ttlAttribute]?.N);
          if (!Number.isFinite(ttl)) continue;
          if (ttl * 1000 > now) {
            earliest = Math.min(earliest, ttl * 1000);
            continue;
          }
          try {
            await this.client.send(
              new DeleteItemCommand({
                TableName: name,
                Key: Object.fromEntries(keyNames.map((k) => [k, item[k]!])),
                ConditionExpression: '#ttl = :ttl',
                ExpressionAttributeNames: { '#ttl': table.ttlAttribute },
                ExpressionAttributeValues: { ':ttl': item[table.ttlAttribute]! },
              }),
            );
            deleted++;
          } catch (error) {
            // Changed or gone since the scan (not expired any more, or someone else removed it);
            // any other failure leaves it due, for the next tick.
            if ((error as Error).name !== 'ConditionalCheckFailedException')
              earliest = Math.min(earliest, now);
          }
        }
        start = page.LastEvaluatedKey as typeof start;
      } while (start);
    }
    this.lastSweep = now;
    this.nextDue = Math.min(earliest, this.notedDuringSweep);
    return deleted;
  }
}
