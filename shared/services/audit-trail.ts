import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { config } from '../config/config.js';
import { type AuditEntryRecord, auditIdOf, auditRepo } from '../data/audit-repo.js';
import type { ChangeActor, ChangeStamp } from '../data/change-context.js';
import { memberRepo } from '../data/member-repo.js';
import { roleRepo } from '../data/role-repo.js';
import { tokenRepo } from '../data/token-repo.js';
import { markdownJson, markdownText } from '../domain/markdown-text.js';

/**
 * The audit log's writer: what one stream record of the members, tokens or roles table says
 * happened, as an audit log entry (or nothing, for a write that changed nobody's anything: a
 * `lastUsed` touch, a bookkeeping record). Generic over what changed: every field of an item that
 * differs is described, so a field or revocation reason added later shows without a line here.
 *
 * Who did it is the change's stamp (`lastChange`, change-context.ts): on the item for a create or
 * an update, on the tombstone written with a delete. A removal nobody stamped is the system's: an
 * expiry (DynamoDB TTL, or the local sweep), a grace period's end.
 */
type Item = Readonly<Record<string, unknown>> & {
  readonly type?: string;
  readonly accountId?: string;
  readonly lastChange?: ChangeStamp;
};

/** What a describer finds; the rest of the entry (actor, origin, id) is common to all. */
interface Change {
  readonly kind: string;
  readonly name: string;
  /** e.g. `created the token`. */
  readonly verb: string;
  readonly accesses: readonly { readonly action: string; readonly resource: string }[];
  readonly details: readonly string[];
  /** Who and when: the write's stamp; absent for a change nobody stamped (then `date` says when). */
  readonly stamp?: ChangeStamp;
  readonly date?: number;
}

const SYSTEM: ChangeActor = { kind: 'system' };

/** Attributes that are bookkeeping, never a change anyone made (or secrets' hashes, never shown). */
const BOOKKEEPING = new Set([
  'accountId',
  'pk',
  'sk',
  'type',
  'version',
  'lastModified',
  'lastChange',
  'lastUsed',
  'lastSeen',
  'lastSeenTokenId',
  'permissionsChangedAt',
  'ttl',
  'memberKey',
  'graceShard',
  'graceEnd',
  'hash',
  'previousHash',
  'previousHashExpiresAt',
  'secretExpiresAt',
  'last4',
  'inviteHash',
  'reminderDay',
  'reminderAt',
  'activityKey',
  'activityAt',
  'inactivityShard',
  'inactivitySince',
  'revokedReason',
]);

const image = (value: unknown): Item | undefined =>
  value ? (unmarshall(value as Record<string, AttributeValue>) as Item) : undefined;

const text = (value: unknown) => (typeof value === 'string' ? value : String(value ?? ''));

const cut = (text: string) => (text.length > 200 ? `${text.slice(0, 197)}...` : text);

/**
 * A value as a line of an entry's description: dates as ISO, long values cut, and anything but
 * plain text quoted (markdown-text.ts), so that a name chosen by the caller cannot forge a line.
 */
function shown(field: string, value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  if (typeof value === 'number' && /(At|Date)$/.test(field)) return new Date(value).toISOString();
  return typeof value === 'string' ? markdownText(cut(value)) : markdownJson(cut(JSON.stringify(value)));
}

/** The fields whose values differ between two versions of an item, bookkeeping aside. */
function changedFields(before: Item, after: Item): string[] {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...fields]
    .filter((f) => !BOOKKEEPING.has(f))
    .filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]))
    .sort();
}

const fieldLines = (before: Item, after: Item, fields: readonly string[]) =>
  fields.map((f) => `${f}: ${shown(f, before[f])} → ${shown(f, after[f])}`);

/** The item as the detailed entry shows it: no bookkeeping, no hashes. */
export function snapshotOf(item: Item | undefined): Record<string, unknown> | undefined {
  if (item === undefined) return undefined;
  return Object.fromEntries(Object.entries(item).filter(([k]) => !BOOKKEEPING.has(k)));
}

function tokenResource(item: Item): string {
  return item.serviceToken === true
    ? `service-token/${text(item.tokenId)}`
    : `member/${text(item.memberId)}:token/${text(item.tokenId)}`;
}

function scopeLine(item: Item): string {
  const scope = item.scope as { kind?: string; role?: string; roleKeys?: string[] } | undefined;
  if (scope?.kind === 'role') return `role: ${scope.role}`;
  if (scope?.kind === 'customRoles') return `custom roles: ${(scope.roleKeys ?? []).join(', ')}`;
  return 'scope: an inline policy';
}

/** The token fields a change touches, with the action that allows each. */
const TOKEN_FIELD_ACTIONS: Readonly<Record<string, string>> = {
  name: 'updateAccessTokenName',
  description: 'updateAccessTokenDescription',
  scope: 'updateAccessTokenPolicy',
  expiresAt: 'updateAccessTokenExpiry',
  defaultApiVersion: 'updateAccessTokenApiVersion',
};

const REVOCATION_VERBS: Readonly<Record<string, string>> = {
  deleted: 'deleted the token',
  member_removed: 'revoked the token (its member was removed)',
  expired: 'expired the token',
};

async function tokenRemoved(record: DynamoDBRecord, before: Item): Promise<Change> {
  const resource = tokenResource(before);
  const revocation = await tokenRepo.revocation(text(before.accountId), text(before.tokenId));
  const reason =
    revocation?.reason ??
    (typeof before.expiresAt === 'number' && before.expiresAt <= Date.now() ? 'expired' : 'deleted');
  const session = before.session === true;
  const verb = session
    ? reason === 'deleted'
      ? 'signed out of the console'
      : `ended the console session (${reason})`
    : (REVOCATION_VERBS[reason] ?? `revoked the token (${reason})`);
  return {
    kind: session ? 'session' : 'token',
    name: text(before.name),
    verb,
    accesses: [{ action: session ? 'deleteSession' : 'deleteAccessToken', resource }],
    details: [`reason: ${reason}`],
    ...(revocation?.lastChange !== undefined ? { stamp: revocation.lastChange } : {}),
    date:
      revocation?.revokedAt ??
      (reason === 'expired' && typeof before.expiresAt === 'number'
        ? before.expiresAt
        : approximateTime(record)),
  };
}

function tokenCreated(after: Item): Change {
  const session = after.session === true;
  const details = [
    after.serviceToken === true ? 'a service token' : `a personal token of member ${text(after.memberId)}`,
    scopeLine(after),
    ...(typeof after.expiresAt === 'number' ? [`expires: ${shown('expiresAt', after.expiresAt)}`] : []),
    ...(Array.isArray(after.allowedCidrs) && after.allowedCidrs.length > 0
      ? [`allowed addresses: ${shown('allowedCidrs', after.allowedCidrs)}`]
      : []),
  ];
  return {
    kind: session ? 'session' : 'token',
    name: text(after.name),
    verb: session ? 'signed in to the console' : 'created the token',
    accesses: [{ action: session ? 'createSession' : 'createAccessToken', resource: tokenResource(after) }],
    details,
  };
}

function tokenUpdated(before: Item, after: Item): Change | undefined {
  const resource = tokenResource(after);
  if (before.hash !== after.hash) {
    const grace = after.previousHashExpiresAt;
    return {
      kind: 'token',
      name: text(after.name),
      verb: 'reset the token',
      accesses: [{ action: 'resetAccessToken', resource }],
      details: [
        typeof grace === 'number'
          ? `the old secret works until ${shown('expiresAt', grace)}`
          : 'the old secret stopped working at once',
      ],
    };
  }
  const fields = changedFields(before, after);
  if (fields.length === 0) return undefined;
  return {
    kind: 'token',
    name: text(after.name),
    verb: 'updated the token',
    accesses: [...new Set(fields.map((f) => TOKEN_FIELD_ACTIONS[f] ?? 'updateAccessToken*'))].map(
      (action) => ({ action, resource }),
    ),
    details: fieldLines(before, after, fields),
  };
}

/** A secret kept after a reset ends when its grace passes: the system ends it. */
function graceEnded(record: DynamoDBRecord, before: Item | undefined): Change | undefined {
  const end = before?.secretExpiresAt;
  if (record.eventName !== 'REMOVE' || before === undefined || typeof end !== 'number' || end > Date.now())
    return undefined;
  return {
    kind: 'token',
    name: text(before.name),
    verb: "ended the reset's grace period of the token",
    accesses: [{ action: 'resetAccessToken', resource: tokenResource(before) }],
    details: [`the old secret stopped working at ${shown('expiresAt', end)}`],
    date: end,
  };
}

async function memberChange(
  record: DynamoDBRecord,
  before?: Item,
  after?: Item,
): Promise<Change | undefined> {
  const item = (after ?? before)!;
  const resource = `member/${text(item.memberId)}`;
  const base = { kind: 'member', name: text(item.email) };
  if (record.eventName === 'INSERT') {
    const roles = (item.customRoles as string[] | undefined) ?? [];
    const details = [
      `role: ${text(item.role)}`,
      ...(roles.length > 0 ? [`custom roles: ${roles.join(', ')}`] : []),
    ];
    return { ...base, verb: 'invited the member', accesses: [{ action: 'createMember', resource }], details };
  }
  if (record.eventName === 'REMOVE') {
    const removal = await memberRepo.removal(text(item.accountId), text(item.memberId));
    return {
      ...base,
      verb: 'removed the member',
      accesses: [{ action: 'deleteMember', resource }],
      details: [],
      ...(removal?.lastChange !== undefined ? { stamp: removal.lastChange } : {}),
      date: removal?.removedAt ?? approximateTime(record),
    };
  }
  if (before === undefined || after === undefined) return undefined;
  const fields = changedFields(before, after);
  if (before.inviteHash !== undefined && after.inviteHash === undefined) {
    const details = fieldLines(before, after, fields);
    return {
      ...base,
      verb: 'accepted the invitation',
      accesses: [{ action: 'acceptInvitation', resource }],
      details,
    };
  }
  if (fields.length === 0) return undefined;
  const action = (f: string) =>
    f === 'role' ? 'updateRole' : f === 'customRoles' ? 'updateCustomRole' : 'updateMember';
  return {
    ...base,
    verb: 'updated the member',
    accesses: [...new Set(fields.map(action))].map((a) => ({ action: a, resource })),
    details: fieldLines(before, after, fields),
  };
}

const ROLE_FIELD_ACTIONS: Readonly<Record<string, string>> = {
  name: 'updateName',
  description: 'updateDescription',
  policy: 'updatePolicy',
  basePermissions: 'updateBasePermissions',
};

async function roleChange(record: DynamoDBRecord, before?: Item, after?: Item): Promise<Change | undefined> {
  const item = (after ?? before)!;
  const resource = `role/${text(item.key)}`;
  const base = { kind: 'role', name: text(item.name ?? item.key) };
  if (record.eventName === 'INSERT')
    return {
      ...base,
      verb: 'created the custom role',
      accesses: [{ action: 'createRole', resource }],
      details: [],
    };
  if (record.eventName === 'REMOVE') {
    const deletion = await roleRepo.deletion(text(item.accountId), text(item.key));
    return {
      ...base,
      verb: 'deleted the custom role',
      accesses: [{ action: 'deleteRole', resource }],
      details: [],
      ...(deletion?.lastChange !== undefined ? { stamp: deletion.lastChange } : {}),
      ...(deletion?.lastChange === undefined ? { date: approximateTime(record) } : {}),
    };
  }
  if (before === undefined || after === undefined) return undefined;
  const fields = changedFields(before, after);
  if (fields.length === 0) return undefined;
  return {
    ...base,
    verb: 'updated the custom role',
    accesses: [...new Set(fields.map((f) => ROLE_FIELD_ACTIONS[f] ?? 'updatePolicy'))].map((action) => ({
      action,
      resource,
    })),
    details: fieldLines(before, after, fields),
  };
}

function tokenPolicyChange(before?: Item, after?: Item): Change | undefined {
  if (after === undefined) return undefined;
  const fields = changedFields(before ?? {}, after);
  return {
    kind: 'account',
    name: 'token policy',
    // The title is "<actor> <verb> <name>": "owner@… updated the account's token policy".
    verb: "updated the account's",
    accesses: [{ action: 'updateTokenPolicy', resource: 'acct' }],
    details: fieldLines(before ?? {}, after, fields),
  };
}

async function tokenChange(record: DynamoDBRecord, before?: Item, after?: Item): Promise<Change | undefined> {
  if (record.eventName === 'INSERT' && after !== undefined) return tokenCreated(after);
  if (record.eventName === 'REMOVE' && before !== undefined) return tokenRemoved(record, before);
  if (before === undefined || after === undefined || after.session === true) return undefined;
  return tokenUpdated(before, after);
}

/** What changed, by the item's type; other items (emails, invitations, tombstones, hashes) are bookkeeping. */
async function describe(record: DynamoDBRecord, before?: Item, after?: Item): Promise<Change | undefined> {
  const type = (after ?? before)?.type;
  // A MODIFY that no one stamped anew (a `lastUsed` or `_lastSeen` touch, a sweep's index move) changed nothing.
  if (record.eventName === 'MODIFY' && before?.lastChange?.id === after?.lastChange?.id) return undefined;
  switch (type) {
    case 'token':
      return tokenChange(record, before, after);
    case 'hash':
      return graceEnded(record, before);
    case 'member':
      return memberChange(record, before, after);
    case 'role':
      return roleChange(record, before, after);
    case 'token-policy':
      return tokenPolicyChange(before, after);
    default:
      return undefined;
  }
}

/** The stream record's own time (approximate): for a change no write stamped. */
const approximateTime = (record: DynamoDBRecord) =>
  Math.round((record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000);

/**
 * One read per acting member and token for a whole batch: the thirty records of a burst of
 * deletes name the same actor, and each read was a DynamoDB round trip before the next record.
 * A failed read is not kept, so the next record tries again.
 */
const batchLookups = new AsyncLocalStorage<Map<string, Promise<unknown>>>();

/** Runs a batch's records with the lookups above shared among them. */
export function withBatchLookups<T>(run: () => Promise<T>): Promise<T> {
  return batchLookups.run(new Map(), run);
}

function lookup<T>(key: string, load: () => Promise<T>): Promise<T> {
  const memo = batchLookups.getStore();
  if (memo === undefined) return load();
  const known = memo.get(key) as Promise<T> | undefined;
  if (known !== undefined) return known;
  const loading = load();
  memo.set(key, loading);
  loading.catch(() => memo.delete(key));
  return loading;
}

/** The acting token's last four characters, if the token is still there to say. */
async function endingOf(accountId: string, actor: ChangeActor): Promise<string | undefined> {
  if (actor.token === undefined || actor.token.ending !== undefined) return actor.token?.ending;
  const { tokenId } = actor.token;
  return (await lookup(`token ${accountId} ${tokenId}`, () => tokenRepo.get(accountId, tokenId)))?.last4;
}

/** The acting member's names, if they are still a member. */
async function memberOf(accountId: string, actor: ChangeActor): Promise<AuditEntryRecord['member']> {
  if (actor.member === undefined) return undefined;
  const { memberId } = actor.member;
  const member = await lookup(`member ${accountId} ${memberId}`, () => memberRepo.get(accountId, memberId));
  return {
    memberId: actor.member.memberId,
    ...(actor.member.email !== undefined ? { email: actor.member.email } : {}),
    ...(member?.firstName !== undefined ? { firstName: member.firstName } : {}),
    ...(member?.lastName !== undefined ? { lastName: member.lastName } : {}),
  };
}

/**
 * The entry for one stream record, or undefined when it records no change. Its id is derived from
 * the record's eventID (the same on redelivery) and the item's key, and begins with its date.
 */
export async function auditEntryOf(record: DynamoDBRecord): Promise<AuditEntryRecord | undefined> {
  const before = image(record.dynamodb?.OldImage);
  const after = image(record.dynamodb?.NewImage);
  const item = after ?? before;
  if (item?.accountId === undefined) return undefined;
  const change = await describe(record, before, after);
  if (change === undefined) return undefined;
  const stamp = change.stamp ?? (record.eventName === 'REMOVE' ? undefined : after?.lastChange);
  const accountId = text(item.accountId);
  const actor = stamp?.actor ?? SYSTEM;
  const date = change.date ?? stamp?.at ?? approximateTime(record);
  const digest = createHash('sha256')
    .update([record.eventID ?? '', text(item.pk), text(item.sk)].join('\u0000'))
    .digest('hex');
  const [member, ending] = await Promise.all([memberOf(accountId, actor), endingOf(accountId, actor)]);
  const previousVersion = snapshotOf(before);
  const currentVersion = snapshotOf(after);
  return {
    accountId,
    id: auditIdOf(date, digest),
    date,
    kind: change.kind,
    name: change.name,
    titleVerb: change.verb,
    shortDescription: change.verb,
    description: change.details.map((line) => `* ${line}`).join('\n'),
    accesses: change.accesses,
    actorKind: actor.kind,
    ...(member !== undefined ? { member } : {}),
    ...(actor.token !== undefined
      ? { token: { ...actor.token, ...(ending !== undefined ? { ending } : {}) } }
      : {}),
    target: { name: change.name, resources: change.accesses.map((a) => a.resource) },
    ...(stamp?.sourceIp !== undefined ? { sourceIp: stamp.sourceIp } : {}),
    ...(stamp?.userAgent !== undefined ? { userAgent: stamp.userAgent } : {}),
    ...(stamp?.requestId !== undefined ? { requestId: stamp.requestId } : {}),
    ...(stamp?.cause !== undefined ? { cause: stamp.cause } : {}),
    ...(previousVersion !== undefined ? { previousVersion } : {}),
    ...(currentVersion !== undefined ? { currentVersion } : {}),
  };
}

/** Writes the entry of one stream record, once (a second delivery writes nothing). */
export async function recordAudit(record: DynamoDBRecord): Promise<void> {
  const entry = await auditEntryOf(record);
  if (entry !== undefined) await auditRepo.put(entry, config.auditRetentionDays());
}
