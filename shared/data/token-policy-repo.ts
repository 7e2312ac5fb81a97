import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config/config.js';
import type { TokenPolicy } from '../domain/token-policy.js';
import { changeStamp } from './change-context.js';
import { dynamo } from './clients.js';
import { guarded } from './errors.js';
import { INACTIVITY_SHARD, keys } from './keys.js';
import { queryAll } from './query.js';
import { BY_INACTIVITY_POLICY_INDEX } from './tables.js';

/** An account's token policy as stored (in the tokens table, beside the tokens it governs). */
export interface TokenPolicyRecord extends TokenPolicy {
  readonly accountId: string;
  /**
   * Since when the current inactivity limit counts: set when a limit is set or tightened, so that
   * no token is revoked before it has had the whole period from then on.
   */
  readonly inactivitySince?: number;
  readonly lastModified: number;
  readonly version: number;
}

const table = () => config.tables.tokens();

function fromItem(item: Record<string, unknown>): TokenPolicyRecord {
  return {
    accountId: String(item.accountId),
    requireExpiry: item.requireExpiry === true,
    serviceTokensAllowed: item.serviceTokensAllowed !== false,
    ...(typeof item.maxLifetimeDays === 'number' ? { maxLifetimeDays: item.maxLifetimeDays } : {}),
    ...(typeof item.inactivityDays === 'number' ? { inactivityDays: item.inactivityDays } : {}),
    ...(typeof item.inactivitySince === 'number' ? { inactivitySince: item.inactivitySince } : {}),
    lastModified: Number(item.lastModified),
    version: Number(item.version),
  };
}

export const tokenPolicyRepo = {
  /** The account's policy, read strongly consistent (a rule just tightened applies at once). */
  async get(accountId: string): Promise<TokenPolicyRecord | undefined> {
    const { Item } = await dynamo().send(
      new GetCommand({ TableName: table(), Key: keys.tokenPolicy(accountId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  },

  /** Writes the policy if it is still at `expectedVersion` (0: none was stored). */
  async put(policy: TokenPolicyRecord, expectedVersion: number): Promise<void> {
    await guarded('the token policy was changed by another request; read it again and retry', () =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...keys.tokenPolicy(policy.accountId),
            type: 'token-policy',
            ...policy,
            lastChange: changeStamp(policy.lastModified),
            // Only policies with an inactivity limit are in the index the inactivity sweep reads.
            ...(policy.inactivityDays !== undefined ? { inactivityShard: INACTIVITY_SHARD } : {}),
          },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      ),
    );
  },

  /** Every policy with an inactivity limit: the accounts the inactivity sweep visits. */
  async withInactivityLimit(): Promise<TokenPolicyRecord[]> {
    const items = await queryAll<Record<string, unknown>>({
      TableName: table(),
      IndexName: BY_INACTIVITY_POLICY_INDEX,
      KeyConditionExpression: 'inactivityShard = :shard',
      ExpressionAttributeValues: { ':shard': INACTIVITY_SHARD },
    });
    return items.map(fromItem);
  },
};
