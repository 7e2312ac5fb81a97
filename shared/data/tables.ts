/**
 * The table definitions, shared by the CDK stateful stack and the local stack so the two cannot
 * drift. Every data table has a string partition key `pk` and sort key `sk`.
 *
 * - members: `ACCT#<a>`/`MEMBER#<id>` (a member), `ACCT#<a>`/`EMAIL#<email>` (email uniqueness and
 *   lookup by email), `INVITE#<sha256>`/`INVITE` (a pending invitation, found by its code's hash),
 *   `ACCT#<a>`/`REMOVED#<id>` (when a member was removed, written with the removal, kept 7 days).
 * - tokens: `ACCT#<a>`/`TOKEN#<id>` (a token or a console session; GSI byMember on
 *   `ACCT#<a>#MEMBER#<m>` for a member's personal tokens and sessions), `HASH#<sha256>`/`HASH` (a secret's hash: the authorizer's one strongly
 *   consistent GetItem, no GSI on the hot path; GSI byGraceEnd lists the secrets in a reset's
 *   grace period by its end, for the sweep that ends them on time), `IDTOKEN#<sha256>`/`IDTOKEN` (an
 *   OpenID Connect ID token already exchanged for a console session, kept until it expires),
 *   `ACCT#<a>`/`REVOKED#<id>` (why and when a token was deleted, written with the delete, kept 7 days),
 *   `ACCT#<a>`/`TOKEN_POLICY` (the account's token policy; GSI byInactivityPolicy lists the accounts
 *   whose policy retires unused tokens), `ACCT#<a>`/`REMINDED#<id>#<expiresAt>#<days>` (an expiry
 *   reminder sent, claimed by a conditional put, kept until past the expiry). A token item is in GSI
 *   byReminder under the UTC day of its next expiry reminder (sorted by its time; the sweep moves it on
 *   or out) and in GSI byActivity under its account, sorted by its last use (or creation).
 * - roles: `ACCT#<a>`/`ROLE#<key>`, `ACCT#<a>`/`DELETED#ROLE#<key>` (who deleted a role and when,
 *   written with the delete, kept 7 days).
 * Every write of a token, member or role carries `lastChange` (who made the change, from where:
 * change-context.ts), and so does each of the records above written with a delete.
 * - audit: `ACCT#<a>`/`<id>` (an audit log entry, written by the stream handlers; ids begin with
 *   the entry's date, so an account's entries sort by date; `ttl` ends them after the retention).
 * - resources: `ACCT#<a>`/`ACCOUNT`, `ACCT#<a>`/`PROJ#<p>`, `ACCT#<a>`/`FLAG#<p>#<f>`.
 * Streams (new and old images) on members, tokens and roles drive revocation; `ttl` (epoch
 * seconds) expires tokens, secrets past their grace, and invitations.
 * - idempotency: the stream handlers' Powertools idempotency records (one per stream record).
 */
export type TableId = 'members' | 'tokens' | 'roles' | 'resources' | 'idempotency' | 'audit';

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export interface TableDefinition {
  readonly id: TableId;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly IndexDefinition[];
  readonly stream: boolean;
  readonly ttlAttribute?: string;
}

export const BY_MEMBER_INDEX = 'byMember';
/** Sparse: only secrets kept for a grace period after a reset, ordered by when the grace ends. */
export const BY_GRACE_END_INDEX = 'byGraceEnd';
/** Sparse: token items with an expiry reminder to come, by the UTC day of it, sorted by its time. */
export const BY_REMINDER_INDEX = 'byReminder';
/** Token items (not sessions) by account, sorted by last use (or creation): the inactive come first. */
export const BY_ACTIVITY_INDEX = 'byActivity';
/** Sparse: the token policies that set `inactivityDays` (the accounts the inactivity sweep visits). */
export const BY_INACTIVITY_POLICY_INDEX = 'byInactivityPolicy';

export const TABLES: readonly TableDefinition[] = [
  { id: 'members', partitionKey: 'pk', sortKey: 'sk', indexes: [], stream: true, ttlAttribute: 'ttl' },
  {
    id: 'tokens',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [
      { name: BY_MEMBER_INDEX, partitionKey: 'memberKey', sortKey: 'sk' },
      { name: BY_GRACE_END_INDEX, partitionKey: 'graceShard', sortKey: 'graceEnd' },
      { name: BY_REMINDER_INDEX, partitionKey: 'reminderDay', sortKey: 'reminderAt' },
      { name: BY_ACTIVITY_INDEX, partitionKey: 'activityKey', sortKey: 'activityAt' },
      { name: BY_INACTIVITY_POLICY_INDEX, partitionKey: 'inactivityShard', sortKey: 'pk' },
    ],
    stream: true,
    ttlAttribute: 'ttl',
  },
  { id: 'roles', partitionKey: 'pk', sortKey: 'sk', indexes: [], stream: true, ttlAttribute: 'ttl' },
  { id: 'resources', partitionKey: 'pk', sortKey: 'sk', indexes: [], stream: false },
  // The layout Powertools' DynamoDBPersistenceLayer expects: key `id`, TTL `expiration`.
  { id: 'idempotency', partitionKey: 'id', indexes: [], stream: false, ttlAttribute: 'expiration' },
  { id: 'audit', partitionKey: 'pk', sortKey: 'sk', indexes: [], stream: false, ttlAttribute: 'ttl' },
];

/** The environment variable that names each table to the functions. */
export const TABLE_ENV: Record<TableId, string> = {
  members: 'MEMBERS_TABLE',
  tokens: 'TOKENS_TABLE',
  roles: 'ROLES_TABLE',
  resources: 'RESOURCES_TABLE',
  idempotency: 'IDEMPOTENCY_TABLE',
  audit: 'AUDIT_TABLE',
};
