import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { onBehalfOf } from '../data/change-context.js';
import type { MemberRecord } from '../data/member-repo.js';
import { memberRepo } from '../data/member-repo.js';
import type { RoleRecord } from '../data/role-repo.js';
import { type HashRecord, type TokenRecord, tokenRepo } from '../data/token-repo.js';
import { type AccessEvent, accessEvent, type RevocationReason } from '../events/events.js';
import { publish } from '../events/publisher.js';
import { userDirectory } from '../events/user-directory.js';

/** What handling one stream record did: the events it published, and whether rights changed. */
export interface RecordOutcome {
  readonly events: number;
  /** Rights changed (up or down): the authorizer cache must be flushed. */
  readonly flush: boolean;
}

type Image<T> = (T & { type?: string; revokedReason?: RevocationReason }) | undefined;

function images<T>(record: DynamoDBRecord): { before: Image<T>; after: Image<T> } {
  const image = (value: unknown) =>
    value ? (unmarshall(value as Record<string, AttributeValue>) as Image<T>) : undefined;
  return { before: image(record.dynamodb?.OldImage), after: image(record.dynamodb?.NewImage) };
}

/**
 * The stream record's own time, in epoch ms: approximate (to the second on AWS, to the minute on
 * DynamoDB Local). Events take the time that the write making the change stamped (see each
 * handler), so this is left only for a change this service did not make (an item deleted by
 * hand), where nothing stamped one.
 */
const approximateTime = (record: DynamoDBRecord) =>
  Math.round((record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000);

/**
 * Whether a removal is an expiry. DynamoDB marks its own TTL deletions with the service principal;
 * where there is no such mark (DynamoDB Local, whose TTL the local stack emulates, and whose record
 * times are truncated to the minute), an item whose expiry has passed by now was removed for it.
 */
const removedByExpiry = (record: DynamoDBRecord, expiresAt: number | undefined) =>
  (record.userIdentity?.type === 'Service' &&
    record.userIdentity?.principalId === 'dynamodb.amazonaws.com') ||
  (expiresAt !== undefined && expiresAt <= Date.now());

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function done(events: AccessEvent[], flush: boolean): Promise<RecordOutcome> {
  await publish(events);
  return { events: events.length, flush };
}

const ignored: RecordOutcome = { events: 0, flush: false };

/**
 * Why and when a removed token ended: its revocation record, written in the transaction that
 * deleted it (`deleted`, `member_removed`); else its expiry (`expired`, at `expiresAt`, when it
 * stopped working); else a delete this service did not make.
 */
async function tokenEnd(
  record: DynamoDBRecord,
  before: NonNullable<Image<TokenRecord>>,
): Promise<{ reason: RevocationReason; occurredAt: number }> {
  const revocation = await tokenRepo.revocation(before.accountId, before.tokenId);
  if (revocation !== undefined) return { reason: revocation.reason, occurredAt: revocation.revokedAt };
  // Stamped on the item by an earlier version of this service, before it deleted it.
  if (before.revokedReason !== undefined)
    return { reason: before.revokedReason, occurredAt: approximateTime(record) };
  if (before.expiresAt !== undefined && removedByExpiry(record, before.expiresAt))
    return { reason: 'expired', occurredAt: before.expiresAt };
  return { reason: 'deleted', occurredAt: approximateTime(record) };
}

/**
 * Tokens table: creations, resets, rescopes and every way a token or a secret ends. `Token
 * Revoked` is published from the REMOVE of the token item, whatever removed it: a delete or a
 * member's removal (their revocation record says which, and when), DynamoDB TTL or a passed expiry
 * (`expired`). A secret ended by a reset is `reset`. Each event's `occurredAt` is the time stamped
 * by the write that made the change (creationDate, lastModified, the revocation record), or the
 * expiry itself.
 */
export async function onTokensRecord(record: DynamoDBRecord): Promise<RecordOutcome> {
  const id = record.eventID ?? '';
  const { before, after } = images<TokenRecord & HashRecord>(record);
  const item = after ?? before;
  if (item === undefined) return ignored;
  const base = { accountId: item.accountId, memberId: item.memberId, tokenId: item.tokenId };

  if (item.type === 'hash') {
    // A secret kept after a reset ends when its grace passes (TTL, or the local TTL sweep).
    const graceEnded =
      record.eventName === 'REMOVE' &&
      before?.secretExpiresAt !== undefined &&
      removedByExpiry(record, before.secretExpiresAt);
    if (!graceEnded) return ignored;
    const ended = { ...base, reason: 'reset' as const, occurredAt: before.secretExpiresAt! };
    return done([accessEvent('Token Revoked', ended, [id, item.tokenId])], true);
  }
  if (item.type !== 'token') return ignored;
  // A console session is not an access token: no token events, but its end changes rights.
  if (item.session === true) return { events: 0, flush: record.eventName === 'REMOVE' };

  switch (record.eventName) {
    case 'INSERT': {
      const created = { ...base, occurredAt: item.creationDate };
      return done([accessEvent('Token Created', created, [id, item.tokenId])], false);
    }
    case 'REMOVE': {
      if (before === undefined) return ignored;
      const ended = { ...base, ...(await tokenEnd(record, before)) };
      return done([accessEvent('Token Revoked', ended, [id, item.tokenId])], true);
    }
    case 'MODIFY': {
      if (before === undefined || after === undefined) return ignored;
      const events: AccessEvent[] = [];
      // Where a token may be used from bounds it as its scope does: a cached answer for an address
      // it no longer allows must go (this is the backstop when the edge's own flush failed).
      let flush =
        !same(before.scope, after.scope) ||
        before.expiresAt !== after.expiresAt ||
        !same(before.allowedCidrs, after.allowedCidrs);
      if (before.hash !== after.hash) {
        flush = true;
        // The reset's own write stamped lastModified.
        const reset = { ...base, occurredAt: after.lastModified };
        events.push(accessEvent('Token Reset', reset, [id, item.tokenId]));
        const kept = new Set([after.hash, after.previousHash]);
        for (const secret of [before.hash, before.previousHash]) {
          if (secret !== undefined && !kept.has(secret)) {
            events.push(
              accessEvent('Token Revoked', { ...reset, reason: 'reset' }, [id, item.tokenId, secret]),
            );
          }
        }
      }
      return done(events, flush);
    }
    default:
      return ignored;
  }
}

/**
 * Members table: a removed member's personal tokens and console sessions are revoked (conditional
 * writes: a second delivery changes nothing; service tokens they created are not theirs and stay);
 * a change of role or custom roles is announced. Both change rights. With a Cognito user pool for
 * sign-in, a new member gets a user there and a removed one loses theirs (user-directory.ts).
 */
export async function onMembersRecord(record: DynamoDBRecord): Promise<RecordOutcome> {
  const id = record.eventID ?? '';
  const { before, after } = images<MemberRecord>(record);
  const item = after ?? before;
  if (item === undefined || item.type !== 'member') return ignored;
  const base = { accountId: item.accountId, memberId: item.memberId };
  if (record.eventName === 'INSERT') {
    await userDirectory.memberAdded(item.accountId, item.email);
    return ignored;
  }
  if (record.eventName === 'REMOVE') {
    // Their tokens stopped working when the member was removed: that is when each is revoked.
    const removal = await memberRepo.removal(item.accountId, item.memberId);
    const removedAt = removal?.removedAt ?? approximateTime(record);
    // On behalf of whoever removed the member: the audit log names them for each revocation.
    await onBehalfOf(removal?.lastChange, 'member_removed', async () => {
      for (const token of await tokenRepo.listByMember(item.accountId, item.memberId)) {
        await tokenRepo.revoke(token, { reason: 'member_removed', revokedAt: removedAt });
      }
    });
    await userDirectory.memberRemoved(item.accountId, item.email);
    const removed = { ...base, occurredAt: removedAt };
    return done([accessEvent('Member Removed', removed, [id, item.memberId])], true);
  }
  if (record.eventName === 'MODIFY' && before && after) {
    const changed = before.role !== after.role || !same(before.customRoles, after.customRoles);
    const occurredAt = after.permissionsChangedAt ?? approximateTime(record);
    if (changed)
      return done(
        [accessEvent('Member Permissions Changed', { ...base, occurredAt }, [id, item.memberId])],
        true,
      );
  }
  return ignored;
}

/** Roles table: a custom role's policy or base changed → every member who has it is told; a deleted role flushes. */
export async function onRolesRecord(record: DynamoDBRecord): Promise<RecordOutcome> {
  const id = record.eventID ?? '';
  const { before, after } = images<RoleRecord>(record);
  if (record.eventName === 'REMOVE') return { events: 0, flush: true };
  if (record.eventName !== 'MODIFY' || !before || !after) return ignored;
  if (same(before.policy, after.policy) && before.basePermissions === after.basePermissions) return ignored;
  const holders = (await memberRepo.list(after.accountId)).filter((m) => m.customRoles.includes(after.key));
  // The role's edit stamped lastModified.
  const at = after.lastModified;
  return done(
    holders.map((m) =>
      accessEvent(
        'Member Permissions Changed',
        { accountId: m.accountId, memberId: m.memberId, occurredAt: at },
        [id, m.memberId],
      ),
    ),
    true,
  );
}
