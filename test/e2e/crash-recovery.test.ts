import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, paginateScan, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE } from '../../infra/local/checkpoint-store.js';
import { LOCK_FILE } from '../../infra/local/data-dir-lock.js';
import { EVENTS_FILE } from '../../infra/local/event-sink.js';
import { isAlive } from '../../infra/local/process-info.js';
import { type Api, addMember } from '../support/api.js';
import { dynamoLocalsOn, LocalProcess, newDataDir, serving, until } from '../support/local-process.js';

// A crash loses nothing: after a SIGKILL, the next start finishes what the streams had not, from
// the poller's kept checkpoints, and the event sink publishes nothing twice. A stalled or dead
// DynamoDB Local fails closed.
const started: LocalProcess[] = [];

afterEach(() => {
  for (const stack of started.splice(0)) stack.kill();
});

async function start(dataDir: string, env: Record<string, string> = {}) {
  const stack = await LocalProcess.spawn(dataDir, { env });
  started.push(stack);
  await stack.waitFor(/Serving the API/, 60_000);
  return stack;
}

/**
 * With a short DynamoDB timeout, the first calls to a cold DynamoDB Local on a busy machine may
 * time out, and the start says so: such a start is tried once more.
 */
async function startWithTimeout(dataDir: string, timeoutMs: string) {
  try {
    return await start(dataDir, { DYNAMODB_TIMEOUT_MS: timeoutMs });
  } catch (error) {
    if (!/did not answer in time/.test((error as Error).message)) throw error;
    return start(dataDir, { DYNAMODB_TIMEOUT_MS: timeoutMs });
  }
}

async function crash(stack: LocalProcess) {
  process.kill(stack.nodePid!, 'SIGKILL');
  await stack.exited;
}

type Event = { id: string; 'detail-type': string; detail: Record<string, string> };

async function events(stack: LocalProcess): Promise<Event[]> {
  return ((await (await fetch(`${stack.url}/_local/events`)).json()) as { items: Event[] }).items;
}

const count = (all: Event[], type: string, match: (e: Event) => boolean) =>
  all.filter((e) => e['detail-type'] === type && match(e)).length;

async function listedIds(api: Api, owner: string): Promise<Set<string>> {
  const listed = await api.get(owner, '/tokens', { showAll: 'true', limit: '1000' });
  expect(listed.status).toBe(200);
  return new Set((listed.body.items as { _id: string }[]).map((t) => t._id));
}

const identityStatus = async (api: Api, token: string) => (await api.get(token, '/caller-identity')).status;

/** Every event id once: nothing was published twice, across both runs. */
function expectNoDuplicates(all: Event[]) {
  expect(new Set(all.map((e) => e.detail.eventId)).size).toBe(all.length);
}

describe('a crash loses nothing', () => {
  it("SIGKILL right after a member's removal answered 204: the watchdog stops Java; after the restart (taking over the stale lock) their tokens are 401, unlisted, and every event is published exactly once", async () => {
    const dataDir = newDataDir();
    // The poller looks every 2 s, so the crash comes before it has seen the removal.
    const first = await start(dataDir, { LOCAL_STREAM_POLL_MS: '2000' });
    const owner = first.ownerToken!;
    const member = await addMember(first.api, owner, 'writer');
    const more = await Promise.all(
      ['ci', 'deploy'].map((name) => first.api.post(member.token, '/tokens', { name, role: 'reader' })),
    );
    const secrets = [member.token, ...more.map((r) => r.body.token as string)];
    const tokenIds = [member.tokenId, ...more.map((r) => r.body._id as string)];

    const removal = await first.api.delete(owner, `/members/${member.memberId}`);
    const { pid: javaPid, port: dynamoPort } = first.dynamo!;
    await crash(first);
    expect(removal.status).toBe(204);
    // The watchdog stops DynamoDB Local when node dies; the lock is left behind, stale.
    await until(10_000, () => !isAlive(javaPid) && dynamoLocalsOn(dataDir).length === 0, 'Java stopped');
    expect(await serving(dynamoPort)).toBe(false);
    expect(await serving(first.port)).toBe(false);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);

    const second = await start(dataDir);
    for (const secret of secrets) expect(await identityStatus(second.api, secret)).toBe(401);
    await until(
      20_000,
      async () => {
        const listed = await listedIds(second.api, owner);
        const all = await events(second);
        return (
          tokenIds.every((id) => !listed.has(id)) &&
          count(all, 'Member Removed', (e) => e.detail.memberId === member.memberId) >= 1 &&
          tokenIds.every((id) => count(all, 'Token Revoked', (e) => e.detail.tokenId === id) >= 1)
        );
      },
      'tokens revoked and events published after the restart',
    );
    // Give a duplicate the time to show, were one coming.
    await new Promise((r) => setTimeout(r, 1000));
    const all = await events(second);
    expect(count(all, 'Member Removed', (e) => e.detail.memberId === member.memberId)).toBe(1);
    for (const id of tokenIds) {
      const revoked = all.filter((e) => e['detail-type'] === 'Token Revoked' && e.detail.tokenId === id);
      expect(revoked).toHaveLength(1);
      expect(revoked[0]?.detail.reason).toBe('member_removed');
    }
    expectNoDuplicates(all);
  }, 90_000);

  it('SIGKILL mid-burst of creates and deletes: nothing half-written, every committed delete announced once', async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    const owner = first.ownerToken!;
    const api = first.api;
    const before = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api.post(owner, '/tokens', { name: `old-${i}`, role: 'reader' })),
    );
    const known = new Map<string, string>(before.map((r) => [r.body._id, r.body.token]));
    const deleted = new Set<string>();
    let answered = 0;
    const burst = [
      ...[...known.keys()].map(async (id) => {
        const reply = await api.delete(owner, `/tokens/${id}`);
        if (reply.status === 204) deleted.add(id);
        answered++;
      }),
      ...Array.from({ length: 12 }, async (_, i) => {
        const reply = await api.post(owner, '/tokens', { name: `new-${i}`, role: 'reader' });
        if (reply.status === 201) known.set(reply.body._id, reply.body.token);
        answered++;
      }),
    ].map((p) => p.catch(() => undefined));
    await until(20_000, () => answered >= 6 && deleted.size > 0, 'some of the burst answered');
    await crash(first);
    await Promise.all(burst);
    expect(deleted.size).toBeGreaterThan(0);

    const second = await start(dataDir);
    await expectWholeTokens(second);
    const listed = await listedIds(second.api, owner);
    for (const id of deleted) expect(listed.has(id)).toBe(false);
    for (const [id, secret] of known) {
      expect([id, await identityStatus(second.api, secret)]).toEqual([id, listed.has(id) ? 200 : 401]);
    }
    const gone = [...known.keys()].filter((id) => !listed.has(id));
    await until(
      20_000,
      async () => {
        const all = await events(second);
        return gone.every((id) => count(all, 'Token Revoked', (e) => e.detail.tokenId === id) >= 1);
      },
      'a Token Revoked for every token gone',
    );
    await new Promise((r) => setTimeout(r, 1000));
    const all = await events(second);
    for (const id of gone) expect(count(all, 'Token Revoked', (e) => e.detail.tokenId === id)).toBe(1);
    for (const id of listed) expect(count(all, 'Token Created', (e) => e.detail.tokenId === id)).toBe(1);
    expectNoDuplicates(all);
  }, 90_000);
});

describe('stream records are handled once, across restarts', () => {
  it("a replay from the stream's start re-runs only what a crashed run left in progress, and publishes nothing twice", async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    const owner = first.ownerToken!;
    const member = await addMember(first.api, owner, 'writer');
    expect((await first.api.delete(owner, `/members/${member.memberId}`)).status).toBe(204);
    await until(
      20_000,
      async () =>
        count(await events(first), 'Token Revoked', (e) => e.detail.memberId === member.memberId) === 1,
      'the removal handled',
    );
    const published = await events(first);
    // A crash in the middle of the members stream's records: their idempotency records are left
    // in progress. Then both checkpoints and the events kept are lost, so the next start replays
    // every stream from its start into an empty sink.
    await first.crashLeavingDynamoLocal();
    const client = dynamoClient(first.dynamo!.port);
    const inProgress = await markInProgress(client, 'members#');
    client.destroy();
    expect(inProgress).toBeGreaterThan(0);
    rmSync(join(dataDir, CHECKPOINT_FILE));
    rmSync(join(dataDir, EVENTS_FILE));

    const second = await start(dataDir);
    await until(
      20_000,
      async () => count(await events(second), 'Member Removed', () => true) === 1,
      'the removal replayed',
    );
    await new Promise((r) => setTimeout(r, 1500));
    // The records completed before the crash were not run again (no Token Created, no Token
    // Revoked); the one left in progress was, with the same event id; nothing went to the DLQ.
    const replayed = await events(second);
    expect(replayed.map((e) => e['detail-type'])).toEqual(['Member Removed']);
    expect(published.map((e) => e.detail.eventId)).toContain(replayed[0]?.detail.eventId);
    const dlq = (await (await fetch(`${second.url}/_local/dlq`)).json()) as { items: unknown[] };
    expect(dlq.items).toEqual([]);
  }, 90_000);
});

function dynamoClient(port: number) {
  return new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Marks the completed idempotency records of one stream handler as in progress, as a crash mid-handling leaves them. */
async function markInProgress(client: DynamoDBClient, prefix: string): Promise<number> {
  let marked = 0;
  for await (const page of paginateScan({ client }, { TableName: 'local-idempotency' })) {
    for (const item of page.Items ?? []) {
      if (!item.id?.S?.startsWith(prefix)) continue;
      await client.send(
        new UpdateItemCommand({
          TableName: 'local-idempotency',
          Key: { id: item.id },
          UpdateExpression: 'SET #status = :inprogress, in_progress_expiration = :later REMOVE #data',
          ExpressionAttributeNames: { '#status': 'status', '#data': 'data' },
          ExpressionAttributeValues: {
            ':inprogress': { S: 'INPROGRESS' },
            ':later': { N: String(Date.now() + 600_000) },
          },
        }),
      );
      marked++;
    }
  }
  return marked;
}

/** Every token item has its hash items, and every hash item its token (the transactions held). */
async function expectWholeTokens(stack: LocalProcess) {
  const client = dynamoClient(stack.dynamo!.port);
  const items: Record<string, any>[] = [];
  for await (const page of paginateScan({ client }, { TableName: 'local-tokens', ConsistentRead: true }))
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
  client.destroy();
  const keys = new Set(items.map((item) => `${item.pk} ${item.sk}`));
  const tokens = items.filter((item) => item.type === 'token');
  const hashes = items.filter((item) => item.type === 'hash');
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) {
    for (const hash of [token.hash, token.previousHash].filter(Boolean))
      expect([token.tokenId, keys.has(`HASH#${hash} HASH`)]).toEqual([token.tokenId, true]);
  }
  for (const hash of hashes) {
    expect([hash.tokenId, keys.has(`ACCT#${hash.accountId} TOKEN#${hash.tokenId}`)]).toEqual([
      hash.tokenId,
      true,
    ]);
  }
}

describe('a stalled or dead DynamoDB Local fails closed', () => {
  it('SIGSTOP mid-load: 401 or a fast 503, never a 200 that should not be; all recovers after SIGCONT; SIGKILL: 503s', async () => {
    // The product's own DynamoDB timeout (not the tests' longer one): a stall must be a fast 503.
    const stack = await startWithTimeout(newDataDir(), '1000');
    const owner = stack.ownerToken!;
    const api = stack.api;
    const valid = (await api.post(owner, '/tokens', { name: 'valid', role: 'reader' })).body;
    const revoked = (await api.post(owner, '/tokens', { name: 'revoked', role: 'reader' })).body;
    expect((await api.delete(owner, `/tokens/${revoked._id}`)).status).toBe(204);
    expect(await identityStatus(api, revoked.token)).toBe(401);
    expect(await identityStatus(api, valid.token)).toBe(200);
    const javaPid = stack.dynamo!.pid;

    /** One round of load: what each kind of caller got, and how long the slowest took. */
    const round = async () => {
      const started = Date.now();
      const [listed, revokedCall, created] = await Promise.all([
        api.get(valid.token, '/tokens'),
        api.get(revoked.token, '/caller-identity'),
        api.post(owner, '/tokens', { name: 'during', role: 'reader' }),
      ]);
      return {
        listed: listed.status,
        revoked: revokedCall.status,
        created: created.status,
        ms: Date.now() - started,
      };
    };

    process.kill(javaPid, 'SIGSTOP');
    try {
      for (let i = 0; i < 2; i++) {
        const stalled = await round();
        expect(stalled).toMatchObject({ listed: 503, created: 503 });
        expect([401, 503]).toContain(stalled.revoked);
        expect(stalled.ms).toBeLessThan(6000);
      }
    } finally {
      process.kill(javaPid, 'SIGCONT');
    }
    // Recovery includes the authorizer's breaker window (AUTHORIZER_BREAKER_MS): an uncached
    // decision may still be refused fast for that long after the database answers again.
    let after: Awaited<ReturnType<typeof round>> | undefined;
    await until(
      15_000,
      async () => {
        after = await round();
        return after.listed === 200 && after.created === 201;
      },
      'recovered',
    );
    expect(after).toMatchObject({ listed: 200, revoked: 401, created: 201 });

    process.kill(javaPid, 'SIGKILL');
    for (let i = 0; i < 2; i++) {
      const dead = await round();
      expect(dead).toMatchObject({ listed: 503, created: 503 });
      expect([401, 503]).toContain(dead.revoked);
    }
    process.kill(stack.nodePid!, 'SIGTERM');
    expect(await stack.endsWithin(20_000)).toBe(true);
  }, 90_000);
});
