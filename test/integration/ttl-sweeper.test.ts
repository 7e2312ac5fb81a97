import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { localTableNames } from '../../infra/local/provision.js';
import { TtlSweeper } from '../../infra/local/ttl-sweeper.js';
import { config } from '../../shared/config/config.js';
import { dynamoBase } from '../../shared/data/clients.js';
import { within } from '../support/eventually.js';

/**
 * The local stand-in for DynamoDB's TTL, on this file's tables: it deletes an item within a tick of
 * its expiry when it knows of it (from its own last sweep, or a stream record's `noteExpiry`), and
 * scans no table on a tick when nothing is due, besides a backstop sweep.
 */
const names = localTableNames(process.env.TEST_TABLE_PREFIX);
let sweeper: TtlSweeper | undefined;
afterEach(async () => {
  await sweeper?.stop();
  sweeper = undefined;
});

const seconds = (ms: number) => Math.floor(ms / 1000);
let n = 0;
async function putItem(ttlSeconds: number): Promise<Record<string, { S: string }>> {
  const key = { pk: { S: `TTL#${n++}` }, sk: { S: 'TTL' } };
  await dynamoBase().send(
    new PutItemCommand({
      TableName: config.tables.tokens(),
      Item: { ...key, ttl: { N: String(ttlSeconds) } },
    }),
  );
  return key;
}
const exists = async (key: Record<string, { S: string }>) =>
  (
    await dynamoBase().send(
      new GetItemCommand({ TableName: config.tables.tokens(), Key: key, ConsistentRead: true }),
    )
  ).Item !== undefined;

function start(options: { backstopMs: number }): { changes: () => number } {
  let changes = 0;
  sweeper = new TtlSweeper(process.env.DYNAMODB_ENDPOINT!, names, {
    intervalMs: 50,
    backstopMs: options.backstopMs,
    onChange: () => changes++,
  });
  sweeper.start();
  return { changes: () => changes };
}

describe('the local TTL sweeper', () => {
  it('deletes what has expired, keeps the rest, and says it wrote', async () => {
    const expired = await putItem(seconds(Date.now()) - 10);
    const kept = await putItem(seconds(Date.now()) + 3600);
    const { changes } = start({ backstopMs: 60_000 });
    await within(5_000, async () => !(await exists(expired)));
    // Said once the sweep is over (the streams are then polled soon).
    await within(2_000, async () => changes() >= 1);
    expect(await exists(kept)).toBe(true);
  });

  it('deletes an item it saw in a sweep once its expiry comes, with no scan before', async () => {
    start({ backstopMs: 60_000 });
    // The first sweep has run (nothing due) before the item exists; a sweep made now sees it, not due.
    await new Promise((r) => setTimeout(r, 300));
    const soon = await putItem(seconds(Date.now()) + 2);
    expect(await sweeper!.sweep()).toBe(0);
    const tookMs = await within(6_000, async () => !(await exists(soon)));
    expect(tookMs).toBeGreaterThan(500);
  });

  it('does not scan while nothing is due: an expired item nobody told it of waits for the backstop', async () => {
    start({ backstopMs: 4_000 });
    await new Promise((r) => setTimeout(r, 300));
    const unnoted = await putItem(seconds(Date.now()) - 10);
    // Forty ticks later it is still there: no tick scanned.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await exists(unnoted)).toBe(true);
    // The backstop sweep finds it.
    await within(6_000, async () => !(await exists(unnoted)));
  });

  it('scans on the next tick when a stream record names an expiry that has come', async () => {
    start({ backstopMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    const noted = await putItem(seconds(Date.now()) - 1);
    sweeper!.noteExpiry(seconds(Date.now()) - 1);
    const tookMs = await within(2_000, async () => !(await exists(noted)));
    expect(tookMs).toBeLessThan(2_000);
  });
});
