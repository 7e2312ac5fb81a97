import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { EventDetail } from '../../shared/events/events.js';

/** A revoked token, as the deny-list keeps it. */
export type DeniedToken = Pick<
  EventDetail<'Token Revoked'>,
  'accountId' | 'tokenId' | 'reason' | 'occurredAt'
>;

/** How long an event id is remembered: longer than SQS keeps a message, so no repeat gets past. */
const EVENT_KEPT_MS = 15 * 24 * 3600 * 1000;

/**
 * The example consumer's state in one DynamoDB table (partition key `pk`): the revoked token ids,
 * a count of revocations per account and reason, and the ids of the events already applied.
 * Delivery is at-least-once, and the count is not idempotent by itself, so each event is applied
 * in one transaction with a conditional put of its id: a repeat changes nothing.
 */
export class DenyList {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Applies a revocation once per event id; false when this event was applied before. */
  async deny(token: DeniedToken, eventId: string): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: `EVENT#${eventId}`, ttl: Math.ceil((Date.now() + EVENT_KEPT_MS) / 1000) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: this.tableName, Item: { pk: `TOKEN#${token.tokenId}`, ...token, eventId } } },
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: `COUNT#${token.accountId}#${token.reason}` },
                UpdateExpression: 'ADD revocations :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      const repeat =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
      if (repeat) return false;
      throw error;
    }
  }

  /** The deny-list entry of a token, if it was revoked. */
  async get(tokenId: string): Promise<(DeniedToken & { eventId: string }) | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `TOKEN#${tokenId}` }, ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const { pk: _pk, ...entry } = Item;
    return entry as DeniedToken & { eventId: string };
  }

  /** How many tokens of the account were revoked for this reason. */
  async count(accountId: string, reason: DeniedToken['reason']): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `COUNT#${accountId}#${reason}` },
        ConsistentRead: true,
      }),
    );
    return Number(Item?.revocations ?? 0);
  }
}
