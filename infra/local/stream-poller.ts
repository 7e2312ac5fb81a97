import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamsRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { withLogContext } from '../../shared/http/logger.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { lambdaContext } from './lambda-context.js';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] } | undefined>;

/** What the CDK event source mapping declares, honoured the same way locally. */
export interface StreamSubscription {
  readonly tableName: string;
  readonly functionName: string;
  readonly handler: StreamHandler;
  readonly batchSize: number;
  readonly maxRetries: number;
  readonly bisectOnError: boolean;
}

/** What Lambda sends to a stream's on-failure destination: where the record was, not its data. */
export interface DeadLetter {
  readonly requestContext: {
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
    readonly functionName: string;
  };
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly streamArn: string;
    readonly batchSize: 1;
  };
  readonly eventName: string;
  readonly keys: Record<string, unknown>;
  readonly timestamp: string;
}

/** Binary attributes: bytes from DynamoDB Local's SDK, base64 strings in Lambda's event. */
function toLambdaAttribute(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toLambdaAttribute);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toLambdaAttribute(v)]));
  }
  return value;
}

/**
 * DynamoDB Local's stream records differ from what Lambda delivers: no `eventSourceARN`,
 * `ApproximateCreationDateTime` is a Date (Lambda: epoch seconds), binary is bytes (Lambda: base64).
 */
export function toLambdaRecord(record: StreamsRecord, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'local',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created !== undefined
        ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) }
        : {}),
      Keys: toLambdaAttribute(d.Keys) as never,
      ...(d.NewImage ? { NewImage: toLambdaAttribute(d.NewImage) as never } : {}),
      ...(d.OldImage ? { OldImage: toLambdaAttribute(d.OldImage) as never } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as never,
    },
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How often a stream's shards are listed again, besides when one closes. */
const DISCOVERY_INTERVAL_MS = 10_000;

/** Checkpoints for this run only (no data folder, or tests on a shared DynamoDB Local). */
class MemoryCheckpoints implements CheckpointStore {
  private readonly checkpoints = new Map<string, string>();
  get(streamArn: string, shardId: string) {
    return this.checkpoints.get(`${streamArn} ${shardId}`);
  }
  set(streamArn: string, shardId: string, sequenceNumber: string) {
    this.checkpoints.set(`${streamArn} ${shardId}`, sequenceNumber);
  }
}

type IteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AFTER_SEQUENCE_NUMBER';

/**
 * Reads DynamoDB Local's real Streams API (shards, iterators, GetRecords) and invokes the stream
 * handlers with Lambda-shaped batches of the configured size, as an event source mapping does:
 * records a handler reports failed are retried from the first failure, a thrown error bisects
 * the batch, and a record still failing after `maxRetries` goes to the dead-letter sink so the
 * shard moves on. After a batch is fully handled, its last sequence number is the shard's
 * checkpoint; with a persistent checkpoint store, the next start resumes just after it.
 */
export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly tables: DynamoDBClient;
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly checkpoints: CheckpointStore;
  /** Pauses of idle loops that `wake` cuts short. */
  private readonly sleepers = new Set<() => void>();
  /** Counts `wake` calls, so that a loop knows to go back to the shortest pause. */
  private wakes = 0;

  constructor(
    endpoint: string,
    private readonly subscriptions: readonly StreamSubscription[],
    private readonly options: {
      /** The pause between polls of a stream that had nothing new. */
      readonly pollIntervalMs: number;
      /**
       * When set, the pause of a stream that stays idle doubles from `pollIntervalMs` up to this,
       * and `wake` (a change was likely made) brings it back: DynamoDB Local spends milliseconds of
       * CPU on every GetRecords, so a stack left idle otherwise keeps a good part of a core busy.
       */
      readonly idlePollIntervalMs?: number;
      /** Sees each page of records read, before it is delivered (the TTL sweeper learns expiries). */
      readonly onRecords?: (records: readonly DynamoDBRecord[]) => void;
      /**
       * Where to start on the shards that exist at start and have no checkpoint; shards found
       * later start at their beginning.
       */
      readonly startAt: 'TRIM_HORIZON' | 'LATEST';
      /** Kept checkpoints to resume from (a data folder's); this run's alone by default. */
      readonly checkpoints?: CheckpointStore;
      readonly onDeadLetter: (entry: DeadLetter) => void;
      readonly onError?: (error: unknown) => void;
    },
  ) {
    const settings = {
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      // A stalled DynamoDB Local fails a poll (it is tried again) rather than hanging the loop.
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 5000,
        requestTimeout: 10_000,
        throwOnRequestTimeout: true,
      }),
      maxAttempts: 1,
    };
    this.checkpoints = options.checkpoints ?? new MemoryCheckpoints();
    this.streams = new DynamoDBStreamsClient(settings);
    this.tables = new DynamoDBClient(settings);
  }

  async start(): Promise<void> {
    for (const subscription of this.subscriptions) {
      const { Table } = await this.tables.send(
        new DescribeTableCommand({ TableName: subscription.tableName }),
      );
      const streamArn = Table?.LatestStreamArn;
      if (!streamArn) throw new Error(`table ${subscription.tableName} has no stream`);
      const known = await this.shardIds(streamArn);
      const iterators = new Map<string, string>();
      for (const shardId of known) iterators.set(shardId, await this.resume(streamArn, shardId));
      this.loops.push(this.run(subscription, streamArn, iterators, new Set(known)));
    }
  }

  /**
   * Something was likely written (a request was answered, a batch handled): idle streams are
   * polled again soon, though never sooner than `pollIntervalMs` after their last poll.
   */
  wake(): void {
    this.wakes++;
    for (const wakeUp of this.sleepers) wakeUp();
    this.sleepers.clear();
  }

  /** The pause of an idle loop: `ms`, unless `wake` ends it first (after `pollIntervalMs`). */
  private async pause(ms: number): Promise<void> {
    const shortest = this.options.pollIntervalMs;
    if (ms <= shortest) return void (await sleep(ms));
    let wakeUp = () => {};
    const woken = new Promise<void>((resolve) => {
      wakeUp = resolve;
    });
    this.sleepers.add(wakeUp);
    const started = Date.now();
    await Promise.race([sleep(ms), woken]);
    this.sleepers.delete(wakeUp);
    const paused = Date.now() - started;
    if (paused < shortest) await sleep(shortest - paused);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    // A batch in flight finishes first (its checkpoint then counts); a hung one is not waited for.
    await Promise.race([Promise.allSettled(this.loops), sleep(15_000)]);
    this.streams.destroy();
    this.tables.destroy();
  }

  private async shardIds(streamArn: string): Promise<string[]> {
    const ids: string[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) if (shard.ShardId) ids.push(shard.ShardId);
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return ids;
  }

  /**
   * Just after the shard's checkpoint; without one, where the options say (with a kept store:
   * the beginning, since what a previous run did not checkpoint may not have been handled).
   */
  private async resume(streamArn: string, shardId: string): Promise<string> {
    const last = this.checkpoints.get(streamArn, shardId);
    if (last !== undefined) {
      try {
        return await this.iterator(streamArn, shardId, 'AFTER_SEQUENCE_NUMBER', last);
      } catch (error) {
        // Trimmed past the checkpoint: the oldest record left is the next one not handled.
        this.options.onError?.(error);
        return this.iterator(streamArn, shardId, 'TRIM_HORIZON');
      }
    }
    return this.iterator(
      streamArn,
      shardId,
      this.options.checkpoints ? 'TRIM_HORIZON' : this.options.startAt,
    );
  }

  /** Just after the last record handled on the shard; its beginning when none was. */
  private afterCheckpoint(streamArn: string, shardId: string): Promise<string> {
    const last = this.checkpoints.get(streamArn, shardId);
    return last
      ? this.iterator(streamArn, shardId, 'AFTER_SEQUENCE_NUMBER', last)
      : this.iterator(streamArn, shardId, 'TRIM_HORIZON');
  }

  private async iterator(
    streamArn: string,
    shardId: string,
    type: IteratorType,
    sequenceNumber?: string,
  ): Promise<string> {
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
      }),
    );
    if (!ShardIterator) throw new Error(`no iterator for shard ${shardId}`);
    return ShardIterator;
  }

  private getRecords(iterator: string, limit: number) {
    return this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
  }

  private async run(
    subscription: StreamSubscription,
    streamArn: string,
    iterators: Map<string, string>,
    seen: Set<string>,
  ) {
    let lastDiscovery = Date.now();
    let shardClosed = false;
    const shortest = this.options.pollIntervalMs;
    const longest = Math.max(shortest, this.options.idlePollIntervalMs ?? shortest);
    let idlePause = shortest;
    let wakesSeen = this.wakes;
    while (!this.stopped) {
      try {
        // New shards follow a closed one: looked for when one closes, and every few seconds
        // besides (a DescribeStream a second per stream was a twentieth of a test run's calls).
        if (shardClosed || Date.now() - lastDiscovery > DISCOVERY_INTERVAL_MS) {
          lastDiscovery = Date.now();
          shardClosed = false;
          for (const shardId of await this.shardIds(streamArn)) {
            if (!seen.has(shardId)) {
              seen.add(shardId);
              iterators.set(shardId, await this.afterCheckpoint(streamArn, shardId));
            }
          }
        }
        let busy = false;
        for (const [shardId, iterator] of iterators) {
          let page: Awaited<ReturnType<typeof this.getRecords>>;
          try {
            page = await this.getRecords(iterator, subscription.batchSize);
          } catch (error) {
            // DynamoDB Local invalidates iterators now and then (trimmed, expired, or "Invalid
            // ShardId in ShardIterator"): take a new one just after the last record handled, so
            // nothing is skipped or handled twice. A shard that is gone is dropped, and the
            // stream's shards are listed again.
            const name = (error as Error).name;
            if (
              name !== 'TrimmedDataAccessException' &&
              name !== 'ExpiredIteratorException' &&
              name !== 'ResourceNotFoundException'
            )
              throw error;
            try {
              iterators.set(shardId, await this.afterCheckpoint(streamArn, shardId));
            } catch (again) {
              if ((again as Error).name !== 'ResourceNotFoundException') throw again;
              // Listed again at the next discovery, from its checkpoint, if it is still there.
              this.options.onError?.(again);
              iterators.delete(shardId);
              seen.delete(shardId);
              shardClosed = true;
            }
            continue;
          }
          const records = (page.Records ?? []).map((r) => toLambdaRecord(r, streamArn));
          if (records.length > 0) {
            busy = true;
            this.options.onRecords?.(records);
            const handled = await this.deliver(subscription, streamArn, shardId, records, new Map());
            // Stopped mid-batch: no checkpoint, so the next start delivers the batch again.
            if (!handled) return;
            const last = records.at(-1)?.dynamodb?.SequenceNumber;
            if (last) this.checkpoints.set(streamArn, shardId, last);
            // A handler may have written to another stream's table.
            this.wake();
          }
          if (page.NextShardIterator) iterators.set(shardId, page.NextShardIterator);
          else {
            iterators.delete(shardId);
            shardClosed = true;
          }
        }
        if (busy || wakesSeen !== this.wakes) idlePause = shortest;
        wakesSeen = this.wakes;
        if (!busy) {
          await this.pause(idlePause);
          idlePause = Math.min(idlePause * 2, longest);
        }
      } catch (error) {
        if (this.stopped) return;
        this.options.onError?.(error);
        await sleep(this.options.pollIntervalMs * 5);
      }
    }
  }

  private async deliver(
    subscription: StreamSubscription,
    streamArn: string,
    shardId: string,
    records: DynamoDBRecord[],
    attempts: Map<string, number>,
  ): Promise<boolean> {
    let pending = records;
    while (pending.length > 0) {
      if (this.stopped) return false;
      let failedFrom: number;
      try {
        const batch = pending;
        // Each invocation logs with its own keys, as each Lambda invocation does.
        const result = await withLogContext(() =>
          subscription.handler({ Records: batch }, lambdaContext(subscription.functionName, randomUUID())),
        );
        const failures = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        if (failures.size === 0) return true;
        const index = pending.findIndex((r) => failures.has(r.dynamodb?.SequenceNumber ?? ''));
        failedFrom = index === -1 ? 0 : index;
      } catch {
        if (subscription.bisectOnError && pending.length > 1) {
          const middle = Math.ceil(pending.length / 2);
          return (
            (await this.deliver(subscription, streamArn, shardId, pending.slice(0, middle), attempts)) &&
            (await this.deliver(subscription, streamArn, shardId, pending.slice(middle), attempts))
          );
        }
        failedFrom = 0;
      }
      const failed = pending[failedFrom]!;
      const sequence = failed.dynamodb?.SequenceNumber ?? '';
      const count = (attempts.get(sequence) ?? 0) + 1;
      attempts.set(sequence, count);
      if (count > subscription.maxRetries) {
        this.options.onDeadLetter({
          requestContext: {
            condition: 'RetryAttemptsExhausted',
            approximateInvokeCount: count,
            functionName: subscription.functionName,
          },
          DDBStreamBatchInfo: {
            shardId,
            startSequenceNumber: sequence,
            endSequenceNumber: sequence,
            streamArn,
            batchSize: 1,
          },
          eventName: failed.eventName ?? '',
          keys: failed.dynamodb?.Keys ?? {},
          timestamp: new Date().toISOString(),
        });
        pending = pending.slice(failedFrom + 1);
      } else {
        pending = pending.slice(failedFrom);
        await sleep(Math.min(1000, 20 * 2 ** count));
      }
    }
    return true;
  }
}
