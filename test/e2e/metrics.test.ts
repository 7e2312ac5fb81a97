import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import type { LocalMetrics, LocalSeries } from '../../shared/observability/local-metrics.js';
import type { Api } from '../support/api.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// The metrics the Lambdas send as EMF, read locally from GET /_local/metrics. The figures are this
// process's since it started, so each test compares before and after its own requests.
let stack: LocalStack;
let api: Api;
let owner: string;

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(300));
});

afterAll(async () => {
  await stack.stop();
});

const metrics = async (): Promise<LocalMetrics> =>
  (await fetch(`${stack.url}/_local/metrics`)).json() as never;

/** A series of a snapshot by name and dimensions (`service` aside). */
function series(snapshot: LocalMetrics, name: string, dimensions: Record<string, string> = {}): LocalSeries {
  const found = snapshot.metrics.find(
    (m) =>
      m.name === name &&
      JSON.stringify(m.dimensions) === JSON.stringify({ service: 'access-tokens', ...dimensions }),
  );
  if (found === undefined) throw new Error(`no series ${name} ${JSON.stringify(dimensions)}`);
  return found;
}

/** How much each series' sum (and count) grew between two snapshots. */
const growth = (
  before: LocalMetrics,
  after: LocalMetrics,
  name: string,
  dimensions: Record<string, string> = {},
) => ({
  sum: series(after, name, dimensions).sum - series(before, name, dimensions).sum,
  count: series(after, name, dimensions).count - series(before, name, dimensions).count,
});

async function newToken(role: string): Promise<{ id: string; value: string }> {
  const created = await api.post(owner, '/tokens', { name: `metrics-${role}`, role });
  expect(created.status).toBe(201);
  return { id: created.body._id, value: created.body.token };
}

describe('GET /_local/metrics', () => {
  it('lists every series with its namespace, unit, dimensions and statistics', async () => {
    const response = await fetch(`${stack.url}/_local/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const snapshot = (await response.json()) as LocalMetrics;
    expect(snapshot.namespace).toBe('AccessTokens/local');
    expect(series(snapshot, 'StreamLag')).toMatchObject({ unit: 'Milliseconds' });
    expect(Object.keys(series(snapshot, 'StreamLag')).sort()).toEqual(
      ['count', 'dimensions', 'max', 'min', 'name', 'p50', 'p90', 'p99', 'sum', 'unit'].sort(),
    );
    expect(series(snapshot, 'Authorizations', { outcome: 'deny', reason: 'expired' })).toMatchObject({
      unit: 'Count',
    });
  });

  it("counts one allow for a token's first call, and none for the gateway's cached answer", async () => {
    const token = await newToken('reader');
    const before = await metrics();
    expect((await api.get(token.value, '/projects')).status).toBe(200);
    const afterFirst = await metrics();
    expect(
      growth(before, afterFirst, 'Authorizations', { outcome: 'allow', reason: 'personal_token' }).sum,
    ).toBe(1);
    expect((await api.get(token.value, '/projects')).status).toBe(200);
    const afterCached = await metrics();
    expect(
      growth(afterFirst, afterCached, 'Authorizations', { outcome: 'allow', reason: 'personal_token' }).sum,
    ).toBe(0);
  });

  it('counts denials by reason: a malformed token, and an action outside the token scope', async () => {
    const reader = await newToken('reader');
    expect((await api.get(reader.value, '/projects')).status).toBe(200);
    const before = await metrics();
    expect((await api.get('not-a-token', '/projects')).status).toBe(401);
    expect((await api.post(reader.value, '/projects', { key: 'nope', name: 'Nope' })).status).toBe(403);
    const after = await metrics();
    expect(growth(before, after, 'Authorizations', { outcome: 'deny', reason: 'malformed' }).sum).toBe(1);
    expect(growth(before, after, 'Authorizations', { outcome: 'deny', reason: 'scope_denied' }).sum).toBe(1);
  });

  it("a deleted token's call is denied as unknown, and its revocation, event, flushes and lag are counted", async () => {
    const token = await newToken('reader');
    expect((await api.get(token.value, '/projects')).status).toBe(200);
    const before = await metrics();
    expect((await api.delete(owner, `/tokens/${token.id}`)).status).toBe(204);
    expect((await api.get(token.value, '/projects')).status).toBe(401);
    const denied = await metrics();
    expect(growth(before, denied, 'Authorizations', { outcome: 'deny', reason: 'unknown_token' }).sum).toBe(
      1,
    );
    // The handler flushed the authorizer cache right after its commit.
    expect(growth(before, denied, 'AuthorizerCacheFlushes', { outcome: 'ok' }).sum).toBeGreaterThanOrEqual(1);

    // The stream handler publishes `Token Revoked` (reason deleted), then flushes again.
    await within(10_000, async () => {
      const now = await metrics();
      return (
        growth(before, now, 'TokensRevoked', { reason: 'deleted' }).sum > 0 &&
        growth(before, now, 'AuthorizerCacheFlushes', { outcome: 'ok' }).sum >= 2
      );
    });
    const after = await metrics();
    expect(growth(before, after, 'TokensRevoked', { reason: 'deleted' }).sum).toBe(1);
    expect(growth(before, after, 'EventsPublished', { detailType: 'Token Revoked' }).sum).toBe(1);
    expect(growth(before, after, 'AuthorizerCacheFlushes', { outcome: 'ok' }).sum).toBeGreaterThanOrEqual(2);
    expect(growth(before, after, 'AuthorizerCacheFlushes', { outcome: 'failed' }).sum).toBe(0);
    expect(growth(before, after, 'EventsFailed').sum).toBe(0);
    // Lag from the delete's own commit time to the publish: recorded, and seconds at most.
    const lag = growth(before, after, 'StreamLag');
    expect(lag.count).toBeGreaterThanOrEqual(1);
    expect(lag.sum / lag.count).toBeGreaterThanOrEqual(0);
    expect(lag.sum / lag.count).toBeLessThan(15_000);
  });
});
