import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import type { TokenScope } from '../domain/effective-permissions.js';
import { firstReminderAt } from '../domain/token-lifecycle.js';
import type { RevocationReason } from '../events/events.js';
import { type ChangeStamp, changeStamp } from './change-context.js';
import { dynamo } from './clients.js';
import { ConditionFailedError } from './errors.js';
import { GRACE_SHARD, graceEndKey, keys, reminderDayOf, timeKey, ttlOf } from './keys.js';
import { queryAll, withoutKeys } from './query.js';
import { BY_GRACE_END_INDEX, BY_MEMBER_INDEX } from './tables.js';
import { asReadGuard, type TransactItem, transact, versionGuard, writeFromFreshReads } from './transact.js';

export interface TokenRecord {
  readonly accountId: string;
  readonly tokenId: string;
  /** The owner of a personal token; the creator of a service token. */
  readonly memberId: string;
  readonly serviceToken: boolean;
  readonly name: string;
  readonly description?: string;
  readonly scope: TokenScope;
  readonly creationDate: number;
  readonly lastModified: number;
  readonly lastUsed?: number;
  readonly expiresAt?: number;
  /** The API version the token's calls default to (LaunchDarkly's `defaultApiVersion`), when given. */
  readonly defaultApiVersion?: number;
  /** IP binding: the source ranges it may be used from, in normal form (shared/domain/cidr.ts); absent: any. */
  readonly allowedCidrs?: readonly string[];
  /** The last four characters of the current secret, the only part ever shown again. */
  readonly last4: string;
  /** SHA-256 of the current secret. */
  readonly hash: string;
  /** SHA-256 of the secret replaced by the last reset, valid until previousHashExpiresAt. */
  readonly previousHash?: string;
  readonly previousHashExpiresAt?: number;
  /**
   * A console session (`POST /sessions`), not an access token: never listed, never found by id,
   * ended by signing out; the authorizer judges it like any token.
   */
  readonly session?: true;
  readonly version: number;
}

/**
 * The item the authorizer finds a presented secret by: a full copy of the token, written in the
 * same transaction as the token item every time the token changes, so one strongly consistent
 * GetItem gives the authorizer the token, and its second and last round trip is the member.
 */
export interface HashRecord extends TokenRecord {
  /** Set on a secret kept for a grace period after a reset. */
  readonly secretExpiresAt?: number;
}

/** Why and when a token was deleted: what `Token Revoked` says of a token that did not expire. */
export interface RevocationRecord {
  readonly reason: Extract<RevocationReason, 'deleted' | 'member_removed' | 'leaked' | 'inactive'>;
  /** Epoch ms, taken by the process that deleted the token, in the same transaction. */
  readonly revokedAt: number;
}

/**
 * A stream keeps a record 24 h at most; a revocation record is kept longer, so that the REMOVE it
 * explains always finds it.
 */
const REVOCATION_KEPT_MS = 7 * 24 * 3600 * 1000;

const table = () => config.tables.tokens();

function tokenItem(token: TokenRecord) {
  return {
    ...keys.token(token.accountId, token.tokenId),
    type: 'token',
    // Only personal tokens are in the byMember index: a member's removal revokes those alone.
    ...(token.serviceToken ? {} : { memberKey: keys.memberTokens(token.accountId, token.memberId) }),
    ...(token.expiresAt !== undefined ? { ttl: ttlOf(token.expiresAt) } : {}),
    ...token,
    lastChange: changeStamp(),
    ...lifecycleKeys(token),
  };
}

/**
 * An access token's places in the lifecycle indexes (sessions have none): byReminder under its
 * first expiry reminder (the sweep moves it on; a rewrite puts it back, and the reminder records
 * keep a reminder from going twice), byActivity by its last use or creation.
 */
function lifecycleKeys(token: TokenRecord) {
  if (token.session === true) return {};
  const reminderAt =
    token.expiresAt !== undefined ? firstReminderAt(token.expiresAt, token.creationDate) : undefined;
  return {
    activityKey: keys.accountPartition(token.accountId),
    activityAt: timeKey(token.lastUsed ?? token.creationDate),
    ...(reminderAt !== undefined
      ? { reminderDay: reminderDayOf(reminderAt), reminderAt: timeKey(reminderAt) }
      : {}),
  };
}

function hashItem(token: TokenRecord, hash: string, secretExpiresAt?: number) {
  const until = [secretExpiresAt, token.expiresAt].filter((t): t is number => t !== undefined);
  const record: HashRecord = { ...token, ...(secretExpiresAt !== undefined ? { secretExpiresAt } : {}) };
  return {
    ...keys.hash(hash),
    type: 'hash',
    ...record,
    ...(until.length > 0 ? { ttl: ttlOf(Math.min(...until)) } : {}),
    ...(secretExpiresAt !== undefined
      ? { graceShard: GRACE_SHARD, graceEnd: graceEndKey(secretExpiresAt) }
      : {}),
  };
}

/** Puts of every hash item of a token, each carrying the token's current copy. */
function hashPuts(token: TokenRecord, currentIsNew = false): TransactItem[] {
  const puts: TransactItem[] = [
    {
      Put: {
        TableName: table(),
        Item: hashItem(token, token.hash),
        ...(currentIsNew ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
      },
    },
  ];
  if (token.previousHash !== undefined) {
    puts.push({
      Put: { TableName: table(), Item: hashItem(token, token.previousHash, token.previousHashExpiresAt) },
    });
  }
  return puts;
}

/**
 * Written in the transaction that deletes a token, because a REMOVE's old image cannot say when
 * (or why) the item was deleted, and the stream record's time is approximate (to the second on
 * AWS, to the minute on DynamoDB Local).
 */
function revocationPut(token: TokenRecord, revocation: RevocationRecord): TransactItem {
  return {
    Put: {
      TableName: table(),
      Item: {
        ...keys.revokedToken(token.accountId, token.tokenId),
        type: 'revocation',
        accountId: token.accountId,
        tokenId: token.tokenId,
        ...revocation,
        lastChange: changeStamp(revocation.revokedAt),
        ttl: ttlOf(revocation.revokedAt + REVOCATION_KEPT_MS),
      },
    },
  };
}

/**
 * What revoking a token writes, in one transaction: the deletion of its item (if `condition`
 * holds), of every hash item of it as read, and the record of why and when.
 */
function revocationItems(
  token: TokenRecord,
  revocation: RevocationRecord,
  condition: Pick<
    NonNullable<TransactItem['Delete']>,
    'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  >,
): TransactItem[] {
  return [
    { Delete: { TableName: table(), Key: keys.token(token.accountId, token.tokenId), ...condition } },
    ...hashesOf(token).map((hash) => ({ Delete: { TableName: table(), Key: keys.hash(hash) } })),
    revocationPut(token, revocation),
  ];
}

function hashesOf(token: TokenRecord): string[] {
  return [token.hash, ...(token.previousHash !== undefined ? [token.previousHash] : [])];
}

const CHANGED = 'the token was changed by another request; read it again and retry';

/**
 * Revokes a token whatever was done to it since it was read (a member's removal revokes every
 * token of theirs): the item as read is deleted with its hash items and its revocation record, only
 * if it is still as read, so that a reset made meanwhile cannot leave its new secret's item behind;
 * when it is not (changed, or a write of it was in flight at that moment), it is read again and
 * revoked as it is now, three times at most. False when it is gone.
 */
async function revokeWhateverItIs(token: TokenRecord, revocation: RevocationRecord): Promise<boolean> {
  return writeFromFreshReads<TokenRecord | undefined, boolean>(
    token,
    async (current) => {
      if (current === undefined) return false;
      await transact(
        'the token changed while it was revoked',
        revocationItems(current, revocation, tokenAsRead(current)),
      );
      return true;
    },
    () => tokenRepo.get(token.accountId, token.tokenId, true),
  );
}

/** The token is still as `before` was read: its version, and the use last recorded on it. */
const tokenAsRead = (before: TokenRecord) => asReadGuard(before.version, 'lastUsed', before.lastUsed);

/**
 * Writes a change of a token read as `before` (a whole-item Put, `items`). The authorizer records
 * a use (`lastUsed`, at most once a minute) without a new version, off the request's path, so a
 * Put made from an older read would erase a use recorded in between, and the inactivity sweep
 * would count from an older use: the write also requires the use it read. When it is refused and
 * the token's version has not moved (the use alone changed, or a use was being written at that
 * very moment: DynamoDB cancels a transaction that meets another in flight), the change is
 * written again over what is there now, twice at most. Any other change is the usual conflict.
 */
async function writeAsRead(
  before: TokenRecord,
  after: TokenRecord,
  items: (before: TokenRecord, after: TokenRecord) => TransactItem[],
): Promise<void> {
  await writeFromFreshReads(
    { before, after },
    (change) => transact(CHANGED, items(change.before, change.after)),
    async (change, failure) => {
      const fresh = await tokenRepo.get(before.accountId, before.tokenId, true);
      if (fresh === undefined || fresh.version !== before.version) throw failure;
      return {
        before: fresh,
        after: { ...change.after, ...(fresh.lastUsed !== undefined ? { lastUsed: fresh.lastUsed } : {}) },
      };
    },
  );
}

export const tokenRepo = {
  async get(accountId: string, tokenId: string, consistent = false): Promise<TokenRecord | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys.token(accountId, tokenId), ConsistentRead: consistent }),
    );
    return Item === undefined ? undefined : withoutKeys<TokenRecord>(Item);
  },

  /** The authorizer's first read: the token, found by its secret's hash (strongly consistent). */
  async getHash(hash: string): Promise<HashRecord | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys.hash(hash), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : withoutKeys<HashRecord>(Item);
  },

  async listByAccount(accountId: string): Promise<TokenRecord[]> {
    const items = await queryAll<Record<string, unknown>>({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.accountPartition(accountId), ':prefix': 'TOKEN#' },
      ConsistentRead: true,
    });
    return items.map((item) => withoutKeys<TokenRecord>(item));
  },

  /** A member's personal tokens, from the byMember index (eventually consistent). */
  async listByMember(accountId: string, memberId: string): Promise<TokenRecord[]> {
    const items = await queryAll<Record<string, unknown>>({
      TableName: table(),
      IndexName: BY_MEMBER_INDEX,
      KeyConditionExpression: 'memberKey = :m',
      ExpressionAttributeValues: { ':m': keys.memberTokens(accountId, memberId) },
    });
    return items.map((item) => withoutKeys<TokenRecord>(item));
  },

  async anyWithCustomRole(accountId: string, roleKey: string): Promise<boolean> {
    const tokens = await this.listByAccount(accountId);
    // A session holds what its member held at sign-in; a role deleted since grants it nothing.
    return tokens.some(
      (t) => !t.session && t.scope.kind === 'customRoles' && t.scope.roleKeys.includes(roleKey),
    );
  },

  /** A new token and its hash item, in one transaction (with `alongside`, e.g. an invitation used up). */
  async create(token: TokenRecord, alongside: TransactItem[] = []): Promise<void> {
    await transact('a token with this id already exists, or the invitation was used', [
      ...alongside,
      {
        Put: { TableName: table(), Item: tokenItem(token), ConditionExpression: 'attribute_not_exists(pk)' },
      },
      ...hashPuts(token, true),
    ]);
  },

  /**
   * A console session, with the ID token it was exchanged for marked used until that ID token
   * expires, all in one transaction: one ID token makes at most one session (a second exchange
   * fails the condition). `alongside`: e.g. the pending invitation that signing in accepts.
   */
  async createSession(
    session: TokenRecord,
    idToken: { readonly hash: string; readonly expiresAt: number },
    alongside: TransactItem[] = [],
  ): Promise<void> {
    await this.create(session, [
      ...alongside,
      {
        Put: {
          TableName: table(),
          Item: { ...keys.usedIdToken(idToken.hash), type: 'used-id-token', ttl: ttlOf(idToken.expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  },

  /** Writes a changed token, and the copies in its hash items, if it is still as `before` was read. */
  async update(before: TokenRecord, after: TokenRecord): Promise<void> {
    await writeAsRead(before, after, (read, written) => [
      { Put: { TableName: table(), Item: tokenItem(written), ...tokenAsRead(read) } },
      ...hashPuts(written),
    ]);
  },

  /**
   * A reset: the token now answers to a new secret; the old one is kept until
   * `previousHashExpiresAt` (or deleted at once), and a secret still in grace from an earlier
   * reset is dropped.
   */
  async replaceSecret(before: TokenRecord, after: TokenRecord): Promise<void> {
    await writeAsRead(before, after, (read, written) => {
      const items: TransactItem[] = [
        { Put: { TableName: table(), Item: tokenItem(written), ...tokenAsRead(read) } },
        ...hashPuts(written, true),
      ];
      const kept = new Set(hashesOf(written));
      for (const hash of hashesOf(read)) {
        if (!kept.has(hash)) items.push({ Delete: { TableName: table(), Key: keys.hash(hash) } });
      }
      return items;
    });
  },

  /**
   * Deletes a token and every hash item of it, if it is still as it was read, with its revocation
   * record (reason `deleted`, at `at`) in the same transaction.
   */
  async delete(token: TokenRecord, at = Date.now()): Promise<void> {
    await transact(
      'the token was changed or deleted by another request',
      revocationItems(token, { reason: 'deleted', revokedAt: at }, versionGuard(token.version)),
    );
  },

  /**
   * Revokes a token for a reason the stream handler will publish (a member's removal, at the time
   * of the removal): the token, its hash items and its revocation record in one transaction. A
   * token already gone is left alone, so a second delivery changes nothing (returns false).
   * `unusedBefore`: only if the token has not been used since then (the inactivity sweep).
   */
  async revoke(token: TokenRecord, revocation: RevocationRecord, unusedBefore?: number): Promise<boolean> {
    if (unusedBefore === undefined) return revokeWhateverItIs(token, revocation);
    try {
      // Unchanged (its hash items are the ones deleted) and still unused.
      await transact(
        'the token is already gone',
        revocationItems(token, revocation, {
          ConditionExpression: 'version = :v AND (attribute_not_exists(lastUsed) OR lastUsed < :cutoff)',
          ExpressionAttributeValues: { ':v': token.version, ':cutoff': unusedBefore },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  },

  /**
   * Why and when a deleted token was deleted, and by whom (`lastChange`); undefined for one that
   * expired (or that nothing here deleted).
   */
  async revocation(
    accountId: string,
    tokenId: string,
  ): Promise<(RevocationRecord & { readonly lastChange?: ChangeStamp }) | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({
        TableName: table(),
        Key: keys.revokedToken(accountId, tokenId),
        ConsistentRead: true,
      }),
    );
    return Item === undefined
      ? undefined
      : {
          reason: Item.reason as RevocationRecord['reason'],
          revokedAt: Number(Item.revokedAt),
          ...(Item.lastChange !== undefined ? { lastChange: Item.lastChange as ChangeStamp } : {}),
        };
  },

  /**
   * Revokes a token if it is still as read (its version), with its hash items and its revocation
   * record, in one transaction; false when it changed or went meanwhile (read it again). A leak
   * report revokes so: a reset racing with it cannot leave the new secret's hash item behind.
   */
  async revokeAsRead(token: TokenRecord, revocation: RevocationRecord): Promise<boolean> {
    try {
      await transact(CHANGED, revocationItems(token, revocation, versionGuard(token.version)));
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  },

  /** Secrets whose grace period after a reset has ended by `now`: their hash and grace end. */
  async endedGraceSecrets(now: number): Promise<{ hash: string; secretExpiresAt: number }[]> {
    const items = await queryAll<Record<string, unknown>>({
      TableName: table(),
      IndexName: BY_GRACE_END_INDEX,
      KeyConditionExpression: 'graceShard = :shard AND graceEnd <= :now',
      ExpressionAttributeValues: { ':shard': GRACE_SHARD, ':now': graceEndKey(now) },
    });
    return items.map((item) => ({
      hash: String(item.pk).slice('HASH#'.length),
      secretExpiresAt: Number(item.secretExpiresAt),
    }));
  },

  /** Deletes a secret whose grace has ended, unless it changed meanwhile (false then). */
  async deleteEndedSecret(hash: string, secretExpiresAt: number): Promise<boolean> {
    try {
      await dynamo().send(
        new DeleteCommand({
          TableName: table(),
          Key: keys.hash(hash),
          ConditionExpression: 'secretExpiresAt = :end',
          ExpressionAttributeValues: { ':end': secretExpiresAt },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  },

  /**
   * Records use at most once per interval, on the token and on the hash item the authorizer reads
   * (so that it knows not to write again); never bumps the version.
   */
  async touchLastUsed(
    token: TokenRecord,
    presentedHash: string,
    now: number,
    intervalMs: number,
    alongside: TransactItem[] = [],
  ): Promise<boolean> {
    try {
      await transact('recently recorded', [
        ...alongside,
        {
          Update: {
            TableName: table(),
            Key: keys.token(token.accountId, token.tokenId),
            // activityAt: the token's place in byActivity (the inactivity sweep's index).
            UpdateExpression: 'SET lastUsed = :now, activityAt = :activity',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(lastUsed) OR lastUsed < :threshold)',
            ExpressionAttributeValues: {
              ':now': now,
              ':threshold': now - intervalMs,
              ':activity': timeKey(now),
            },
          },
        },
        {
          Update: {
            TableName: table(),
            Key: keys.hash(presentedHash),
            UpdateExpression: 'SET lastUsed = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':now': now },
          },
        },
      ]);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  },
};
