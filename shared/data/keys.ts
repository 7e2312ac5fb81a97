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
  hash: (hash: string) => ({ pk: `HASH#${hash}`, sk: 'HASH' }),
  usedIdToken: (hash: string) => ({ pk: `IDTOKEN#${hash}`, sk: 'IDTOKEN' }),
  role: (accountId: string, key: string) => ({ pk: `ACCT#${accountId}`, sk: `ROLE#${key}` }),
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
