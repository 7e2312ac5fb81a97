import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DenyList } from '../../examples/revocation-consumer/deny-list.js';
import { revocationConsumer } from '../../examples/revocation-consumer/handler.js';
import { asSqsEvent, localEventsAfter } from '../../examples/revocation-consumer/local-events.js';
import { lambdaContext } from '../../infra/local/lambda-context.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { type Api, addMember } from '../support/api.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// The worked example consumer (examples/revocation-consumer/), built and tested without AWS: it
// follows the local stack's events with `GET /_local/events?after=` and gets them as the SQS
// queue of the EventConsumer construct would deliver them, in batches of 10, on a deny-list table
// in DynamoDB Local.
let stack: LocalStack;
let api: Api;
let owner: string;
let client: DynamoDBClient;
let denyList: DenyList;
const consume = () => revocationConsumer(denyList);
const ids = { deleted: '', reset: '', kept: '', member: '' };
/** Every event consumed so far, and the cursor: the last one's id. */
const consumed: unknown[] = [];
let cursor: string | undefined;

async function deliver(events: readonly unknown[]): Promise<SQSBatchResponse[]> {
  const handler = consume();
  const responses: SQSBatchResponse[] = [];
  for (let i = 0; i < events.length; i += 10) {
    responses.push(
      await handler(asSqsEvent(events.slice(i, i + 10)), lambdaContext('consumer', randomUUID())),
    );
  }
  return responses;
}

/** One poll: the events after the cursor, delivered; the cursor moves to the last of them. */
async function poll(): Promise<SQSBatchResponse[]> {
  const events = await localEventsAfter(stack.url, cursor);
  const responses = await deliver(events);
  consumed.push(...events);
  const last = events.at(-1) as { detail: { eventId: string } } | undefined;
  if (last !== undefined) cursor = last.detail.eventId;
  return responses;
}

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
  client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = `deny-list-${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  denyList = new DenyList(DynamoDBDocumentClient.from(client), tableName);
});

afterAll(async () => {
  await stack.stop();
  client.destroy();
});

const tokenId = async (name: string) =>
  (await api.post(owner, '/tokens', { name, role: 'reader' })).body._id as string;

describe('the example revocation consumer, against the local stack', () => {
  it('puts deleted and removed members’ tokens on its deny-list, not a token that was only reset', async () => {
    expect((await poll()).flatMap((r) => r.batchItemFailures)).toEqual([]);
    ids.deleted = await tokenId('deleted');
    ids.reset = await tokenId('reset');
    ids.kept = await tokenId('kept');
    const member = await addMember(api, owner, 'writer');
    ids.member = member.tokenId;
    expect((await api.delete(owner, `/tokens/${ids.deleted}`)).status).toBe(204);
    expect((await api.post(owner, `/tokens/${ids.reset}/reset`)).status).toBe(200);
    expect((await api.delete(owner, `/members/${member.memberId}`)).status).toBe(204);

    await within(10_000, async () => {
      expect((await poll()).flatMap((r) => r.batchItemFailures)).toEqual([]);
      return (
        (await denyList.get(ids.member)) !== undefined && (await denyList.get(ids.deleted)) !== undefined
      );
    });
    expect(await denyList.get(ids.deleted)).toMatchObject({ accountId: stack.accountId, reason: 'deleted' });
    expect(await denyList.get(ids.member)).toMatchObject({ reason: 'member_removed' });
    // A reset ended one secret of a token that lives on: it stays off the deny-list.
    expect(consumed.some((e: any) => e.detail.tokenId === ids.reset && e.detail.reason === 'reset')).toBe(
      true,
    );
    expect(await denyList.get(ids.reset)).toBeUndefined();
    expect(await denyList.get(ids.kept)).toBeUndefined();
    expect(await denyList.count(stack.accountId, 'deleted')).toBe(1);
    expect(await denyList.count(stack.accountId, 'member_removed')).toBe(1);
  });

  it('a redelivery of every event changes nothing: each is applied once, by its eventId', async () => {
    const before = {
      deleted: await denyList.count(stack.accountId, 'deleted'),
      removed: await denyList.count(stack.accountId, 'member_removed'),
    };
    expect(before.deleted + before.removed).toBeGreaterThan(0);
    expect((await deliver(consumed)).flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await denyList.count(stack.accountId, 'deleted')).toBe(before.deleted);
    expect(await denyList.count(stack.accountId, 'member_removed')).toBe(before.removed);
  });

  it('a message that is not a valid event fails alone (to be retried, then dead-lettered); the rest of its batch is applied', async () => {
    const doomed = await tokenId('doomed');
    expect((await api.delete(owner, `/tokens/${doomed}`)).status).toBe(204);
    let revoked: any;
    await within(10_000, async () => {
      revoked = (await localEventsAfter(stack.url, cursor)).find(
        (e: any) => e['detail-type'] === 'Token Revoked' && e.detail.tokenId === doomed,
      );
      return revoked !== undefined;
    });
    const poison = { ...revoked, detail: { ...revoked.detail, eventId: randomUUID(), reason: 'stolen' } };
    const batch = asSqsEvent([poison, revoked]);
    const response = await consume()(batch, lambdaContext('consumer', randomUUID()));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch.Records[0]!.messageId }]);
    expect(await denyList.get(doomed)).toMatchObject({ reason: 'deleted' });
  });
});
