import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalStack } from '../../infra/local/stack.js';
import { Api, httpTransport } from '../support/api.js';
import { within } from '../support/eventually.js';

// `GET /_local/events?after=<eventId>`: a consumer's cursor over the local events, which the data
// folder keeps across restarts: the events after that one, oldest first; an id the sink does not
// hold is a 400 naming it.
const dataDir = mkdtempSync(join(tmpdir(), 'local-events-'));
const tablePrefix = `events-${randomUUID().slice(0, 8)}`;
const accountId = `events-${randomUUID()}`;
const running: LocalStack[] = [];

const start = async () => {
  const stack = await LocalStack.start({
    port: 0,
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix,
    accountId,
    dataDir,
    cacheTtlSeconds: 0,
  });
  running.push(stack);
  return { stack, api: new Api(0, httpTransport(stack.url)) };
};

afterAll(async () => {
  for (const stack of running.splice(0)) await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Event = { id: string; 'detail-type': string; detail: { eventId: string; tokenId?: string } };

async function read(stack: LocalStack, after?: string): Promise<{ status: number; body: any }> {
  const url = new URL('/_local/events', stack.url);
  if (after !== undefined) url.searchParams.set('after', after);
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

const itemsAfter = async (stack: LocalStack, after?: string): Promise<Event[]> => {
  const { status, body } = await read(stack, after);
  expect(status).toBe(200);
  return body.items;
};

const announced = (events: Event[], type: string, tokenId: string) =>
  events.some((e) => e['detail-type'] === type && e.detail.tokenId === tokenId);

/** Before the restart: the events of a first run, and the last one's id, the consumer's cursor. */
let before: Event[] = [];
let cursor = '';
let owner = '';
let second: Awaited<ReturnType<typeof start>>;

beforeAll(async () => {
  const first = await start();
  owner = first.stack.ownerToken!;
  const made = (await first.api.post(owner, '/tokens', { name: 'before', role: 'reader' })).body._id;
  await within(10_000, async () => announced(await itemsAfter(first.stack), 'Token Created', made));
  before = await itemsAfter(first.stack);
  cursor = before.at(-1)!.detail.eventId;
  expect(await itemsAfter(first.stack, cursor)).toEqual([]);
  await first.stack.stop();
  running.splice(0);
  second = await start();
});

describe('GET /_local/events?after=<eventId>', () => {
  it('answers the events after the cursor, oldest first, across a restart of the stack', async () => {
    expect(await itemsAfter(second.stack)).toEqual(before);
    const next = (await second.api.post(owner, '/tokens', { name: 'after', role: 'reader' })).body._id;
    expect((await second.api.delete(owner, `/tokens/${next}`)).status).toBe(204);
    await within(10_000, async () => announced(await itemsAfter(second.stack), 'Token Revoked', next));

    const since = await itemsAfter(second.stack, cursor);
    expect(since.map((e) => [e['detail-type'], e.detail.tokenId])).toEqual([
      ['Token Created', next],
      ['Token Revoked', next],
    ]);
    // From the first event on: everything but it, in the order published.
    const all = await itemsAfter(second.stack);
    expect(await itemsAfter(second.stack, all[0]!.detail.eventId)).toEqual(all.slice(1));
    expect(all).toEqual([...before, ...since]);
  });

  it('an id the sink does not hold is a 400 that names it', async () => {
    const unknown = randomUUID();
    const { status, body } = await read(second.stack, unknown);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(unknown) });
    expect(body.message).toMatch(/^after: /);
    expect((await read(second.stack, '')).status).toBe(400);
  });
});
