import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as membersStream } from '../../functions/streams/members.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { type Api, addMember } from '../support/api.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// A record that keeps failing goes to the dead-letter queue after the retries; the shard moves on.
let stack: LocalStack;
let api: Api;
let owner: string;
let poisonAttempts = 0;

beforeAll(async () => {
  ({
    stack,
    api,
    ownerToken: owner,
  } = await startTestStack(300, {
    members: async (event: DynamoDBStreamEvent, context) => {
      const poisoned = event.Records.filter(
        (r) =>
          r.dynamodb?.NewImage?.type?.S === 'member' && r.dynamodb.NewImage.email?.S === 'poison@example.com',
      );
      poisonAttempts += poisoned.length;
      const healthy = { ...event, Records: event.Records.filter((r) => !poisoned.includes(r)) };
      const result =
        healthy.Records.length > 0 ? await membersStream(healthy, context) : { batchItemFailures: [] };
      return {
        batchItemFailures: [
          ...poisoned.map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber! })),
          ...result.batchItemFailures,
        ],
      };
    },
  }));
});

afterAll(async () => {
  await stack.stop();
});

describe('the local stream poller', () => {
  it('sends a record that keeps failing to the DLQ after its retries, and still handles the later records', async () => {
    await api.post(owner, '/members', [{ email: 'poison@example.com' }]);
    const later = await addMember(api, owner, 'writer');
    await api.delete(owner, `/members/${later.memberId}`);
    await within(10_000, async () => stack.deadLetters.length === 1);
    const [dead] = stack.deadLetters;
    expect(dead!.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(dead!.DDBStreamBatchInfo.streamArn).toContain('members');
    expect(poisonAttempts).toBe(4);
    const dlq = (await (await fetch(`${stack.url}/_local/dlq`)).json()) as { items: unknown[] };
    expect(dlq.items).toHaveLength(1);
    await within(5000, async () => {
      const events = ((await (await fetch(`${stack.url}/_local/events`)).json()) as { items: any[] }).items;
      return events.some(
        (e) => e['detail-type'] === 'Member Removed' && e.detail.memberId === later.memberId,
      );
    });
    expect((await api.get(later.token, '/projects')).status).toBe(401);
  });
});
