import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import type { ActorKind } from './change-context.js';
import { dynamo } from './clients.js';
import { keys, ttlOf } from './keys.js';
import { withoutKeys } from './query.js';

/** One audit log entry as stored: who (member, token, or the system) did what to which resource, when, from where. */
export interface AuditEntryRecord {
  readonly accountId: string;
  /** 24 hex digits: the date (12), then a digest of the stream record and item (12). */
  readonly id: string;
  /** When the change was made (epoch ms): the time its write stamped. */
  readonly date: number;
  /** What was changed: `token`, `member`, `role`, `session`, `account`. */
  readonly kind: string;
  /** The name of what was changed (a token's or role's name, a member's e-mail). */
  readonly name: string;
  readonly description: string;
  readonly shortDescription: string;
  /** What the actor did, e.g. `created the token`. */
  readonly titleVerb: string;
  readonly accesses: readonly { readonly action: string; readonly resource: string }[];
  readonly actorKind: ActorKind;
  readonly member?: {
    readonly memberId: string;
    readonly email?: string;
    readonly firstName?: string;
    readonly lastName?: string;
  };
  readonly token?: {
    readonly tokenId: string;
    readonly name: string;
    readonly serviceToken: boolean;
    readonly ending?: string;
  };
  readonly target: { readonly name: string; readonly resources: readonly string[] };
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
  /** Why the system acted, when it acted for another's change (e.g. `member_removed`). */
  readonly cause?: string;
  /** The item before and after, without secrets' hashes or bookkeeping (the detailed entry). */
  readonly previousVersion?: Readonly<Record<string, unknown>>;
  readonly currentVersion?: Readonly<Record<string, unknown>>;
}

export interface AuditQuery {
  /** Entries strictly before this date (epoch ms). */
  readonly before?: number;
  /** Entries strictly after this date (epoch ms). */
  readonly after?: number;
  /** Lower-case text that the entry's search text must contain. */
  readonly text?: string;
  /** A further test in memory (the resource specifier filter). */
  readonly accept?: (entry: AuditEntryRecord) => boolean;
  /** How many entries to find at most. */
  readonly count: number;
}

export interface AuditPage {
  /** Newest first, at most `count`. */
  readonly items: AuditEntryRecord[];
  /** The date of the oldest entry read, when there may be more before it; undefined at the end. */
  readonly moreBefore?: number;
}

const table = () => config.tables.audit();
const DATE_DIGITS = 12;
const PAGE = 100;
/** Items a filtered query reads at most for one page of answers, so that a rare `q` costs bounded reads. */
const MAX_READ = 2000;

const dateHex = (epochMs: number) => Math.max(0, Math.trunc(epochMs)).toString(16).padStart(DATE_DIGITS, '0');
export const AUDIT_ID = /^[0-9a-f]{24}$/;
/** The date an entry's id begins with. */
export const dateOfAuditId = (id: string) => Number.parseInt(id.slice(0, DATE_DIGITS), 16);
export const auditIdOf = (date: number, digest: string) => `${dateHex(date)}${digest.slice(0, 12)}`;

/** What `q` is matched against: the entry's name, kind, descriptions, actor and target, lower-cased. */
function searchText(entry: AuditEntryRecord): string {
  return [
    entry.name,
    entry.kind,
    entry.shortDescription,
    entry.description,
    entry.member?.email,
    entry.token?.name,
    ...entry.target.resources,
  ]
    .filter((part): part is string => typeof part === 'string')
    .join('\n')
    .toLowerCase();
}

export const auditRepo = {
  /**
   * Writes an entry once: its id is derived from the stream record, so a batch delivered twice
   * finds it there and writes nothing (returns false). Kept `retentionDays` after its date.
   */
  async put(entry: AuditEntryRecord, retentionDays: number): Promise<boolean> {
    try {
      await dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...keys.auditEntry(entry.accountId, entry.id),
            type: 'audit',
            ...entry,
            search: searchText(entry),
            ttl: ttlOf(entry.date + retentionDays * 24 * 3600 * 1000),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  },

  async get(accountId: string, id: string): Promise<AuditEntryRecord | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys.auditEntry(accountId, id) }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  },

  /** Newest first, between the dates, matching the text and the test; reads at most MAX_READ items. */
  async page(accountId: string, query: AuditQuery): Promise<AuditPage> {
    const low = query.after === undefined ? '0'.repeat(24) : `${dateHex(query.after + 1)}${'0'.repeat(12)}`;
    const high =
      query.before === undefined ? 'f'.repeat(24) : `${dateHex(query.before - 1)}${'f'.repeat(12)}`;
    const items: AuditEntryRecord[] = [];
    if (low > high) return { items };
    let startKey: Record<string, unknown> | undefined;
    let read = 0;
    do {
      const page = await dynamo().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: {
            ':pk': keys.accountPartition(accountId),
            ':low': low,
            ':high': high,
            ...(query.text !== undefined ? { ':text': query.text } : {}),
          },
          ...(query.text !== undefined
            ? {
                FilterExpression: 'contains(#search, :text)',
                ExpressionAttributeNames: { '#search': 'search' },
              }
            : {}),
          ScanIndexForward: false,
          Limit: query.text === undefined && query.accept === undefined ? query.count + 1 : PAGE,
          ExclusiveStartKey: startKey,
        }),
      );
      read += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) {
        const entry = fromItem(item);
        if (query.accept !== undefined && !query.accept(entry)) continue;
        if (items.length >= query.count) {
          // The next page is asked for with `before` = the last date here, so a page never ends
          // inside a millisecond: its entries of the last date go to the next page, unless they are
          // all it has (then it takes every entry of that millisecond).
          const last = items[items.length - 1]!.date;
          if (entry.date !== last) return { items, moreBefore: last };
          const kept = items.filter((e) => e.date !== last);
          if (kept.length > 0) return { items: kept, moreBefore: kept[kept.length - 1]!.date };
        }
        items.push(entry);
      }
      startKey = page.LastEvaluatedKey;
      if (startKey !== undefined && read >= MAX_READ) {
        // Bounded reads: the caller goes on from the oldest entry read.
        return { items, moreBefore: dateOfAuditId(String(startKey.sk)) + 1 };
      }
    } while (startKey !== undefined);
    return { items };
  },
};

function fromItem(item: Record<string, unknown>): AuditEntryRecord {
  const { search: _search, ...rest } = item;
  return withoutKeys<AuditEntryRecord>(rest);
}
