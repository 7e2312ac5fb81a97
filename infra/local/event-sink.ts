import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../../shared/http/errors.js';

/** Beside DynamoDB Local's data: every event published, one JSON line each, oldest first. */
export const EVENTS_FILE = 'events.jsonl';

function eventIdOf(event: unknown): string | undefined {
  const e = event as { detail?: { eventId?: unknown }; id?: unknown } | null;
  const id = e?.detail?.eventId ?? e?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The local stand-in for the EventBridge bus: holds what the stream handlers publish, in order.
 * With a data folder it keeps them in `events.jsonl` (appended before the publish is answered)
 * and loads them at start, so `GET /_local/events` spans restarts. Streams are at-least-once, and
 * a crash between a publish and the stream checkpoint delivers a record again: an event whose
 * `detail.eventId` (the same for the same change, however often delivered) is already held is
 * dropped, so nothing is published twice.
 */
export class EventSink {
  readonly items: unknown[] = [];
  /** Each held event's place in `items`, by its eventId. */
  private readonly positions = new Map<string, number>();
  private readonly file: string | undefined;

  constructor(dataDir?: string) {
    this.file = dataDir === undefined ? undefined : join(dataDir, EVENTS_FILE);
    if (this.file !== undefined && existsSync(this.file)) this.load(this.file);
  }

  /** Adds the events not held yet; returns how many were new. */
  add(events: readonly unknown[]): number {
    const fresh: unknown[] = [];
    const seen = new Set<string>();
    for (const event of events) {
      const id = eventIdOf(event);
      if (id !== undefined && (this.positions.has(id) || seen.has(id))) continue;
      if (id !== undefined) seen.add(id);
      fresh.push(event);
    }
    if (fresh.length === 0) return 0;
    // A failed write throws before anything is held: not kept, so not published; the publisher
    // gets an error and the record is retried.
    if (this.file !== undefined)
      appendFileSync(this.file, fresh.map((e) => `${JSON.stringify(e)}\n`).join(''));
    for (const event of fresh) this.hold(event);
    return fresh.length;
  }

  /**
   * `GET /_local/events?after=<eventId>`: the events held after that one, oldest first; every event
   * without `after`. An id the sink does not hold is a 400 naming it, as a cursor API answers a
   * cursor it does not know: a consumer must not silently miss or replay events.
   */
  after(eventId: string | undefined): unknown[] {
    if (eventId === undefined) return this.items;
    const position = this.positions.get(eventId);
    if (position === undefined) {
      throw invalid(
        `after: no event has the id "${eventId}" (the local event sink holds ${this.items.length}; omit after to read them all)`,
      );
    }
    return this.items.slice(position + 1);
  }

  private hold(event: unknown): void {
    const id = eventIdOf(event);
    if (id !== undefined) this.positions.set(id, this.items.length);
    this.items.push(event);
  }

  /** Reads the kept events; a last line cut short by a crash is cut from the file. */
  private load(file: string): void {
    const text = readFileSync(file, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) {
      if (line === '') continue;
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      const id = eventIdOf(event);
      if (id !== undefined && this.positions.has(id)) continue;
      this.hold(event);
    }
    if (complete.length < text.length) truncateSync(file, Buffer.byteLength(complete));
  }
}
