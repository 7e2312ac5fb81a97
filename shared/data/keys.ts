/** Key shapes of every item (see tables.ts). Only repositories use them. */
export const keys = {
  account: (accountId: string) => ({ pk: `ACCT#${accountId}`, sk: 'ACCOUNT' }),
  member: (accountId: string, memberId: string) => ({ pk: `ACCT#${accountId}`, sk: `MEMBER#${memberId}` }),
  email: (accountId: string, email: string) => ({
    pk: `ACCT#${accountId}`,
    sk: `EMAIL#${email.toLowerCase()}`,
  }),
  invite: (codeHash: string) => ({ pk: `INVITE#${codeHash}`, sk: 'INVITE' }),
  token: (accountId: string, tokenId: string) => ({ pk: `ACCT#${accountId}`, sk: `TOKEN#${tokenId}` }),
  memberTokens: (accountId: string, memberId: string) => `ACCT#${accountId}#MEMBER#${memberId}`,
  /** Why and when a token was deleted, written by the same transaction (read by its stream handler). */
  revokedToken: (accountId: string, tokenId: string) => ({
    pk: `ACCT#${accountId}`,
    sk: `REVOKED#${tokenId}`,
  }),
  /** When a member was removed, written by the same transaction (read by the members stream handler). */
  removedMember: (accountId: string, memberId: string) => ({
    pk: `ACCT#${accountId}`,
    sk: `REMOVED#${memberId}`,
  }),
  /** The account's token policy (lifetime, expiry, inactivity, service tokens). */
  tokenPolicy: (accountId: string) => ({ pk: `ACCT#${accountId}`, sk: 'TOKEN_POLICY' }),
  /** An expiry reminder sent (one per token, expiry and threshold), claimed by a conditional put. */
  expiryReminder: (accountId: string, tokenId: string, expiresAt: number, daysLeft: number) => ({
    pk: `ACCT#${accountId}`,
    sk: `REMINDED#${tokenId}#${expiresAt}#${daysLeft}`,
  }),
  hash: (hash: string) => ({ pk: `HASH#${hash}`, sk: 'HASH' }),
  usedIdToken: (hash: string) => ({ pk: `IDTOKEN#${hash}`, sk: 'IDTOKEN' }),
  role: (accountId: string, key: string) => ({ pk: `ACCT#${accountId}`, sk: `ROLE#${key}` }),
  /** Who deleted a custom role and when, written by the same transaction (read by the audit log's writer). */
  deletedRole: (accountId: string, key: string) => ({ pk: `ACCT#${accountId}`, sk: `DELETED#ROLE#${key}` }),
  /** An audit log entry: ids sort by date (see audit-repo.ts). */
  auditEntry: (accountId: string, id: string) => ({ pk: `ACCT#${accountId}`, sk: id }),
  project: (accountId: string, key: string) => ({ pk: `ACCT#${accountId}`, sk: `PROJ#${key}` }),
  flag: (accountId: string, projectKey: string, flagKey: string) => ({
    pk: `ACCT#${accountId}`,
    sk: `FLAG#${projectKey}#${flagKey}`,
  }),
  accountPartition: (accountId: string) => `ACCT#${accountId}`,
};

/** The byGraceEnd index: one partition (grace secrets are few), sorted by zero-padded epoch ms. */
export const GRACE_SHARD = 'GRACE';
export const graceEndKey = (epochMs: number) => String(epochMs).padStart(16, '0');

/** Epoch seconds for DynamoDB TTL, from epoch milliseconds. */
export const ttlOf = (epochMs: number) => Math.ceil(epochMs / 1000);

/** Sort keys of the lifecycle indexes: zero-padded epoch ms, like graceEnd. */
export const timeKey = graceEndKey;
/** The byReminder partition of a time: its UTC day (`REMIND#2025-06-01`). */
export const reminderDayOf = (epochMs: number) => `REMIND#${new Date(epochMs).toISOString().slice(0, 10)}`;
/** The byInactivityPolicy partition: one (policies with an inactivity limit are one per account). */
export const INACTIVITY_SHARD = 'INACTIVITY';
