import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import { DAY_MS } from '../domain/token-lifecycle.js';
import { dynamo } from './clients.js';
import { keys, reminderDayOf, timeKey, ttlOf } from './keys.js';
import { queryAll, withoutKeys } from './query.js';
import { BY_ACTIVITY_INDEX, BY_REMINDER_INDEX } from './tables.js';
import type { TokenRecord } from './token-repo.js';

/** A token whose next expiry reminder is due, with the index key it was found under. */
export interface DueReminder {
  readonly token: TokenRecord;
  /** The token item's `reminderAt` when read: moving it on is conditional on it. */
  readonly reminderAt: string;
}

/** A reminder record outlives the expiry it reminds of by a week, then goes by TTL. */
const REMINDER_KEPT_MS = 7 * DAY_MS;

const table = () => config.tables.tokens();

const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

/**
 * What the lifecycle sweep reads and writes (shared/services/lifecycle-sweeper.ts): tokens whose
 * expiry reminder is due, from the sparse byReminder index; tokens unused since a cutoff, from
 * byActivity; the reminder records that make each reminder go once.
 */
export const lifecycleRepo = {
  /** Token items of the UTC day `dayOf` whose next reminder is due by `now` (eventually consistent). */
  async dueReminders(dayOf: number, now: number): Promise<DueReminder[]> {
    const items = await queryAll<Record<string, unknown>>({
      TableName: table(),
      IndexName: BY_REMINDER_INDEX,
      KeyConditionExpression: 'reminderDay = :day AND reminderAt <= :now',
      ExpressionAttributeValues: { ':day': reminderDayOf(dayOf), ':now': timeKey(now) },
    });
    return items.map((item) => ({
      token: withoutKeys<TokenRecord>(item),
      reminderAt: String(item.reminderAt),
    }));
  },

  /**
   * Claims one reminder (token, expiry, threshold): true for the first claim only, so a reminder
   * goes once however often the sweep runs, or runs at the same time.
   */
  async claimReminder(
    token: TokenRecord,
    expiresAt: number,
    daysLeft: number,
    now: number,
  ): Promise<boolean> {
    try {
      await dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...keys.expiryReminder(token.accountId, token.tokenId, expiresAt, daysLeft),
            type: 'expiry-reminder',
            accountId: token.accountId,
            tokenId: token.tokenId,
            expiresAt,
            daysLeft,
            sentAt: now,
            ttl: ttlOf(expiresAt + REMINDER_KEPT_MS),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },

  /** Gives a claim back (its event could not be published), so that the next sweep tries again. */
  async releaseReminder(token: TokenRecord, expiresAt: number, daysLeft: number): Promise<void> {
    await dynamo().send(
      new DeleteCommand({
        TableName: table(),
        Key: keys.expiryReminder(token.accountId, token.tokenId, expiresAt, daysLeft),
      }),
    );
  },

  /**
   * Moves a token item on to its next reminder (`next`), or out of the index; only if it is as read
   * (same expiry, same reminder): a token changed meanwhile was put back by its own write.
   */
  async moveReminder(due: DueReminder, next: number | undefined): Promise<void> {
    const { token } = due;
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: keys.token(token.accountId, token.tokenId),
          UpdateExpression:
            next === undefined
              ? 'REMOVE reminderDay, reminderAt'
              : 'SET reminderDay = :day, reminderAt = :at',
          ConditionExpression: 'reminderAt = :was AND expiresAt = :expiresAt',
          ExpressionAttributeValues: {
            ':was': due.reminderAt,
            ':expiresAt': token.expiresAt,
            ...(next === undefined ? {} : { ':day': reminderDayOf(next), ':at': timeKey(next) }),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  },

  /** An account's tokens last used (or, never used, created) before `cutoff`, oldest first. */
  async unusedSince(accountId: string, cutoff: number): Promise<TokenRecord[]> {
    const items = await queryAll<Record<string, unknown>>({
      TableName: table(),
      IndexName: BY_ACTIVITY_INDEX,
      KeyConditionExpression: 'activityKey = :account AND activityAt < :cutoff',
      ExpressionAttributeValues: { ':account': keys.accountPartition(accountId), ':cutoff': timeKey(cutoff) },
    });
    return items.map((item) => withoutKeys<TokenRecord>(item));
  },
};
