import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE, FileCheckpointStore } from '../../infra/local/checkpoint-store.js';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../infra/local/data-dir-lock.js';
import { EVENTS_FILE, EventSink } from '../../infra/local/event-sink.js';

// What the local stack keeps in its data folder so that a crash loses nothing.
const folder = () => mkdtempSync(join(tmpdir(), 'local-state-'));
const event = (eventId: string) => ({ id: eventId, 'detail-type': 'Token Revoked', detail: { eventId } });

describe('the local event sink', () => {
  it('keeps events across restarts, oldest first, and drops one whose eventId it already holds', () => {
    const dir = folder();
    const sink = new EventSink(dir);
    expect(sink.add([event('a'), event('b')])).toBe(2);
    expect(sink.add([event('b')])).toBe(0);
    const restarted = new EventSink(dir);
    expect(restarted.add([event('a'), event('c')])).toBe(1);
    expect(new EventSink(dir).items).toEqual([event('a'), event('b'), event('c')]);
  });

  it('a last line cut short by a crash is dropped, and what comes next is whole', () => {
    const dir = folder();
    new EventSink(dir).add([event('a')]);
    appendFileSync(join(dir, EVENTS_FILE), '{"id":"b","detail":{"eventId":"b"');
    const sink = new EventSink(dir);
    expect(sink.items).toEqual([event('a')]);
    sink.add([event('b')]);
    expect(new EventSink(dir).items).toEqual([event('a'), event('b')]);
  });

  it('without a data folder it keeps events in memory only', () => {
    const sink = new EventSink();
    sink.add([event('a'), event('a')]);
    expect(sink.items).toEqual([event('a')]);
  });
});

describe('stream checkpoints', () => {
  it('are read back by the next start, per stream and shard, and written whole (no temporary file left)', () => {
    const dir = folder();
    const store = new FileCheckpointStore(dir);
    store.set('arn:members', 'shard-1', '100');
    store.set('arn:members', 'shard-2', '7');
    store.set('arn:members', 'shard-1', '200');
    const next = new FileCheckpointStore(dir);
    expect([next.get('arn:members', 'shard-1'), next.get('arn:members', 'shard-2')]).toEqual(['200', '7']);
    expect(next.get('arn:tokens', 'shard-1')).toBeUndefined();
    expect(readdirSync(dir)).toEqual([CHECKPOINT_FILE]);
  });

  it('an unreadable file is no checkpoint (the stream is read from its start)', () => {
    const dir = folder();
    writeFileSync(join(dir, CHECKPOINT_FILE), '{"arn:');
    expect(new FileCheckpointStore(dir).get('arn:', 'shard')).toBeUndefined();
  });
});

describe('the data folder lock', () => {
  it('a folder held by a live process is refused, with its pid; released, it can be taken again', () => {
    const dir = folder();
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`(pid ${process.pid})`);
    lock.release();
    lockDataDir(dir).release();
  });

  it('a stale lock (its owner is gone) is taken over; so is one cut short', () => {
    const dir = folder();
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone }));
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    writeFileSync(join(dir, LOCK_FILE), '{"pi');
    lockDataDir(dir).release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
