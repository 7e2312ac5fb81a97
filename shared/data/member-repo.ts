import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import type { BuiltInRole } from '../domain/built-in-roles.js';
import { type ChangeStamp, changeStamp } from './change-context.js';
import { dynamo } from './clients.js';
import { keys, ttlOf } from './keys.js';
import { queryAll, withoutKeys } from './query.js';
import { asReadGuard, type TransactItem, transact, versionGuard, writeFromFreshReads } from './transact.js';

export interface MemberRecord {
  readonly accountId: string;
  readonly memberId: string;
  readonly email: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly role: BuiltInRole;
  readonly customRoles: readonly string[];
  readonly creationDate: number;
  readonly lastSeen?: number;
  /** The token of the member's last authorized call (LaunchDarkly's `_lastSeenMetadata.tokenId`). */
  readonly lastSeenTokenId?: string;
  /** SHA-256 of the member's pending invitation code, until it is accepted. */
  readonly inviteHash?: string;
  /** When the role or custom roles last changed (epoch ms): `Member Permissions Changed`'s time. */
  readonly permissionsChangedAt?: number;
  readonly version: number;
}

export interface InviteRecord {
  readonly accountId: string;
  readonly memberId: string;
  readonly expiresAt: number;
}

export interface NewMember {
  readonly member: MemberRecord;
  readonly invite?: { readonly hash: string; readonly expiresAt: number };
}

const table = () => config.tables.members();

/** Longer than a stream keeps a record (24 h), so that the REMOVE it explains always finds it. */
const REMOVAL_KEPT_MS = 7 * 24 * 3600 * 1000;

const memberItem = (member: MemberRecord) => ({
  ...keys.member(member.accountId, member.memberId),
  type: 'member',
  ...member,
  lastChange: changeStamp(),
});

/** The member is still as `before` was read: its version, and the last call recorded on it. */
const seenAsRead = (before: MemberRecord) => asReadGuard(before.version, 'lastSeen', before.lastSeen);

export const memberRepo = {
  async get(accountId: string, memberId: string, consistent = false): Promise<MemberRecord | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({
        TableName: table(),
        Key: keys.member(accountId, memberId),
        ConsistentRead: consistent,
      }),
    );
    return Item === undefined ? undefined : withoutKeys<MemberRecord>(Item);
  },

  /** The member with this e-mail (emails are unique per account, any case), strongly consistent. */
  async findByEmail(accountId: string, email: string): Promise<MemberRecord | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys.email(accountId, email), ConsistentRead: true }),
    );
    const memberId = Item?.memberId;
    return typeof memberId === 'string' ? this.get(accountId, memberId, true) : undefined;
  },

  async list(accountId: string): Promise<MemberRecord[]> {
    const items = await queryAll<Record<string, unknown>>({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.accountPartition(accountId), ':prefix': 'MEMBER#' },
      ConsistentRead: true,
    });
    return items
      .map((item) => withoutKeys<MemberRecord>(item))
      .sort((a, b) => a.creationDate - b.creationDate);
  },

  async anyWithCustomRole(accountId: string, roleKey: string): Promise<boolean> {
    const members = await this.list(accountId);
    return members.some((m) => m.customRoles.includes(roleKey));
  },

  /** The writes that create a member: the member, its email item (one member per email), its invitation. */
  newMemberItems({ member, invite }: NewMember): TransactItem[] {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: table(),
          Item: memberItem(member),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: table(),
          Item: { ...keys.email(member.accountId, member.email), type: 'email', memberId: member.memberId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    if (invite) {
      const record: InviteRecord = {
        accountId: member.accountId,
        memberId: member.memberId,
        expiresAt: invite.expiresAt,
      };
      items.push({
        Put: {
          TableName: table(),
          Item: { ...keys.invite(invite.hash), type: 'invite', ...record, ttl: ttlOf(invite.expiresAt) },
        },
      });
    }
    return items;
  },

  /** Members with their email items and invitations, in one transaction. */
  async createMany(members: readonly NewMember[]): Promise<void> {
    await transact(
      'a member with this email already exists',
      members.flatMap((m) => this.newMemberItems(m)),
    );
  },

  /**
   * Writes changed members if each is still as it was read, all or none. The authorizer records
   * a member's last call (`lastSeen`, `lastSeenTokenId`) without a new version, as it does a
   * token's use: each Put requires the `lastSeen` it read too, and when the versions are unchanged
   * (the last call alone moved, or was being written at that moment) the change is written again
   * over what is there now, twice at most, so a call recorded meanwhile is kept (as token-repo's
   * `writeAsRead` does for `lastUsed`).
   */
  async update(changes: readonly { before: MemberRecord; after: MemberRecord }[]): Promise<void> {
    await writeFromFreshReads(
      changes,
      (pending) =>
        transact(
          'the member was changed by another request; read it again and retry',
          pending.map(({ before, after }) => ({
            Put: { TableName: table(), Item: memberItem(after), ...seenAsRead(before) },
          })),
        ),
      async (pending, failure) => {
        const fresh = await Promise.all(
          pending.map(({ before }) => memberRepo.get(before.accountId, before.memberId, true)),
        );
        return pending.map(({ before, after }, i) => {
          const now = fresh[i];
          if (now === undefined || now.version !== before.version) throw failure;
          const { lastSeen: _seen, lastSeenTokenId: _token, ...rest } = after;
          return {
            before: now,
            after: {
              ...rest,
              ...(now.lastSeen !== undefined ? { lastSeen: now.lastSeen } : {}),
              ...(now.lastSeenTokenId !== undefined ? { lastSeenTokenId: now.lastSeenTokenId } : {}),
            },
          };
        });
      },
    );
  },

  /**
   * Removes a member (if unchanged since read) with their email item and invitation, and records
   * when (`at`) in the same transaction: a REMOVE's old image cannot say when the item was deleted,
   * and the stream record's time is approximate (to the second on AWS, the minute locally).
   */
  async delete(member: MemberRecord, at = Date.now()): Promise<void> {
    await transact('the member was changed or removed by another request', [
      {
        Delete: {
          TableName: table(),
          Key: keys.member(member.accountId, member.memberId),
          ...versionGuard(member.version),
        },
      },
      { Delete: { TableName: table(), Key: keys.email(member.accountId, member.email) } },
      ...(member.inviteHash ? [{ Delete: { TableName: table(), Key: keys.invite(member.inviteHash) } }] : []),
      {
        Put: {
          TableName: table(),
          Item: {
            ...keys.removedMember(member.accountId, member.memberId),
            type: 'removal',
            accountId: member.accountId,
            memberId: member.memberId,
            removedAt: at,
            lastChange: changeStamp(at),
            ttl: ttlOf(at + REMOVAL_KEPT_MS),
          },
        },
      },
    ]);
  },

  /** When a removed member was removed (epoch ms); undefined if nothing here removed them. */
  async removedAt(accountId: string, memberId: string): Promise<number | undefined> {
    return (await this.removal(accountId, memberId))?.removedAt;
  },

  /** When a removed member was removed, and by whom; undefined if nothing here removed them. */
  async removal(
    accountId: string,
    memberId: string,
  ): Promise<{ readonly removedAt: number; readonly lastChange?: ChangeStamp } | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({
        TableName: table(),
        Key: keys.removedMember(accountId, memberId),
        ConsistentRead: true,
      }),
    );
    if (Item === undefined) return undefined;
    return {
      removedAt: Number(Item.removedAt),
      ...(Item.lastChange !== undefined ? { lastChange: Item.lastChange as ChangeStamp } : {}),
    };
  },

  /**
   * The write that records a member's last activity, to go with their token's `lastUsed`. A call
   * with a console session names no token (`tokenId` undefined): a session is not a token anyone
   * can look up.
   */
  lastSeenItem(accountId: string, memberId: string, now: number, tokenId: string | undefined): TransactItem {
    return {
      Update: {
        TableName: table(),
        Key: keys.member(accountId, memberId),
        UpdateExpression:
          tokenId === undefined
            ? 'SET lastSeen = :now REMOVE lastSeenTokenId'
            : 'SET lastSeen = :now, lastSeenTokenId = :token',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now, ...(tokenId === undefined ? {} : { ':token': tokenId }) },
      },
    };
  },

  async getInvite(hash: string): Promise<InviteRecord | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys.invite(hash), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : withoutKeys<InviteRecord>(Item);
  },

  /**
   * The writes that use up an invitation, to go in the same transaction as the member's first
   * token: the invitation is deleted only if it is still there (single use), and the member is
   * marked accepted only if unchanged.
   */
  consumeInviteItems(hash: string, member: MemberRecord): TransactItem[] {
    const { inviteHash: _used, ...accepted } = member;
    return [
      { Delete: { TableName: table(), Key: keys.invite(hash), ConditionExpression: 'attribute_exists(pk)' } },
      {
        Put: {
          TableName: table(),
          Item: memberItem({ ...accepted, version: member.version + 1 }),
          ...versionGuard(member.version),
        },
      },
    ];
  },
};
