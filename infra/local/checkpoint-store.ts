import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** Beside DynamoDB Local's data: how far the stream poller got, per stream and shard. */
export const CHECKPOINT_FILE = 'stream-checkpoints.json';

/** Where a stream consumer resumes: the last sequence number whose batch was fully handled, per shard. */
export interface CheckpointStore {
  get(streamArn: string, shardId: string): string | undefined;
  set(streamArn: string, shardId: string, sequenceNumber: string): void;
}

/**
 * Checkpoints kept in a JSON file of the data folder, rewritten atomically (temporary file and
 * rename) after every batch, so a crash leaves the previous checkpoint or the new one. Keyed by
 * stream ARN: a table created anew has a new stream, which starts from its beginning.
 */
export class FileCheckpointStore implements CheckpointStore {
  private readonly file: string;
  private readonly checkpoints: Record<string, Record<string, string>>;

  constructor(dataDir: string) {
    this.file = join(dataDir, CHECKPOINT_FILE);
    let loaded: unknown;
    try {
      loaded = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      loaded = {};
    }
    this.checkpoints =
      loaded !== null && typeof loaded === 'object' ? (loaded as Record<string, Record<string, string>>) : {};
  }

  get(streamArn: string, shardId: string): string | undefined {
    return this.checkpoints[streamArn]?.[shardId];
  }

  set(streamArn: string, shardId: string, sequenceNumber: string): void {
    if (this.get(streamArn, shardId) === sequenceNumber) return;
    this.checkpoints[streamArn] = { ...this.checkpoints[streamArn], [shardId]: sequenceNumber };
    writeFileAtomic(this.file, `${JSON.stringify(this.checkpoints, null, 1)}\n`);
  }
}
