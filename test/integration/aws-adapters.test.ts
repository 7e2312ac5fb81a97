import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushAuthorizerCache } from '../../shared/events/authorizer-cache.js';
import { accessEvent } from '../../shared/events/events.js';
import { PublishError, publish } from '../../shared/events/publisher.js';
import { localMetrics } from '../../shared/observability/metrics.js';

/**
 * The AWS side of publishing and flushing, against a small HTTP server that speaks the
 * EventBridge and API Gateway wire protocols (the SDK is pointed at it with its standard
 * AWS_ENDPOINT_URL_<SERVICE> variables): no SDK mocks.
 */
interface Call {
  readonly target: string;
  readonly method: string;
  readonly path: string;
  readonly body: any;
}

const calls: Call[] = [];
let failuresToInject: string[][] = [];
let server: Server;

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text;
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const text = await body(request);
    const call = {
      target: String(request.headers['x-amz-target'] ?? ''),
      method: request.method ?? '',
      path: request.url ?? '',
      body: text ? JSON.parse(text) : undefined,
    };
    calls.push(call);
    if (call.target === 'AWSEvents.PutEvents') {
      // Fail the entries whose DetailType the next injected list names, with 200 and FailedEntryCount.
      const failing = new Set(failuresToInject.shift() ?? []);
      const entries = call.body.Entries.map((e: any, i: number) =>
        failing.has(e.DetailType)
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }
          : { EventId: `ev-${calls.length}-${i}` },
      );
      const failed = entries.filter((e: any) => e.ErrorCode).length;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      return response.end(JSON.stringify({ FailedEntryCount: failed, Entries: entries }));
    }
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_API_GATEWAY: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    EVENT_BUS_NAME: 'access-tokens-test',
    REST_API_ID: 'abc123',
    STAGE_NAME: 'prod',
  });
  delete process.env.LOCAL_EVENT_SINK;
  delete process.env.LOCAL_AUTHORIZER_FLUSH_URL;
});

afterAll(() => {
  server.close();
});

const event = (type: 'Token Created' | 'Token Revoked', n: number) =>
  accessEvent(type, { accountId: 'a', memberId: 'm', tokenId: `t${n}`, occurredAt: 1_700_000_000_000 }, [
    `r${n}`,
  ]);

/** The sum of one series of the metrics this process recorded (off Lambda: in memory). */
const counted = (name: string, dimensions: Record<string, string> = {}) =>
  localMetrics().metrics.find(
    (m) =>
      m.name === name &&
      JSON.stringify(m.dimensions) === JSON.stringify({ service: 'access-tokens', ...dimensions }),
  )!.sum;

describe('publishing to EventBridge', () => {
  it('checks FailedEntryCount on a 200 answer and retries only the failed entries', async () => {
    calls.length = 0;
    failuresToInject = [['Token Revoked']];
    const created = counted('EventsPublished', { detailType: 'Token Created' });
    const revoked = counted('EventsPublished', { detailType: 'Token Revoked' });
    await publish([event('Token Created', 1), event('Token Revoked', 2)]);
    // Each event counted once, when it went: the retried one too, nothing as failed.
    expect(counted('EventsPublished', { detailType: 'Token Created' })).toBe(created + 1);
    expect(counted('EventsPublished', { detailType: 'Token Revoked' })).toBe(revoked + 1);
    const puts = calls.filter((c) => c.target === 'AWSEvents.PutEvents');
    expect(puts).toHaveLength(2);
    expect(puts[0]!.body.Entries.map((e: any) => e.DetailType)).toEqual(['Token Created', 'Token Revoked']);
    expect(puts[1]!.body.Entries.map((e: any) => e.DetailType)).toEqual(['Token Revoked']);
    const entry = puts[0]!.body.Entries[1];
    expect(entry).toMatchObject({ EventBusName: 'access-tokens-test', Source: 'access-tokens' });
    expect(JSON.parse(entry.Detail)).toMatchObject({ tokenId: 't2', eventId: event('Token Revoked', 2).id });
  });

  it('fails after its retries when entries keep failing, so the stream record is retried', async () => {
    calls.length = 0;
    failuresToInject = [['Token Revoked'], ['Token Revoked'], ['Token Revoked'], ['Token Revoked']];
    const failed = counted('EventsFailed');
    const published = counted('EventsPublished', { detailType: 'Token Created' });
    await expect(publish([event('Token Created', 4), event('Token Revoked', 3)])).rejects.toThrow(
      PublishError,
    );
    expect(calls.filter((c) => c.target === 'AWSEvents.PutEvents')).toHaveLength(4);
    expect(counted('EventsFailed')).toBe(failed + 1);
    expect(counted('EventsPublished', { detailType: 'Token Created' })).toBe(published + 1);
  });

  it('counts revocations by reason, and the lag of revocations that a write made, not of expiries', async () => {
    failuresToInject = [];
    const revoked = (reason: 'deleted' | 'expired' | 'reset', occurredAt: number) =>
      accessEvent('Token Revoked', { accountId: 'a', memberId: 'm', tokenId: 't', reason, occurredAt }, [
        reason,
      ]);
    const deleted = counted('TokensRevoked', { reason: 'deleted' });
    const expired = counted('TokensRevoked', { reason: 'expired' });
    const lag = () => localMetrics().metrics.find((m) => m.name === 'StreamLag')!;
    const before = lag();
    const now = Date.now();
    await publish([
      revoked('deleted', now - 1000),
      revoked('expired', now - 86_400_000),
      revoked('reset', now - 60_000),
    ]);
    expect(counted('TokensRevoked', { reason: 'deleted' })).toBe(deleted + 1);
    expect(counted('TokensRevoked', { reason: 'expired' })).toBe(expired + 1);
    expect(lag().count).toBe(before.count + 1);
    expect(lag().sum - before.sum).toBeGreaterThanOrEqual(1000);
    expect(lag().sum - before.sum).toBeLessThan(60_000);
  });

  it('sends at most 10 entries per PutEvents call', async () => {
    calls.length = 0;
    failuresToInject = [];
    await publish(Array.from({ length: 23 }, (_, i) => event('Token Created', i)));
    expect(calls.map((c) => c.body.Entries.length)).toEqual([10, 10, 3]);
  });
});

describe('flushing the authorizer cache on AWS', () => {
  it("calls FlushStageAuthorizersCache for this API's stage", async () => {
    calls.length = 0;
    const flushes = counted('AuthorizerCacheFlushes', { outcome: 'ok' });
    await flushAuthorizerCache();
    expect(calls).toHaveLength(1);
    expect(counted('AuthorizerCacheFlushes', { outcome: 'ok' })).toBe(flushes + 1);
    expect(calls[0]).toMatchObject({
      method: 'DELETE',
      path: '/restapis/abc123/stages/prod/cache/authorizers',
    });
  });
});
