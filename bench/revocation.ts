/**
 * Revocation benchmark, against a local stack with a 300 s authorizer cache: how long a cached
 * token keeps working after the API answered the change that revoked it. The handler that commits
 * a change of rights flushes the cache before it answers (the stream handlers are the backstop),
 * so the goal is p99 ≤ 100 ms from the 2xx to the first 401, and never a 200 after the 2xx:
 *
 * 1. member removal: `DELETE /members/{id}`, one at a time → that member's cached token's first 401;
 * 2. burst: 30 concurrent `DELETE /tokens/{id}` on 30 cached tokens → each token's first 401.
 *
 * 3. stalled database: DynamoDB Local paused (SIGSTOP) for 5 s right after `DELETE /members/{id}`
 *    answered 204. A 401 cannot be known without the database (it would take a second store), so
 *    the goal here is to fail closed, fast: never a 200 after the 204; the first refusal (a 503)
 *    within the authorizer's read budget; and once one decision has found the database not
 *    answering, the authorizer's breaker refuses the next requests in p99 ≤ 100 ms. Run twice:
 *    with the local stack's bounds (which follow DYNAMODB_TIMEOUT_MS), and with the bounds the
 *    authorizer has on AWS.
 *
 * Prints medians and p99 with PASS/MISS, and exits non-zero on a MISS.
 * Run: npm run bench:revocation (`-- --quick`: one trial or round of each case, to check it end to end)
 */
import { type DynamoLocal, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { LocalStack } from '../infra/local/stack.js';
import { config } from '../shared/config/config.js';
import { logger } from '../shared/http/logger.js';
import { fmt, iterations, judge, percentile, runBenchmark } from './support.js';

const GOAL_MS = 100;
const MEMBER_TRIALS = iterations(40, 5);
const BURST = 30;
const BURST_ROUNDS = iterations(3, 1);
const STALL_TRIALS = iterations(3, 1);
const STALL_MS = 5000;
/** While the database is paused, a probe is sent this often (without waiting for the previous one). */
const STALL_PROBE_EVERY_MS = 100;
/** The authorizer's bounds on AWS (the defaults of shared/config/config.ts without DYNAMODB_ENDPOINT). */
const AWS_BOUNDS = { AUTHORIZER_READ_TIMEOUT_MS: '250', AUTHORIZER_READ_BUDGET_MS: '600' };
/** What a request adds to the authorizer's budget before its refusal arrives (gateway, HTTP). */
const REQUEST_SLACK_MS = 200;

async function call(url: string, token: string, method = 'GET', body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { authorization: token, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requests with a token after the 2xx that revoked it, until one is refused. */
interface Refusal {
  /** ms from the 2xx to the refusal's answer. */
  readonly ms: number;
  /** How many requests before it were still answered 200 (a stale cached answer). */
  readonly honoured: number;
}

/** Polls until `token` gets `expected`, from now (the 2xx). */
async function untilStatus(url: string, token: string, expected: number, limitMs = 10_000): Promise<Refusal> {
  const start = performance.now();
  for (let honoured = 0; ; honoured++) {
    const { status } = await call(url, token);
    if (status === expected) return { ms: performance.now() - start, honoured };
    if (status !== 200) throw new Error(`expected 200 or ${expected}, got ${status}`);
    if (performance.now() - start > limitMs) throw new Error(`no ${expected} within ${limitMs} ms`);
  }
}

class Bench {
  readonly api: string;
  constructor(
    readonly stack: LocalStack,
    readonly owner: string,
  ) {
    this.api = `${stack.url}/api/v2`;
  }

  /** A new member's first token, from an invitation accepted as a person would. */
  async member(email: string): Promise<{ id: string; token: string }> {
    const invited = await call(`${this.api}/members`, this.owner, 'POST', [{ email, role: 'writer' }]);
    const member = invited.body.items[0];
    const accepted = await call(`${this.api}/invitations/accept`, '', 'POST', { code: member._inviteCode });
    return { id: member._id, token: accepted.body.token.token as string };
  }

  /**
   * Until one pass over `tokens` is answered without running the authorizer: every one is cached.
   * (Stream records of earlier changes may still flush the cache, so try again until it holds.)
   */
  async cached(tokens: readonly string[]): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const token of tokens) await call(`${this.api}/projects`, token);
      const before = this.stack.gateway.authorizerInvocations;
      const statuses = await Promise.all(
        tokens.map(async (t) => (await call(`${this.api}/projects`, t)).status),
      );
      if (statuses.some((s) => s !== 200))
        throw new Error(`a fresh token got ${statuses.find((s) => s !== 200)}`);
      if (this.stack.gateway.authorizerInvocations === before) return;
      await sleep(50);
    }
    throw new Error('the tokens are never all served from the cache');
  }

  async remove(memberId: string): Promise<void> {
    const removed = await call(`${this.api}/members/${memberId}`, this.owner, 'DELETE');
    if (removed.status !== 204) throw new Error(`DELETE /members answered ${removed.status}`);
  }
}

/**
 * For reference: one request whose authorizer answer is not cached (the cache flushed before it),
 * which is what the first request after a revocation is; under load this is most of the figures.
 */
async function uncachedRequest(bench: Bench): Promise<number[]> {
  const member = await bench.member('reference@example.com');
  const samples: number[] = [];
  for (let i = 0; i < MEMBER_TRIALS; i++) {
    await fetch(`${bench.stack.url}/_local/flush-authorizer-cache`, { method: 'POST' });
    const start = performance.now();
    const { status } = await call(`${bench.api}/projects`, member.token);
    if (status !== 200) throw new Error(`the reference request answered ${status}`);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Case 1: one member removal at a time → that member's cached token's first 401. */
async function memberRemoval(bench: Bench): Promise<Refusal[]> {
  const samples: Refusal[] = [];
  for (let trial = 0; trial < MEMBER_TRIALS; trial++) {
    const member = await bench.member(`bench-${trial}@example.com`);
    await bench.cached([member.token]);
    await bench.remove(member.id);
    samples.push(await untilStatus(`${bench.api}/projects`, member.token, 401));
  }
  return samples;
}

/** Case 2: 30 concurrent token deletes → each token's first 401, from its own 204. */
async function burst(bench: Bench): Promise<Refusal[]> {
  const samples: Refusal[] = [];
  for (let round = 0; round < BURST_ROUNDS; round++) {
    const created = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        call(`${bench.api}/tokens`, bench.owner, 'POST', { name: `burst-${round}-${i}`, role: 'reader' }),
      ),
    );
    const tokens = created.map((c) => ({ id: c.body._id as string, value: c.body.token as string }));
    await bench.cached(tokens.map((t) => t.value));
    samples.push(
      ...(await Promise.all(
        tokens.map(async (token) => {
          const deleted = await call(`${bench.api}/tokens/${token.id}`, bench.owner, 'DELETE');
          if (deleted.status !== 204) throw new Error(`DELETE /tokens answered ${deleted.status}`);
          return untilStatus(`${bench.api}/projects`, token.value, 401);
        }),
      )),
    );
  }
  return samples;
}

interface Probe {
  readonly sentMs: number;
  readonly answeredMs: number;
  readonly status: number;
}

interface StallTrial {
  /** Every probe of the member's token sent during the stall, timed from the 204. */
  readonly probes: Probe[];
  /** ms from the database's resumption to the token's first 401. */
  readonly recoveryMs: number;
}

/** Probes `token` every STALL_PROBE_EVERY_MS for STALL_MS from `start`, each without waiting for the last. */
async function probeDuring(url: string, token: string, start: number): Promise<Probe[]> {
  const probes: Promise<Probe>[] = [];
  while (performance.now() - start < STALL_MS) {
    const sentMs = performance.now() - start;
    probes.push(
      call(url, token).then((reply) => ({
        sentMs,
        answeredMs: performance.now() - start,
        status: reply.status,
      })),
    );
    await sleep(STALL_PROBE_EVERY_MS);
  }
  return Promise.all(probes);
}

/** Polls until `token` gets a 401 (503s while the authorizer's breaker is still open are expected). */
async function untilRefusedForGood(url: string, token: string, limitMs = 10_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const { status } = await call(url, token);
    if (status === 401) return performance.now() - start;
    if (status !== 503) throw new Error(`after the stall, expected 503 or 401, got ${status}`);
    if (performance.now() - start > limitMs) throw new Error(`no 401 within ${limitMs} ms of the resumption`);
    await sleep(10);
  }
}

/**
 * Case 3: DynamoDB Local paused right after `DELETE /members/{id}` answered 204; the probes (and
 * the wait for the first 401 after) run with the authorizer bounds in `bounds`, if any.
 */
async function stalledDatabase(
  bench: Bench,
  dynamo: DynamoLocal,
  paused: { now: boolean },
  bounds: Record<string, string> = {},
): Promise<StallTrial[]> {
  const trials: StallTrial[] = [];
  for (let trial = 0; trial < STALL_TRIALS; trial++) {
    const member = await bench.member(`stall-${trial}-${Date.now()}@example.com`);
    await bench.cached([member.token]);
    await bench.remove(member.id);
    const url = `${bench.api}/projects`;
    trials.push(
      await withEnvironment(bounds, async () => {
        const start = performance.now();
        process.kill(dynamo.pid, 'SIGSTOP');
        paused.now = true;
        let probes: Probe[];
        try {
          probes = await probeDuring(url, member.token, start);
        } finally {
          process.kill(dynamo.pid, 'SIGCONT');
          paused.now = false;
        }
        // Once the database is back, the member's token is 401 (the member is gone).
        return { probes, recoveryMs: await untilRefusedForGood(url, member.token) };
      }),
    );
  }
  return trials;
}

/** Runs `work` with these environment variables set, and puts the old values back after. */
async function withEnvironment<T>(values: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  Object.assign(process.env, values);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function summary(samples: readonly number[]): { median: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

function printCase(name: string, title: string, samples: readonly Refusal[], what: string): void {
  const s = summary(samples.map((r) => r.ms));
  const honoured = samples.reduce((sum, r) => sum + r.honoured, 0);
  console.log(`${title} (${samples.length} samples)`);
  const fast = judge(
    `${name}: 2xx → first 401, p99 ≤ ${GOAL_MS} ms`,
    s.p99 <= GOAL_MS,
    `${fmt(s.p99, 1)} ms`,
  );
  console.log(
    `  ${what}: median ${fmt(s.median, 1)} ms   p99 ${fmt(s.p99, 1)} ms   max ${fmt(s.max, 1)} ms   goal p99 ≤ ${GOAL_MS} ms: ${fast}`,
  );
  const never = judge(`${name}: never a 200 after the 2xx`, honoured === 0, `${honoured} answered 200`);
  console.log(
    `  requests still answered 200 after the 2xx: ${honoured} (must be 0; the first request after it is refused): ${never}`,
  );
}

/**
 * Case 3's figures. A refusal during the stall is a 503 (the authorizer failed closed; a 401 needs
 * the database). Probes sent before the first refusal arrived were waiting on the database too, so
 * each waits out its own budget. After it, the breaker refuses at once, but for one decision per
 * breaker window (its trial), which waits out its budget to learn whether the database is back:
 * the goal allows that many slow refusals and no more.
 */
function printStall(name: string, title: string, trials: readonly StallTrial[], budgetMs: number): void {
  const all = trials.flatMap((t) => t.probes);
  console.log(
    `${title}: ${trials.length} trials of ${STALL_MS / 1000} s, a probe every ${STALL_PROBE_EVERY_MS} ms (${all.length} probes)`,
  );
  const honoured = all.filter((p) => p.status === 200).length;
  const statuses = [...new Set(all.map((p) => p.status))].sort().join('/');
  const closed = judge(
    `${name}: never a 200 after the 204, only 401 or 503`,
    honoured === 0 && all.every((p) => [401, 503].includes(p.status)),
    `${honoured} answered 200; answers ${statuses}`,
  );
  console.log(
    `  probes answered 200 after the 204: ${honoured} (must be 0; answers were ${statuses}, a 401 needs the database): ${closed}`,
  );
  const firsts = trials.map((t) => [...t.probes].sort((a, b) => a.answeredMs - b.answeredMs)[0]!);
  const first = summary(firsts.map((p) => p.answeredMs));
  const firstGoal = budgetMs + REQUEST_SLACK_MS;
  const firstInTime = judge(
    `${name}: 204 → first refusal ≤ read budget + ${REQUEST_SLACK_MS} ms = ${firstGoal} ms`,
    first.max <= firstGoal,
    `max ${fmt(first.max, 0)} ms`,
  );
  console.log(
    `  204 → first refusal answered: median ${fmt(first.median, 0)} ms   max ${fmt(first.max, 0)} ms   goal ≤ read budget + ${REQUEST_SLACK_MS} ms = ${firstGoal} ms: ${firstInTime}`,
  );
  const later = trials.map((t, i) => t.probes.filter((p) => p.sentMs >= firsts[i]!.answeredMs));
  const times = later.flat().map((p) => p.answeredMs - p.sentMs);
  const slow = times.filter((ms) => ms > GOAL_MS).length;
  const windows = trials.reduce(
    (sum, _, i) => sum + Math.ceil((STALL_MS - firsts[i]!.answeredMs) / config.authorizerBreakerMs()),
    0,
  );
  const fast = summary(times);
  console.log(
    `  refusal time of the ${times.length} probes sent after the first refusal: median ${fmt(fast.median, 1)} ms   p90 ${fmt(
      percentile(
        [...times].sort((a, b) => a - b),
        90,
      ),
      1,
    )} ms   p99 ${fmt(fast.p99, 0)} ms   max ${fmt(fast.max, 0)} ms`,
  );
  const breaker = judge(
    `${name}: refusals after the first ≤ ${GOAL_MS} ms, but for the breaker's trials (${windows})`,
    times.length > 0 && slow <= windows,
    `${slow} over ${GOAL_MS} ms of ${times.length}`,
  );
  console.log(
    `  of those, over ${GOAL_MS} ms: ${slow} (goal: at most the breaker's trials, one per ${config.authorizerBreakerMs()} ms window: ${windows}): ${breaker}`,
  );
  const every = summary(all.map((p) => p.answeredMs - p.sentMs));
  console.log(
    `  refusal time of all ${all.length} probes: median ${fmt(every.median, 1)} ms   p99 ${fmt(every.p99, 0)} ms   max ${fmt(every.max, 0)} ms`,
  );
  const recovery = summary(trials.map((t) => t.recoveryMs));
  console.log(
    `  database resumed → the token's first 401: median ${fmt(recovery.median, 0)} ms   max ${fmt(recovery.max, 0)} ms (the breaker lets a decision try once its window is over)`,
  );
}

async function main() {
  logger.setLogLevel('SILENT');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const paused = { now: false };
  // Own DynamoDB Local, so the stalled-database case can pause it; never left paused.
  const dynamo = await startDynamoLocal();
  const resume = () => {
    if (paused.now) process.kill(dynamo.pid, 'SIGCONT');
  };
  process.once('exit', resume);
  let stack: LocalStack | undefined;
  try {
    stack = await LocalStack.start({ port: 0, cacheTtlSeconds: 300, dynamoEndpoint: dynamo.endpoint });
    const bench = new Bench(stack, stack.ownerToken!);
    const reference = await uncachedRequest(bench);
    const removal = await memberRemoval(bench);
    const burstSamples = await burst(bench);
    const localStalls = await stalledDatabase(bench, dynamo, paused);
    const awsStalls = await stalledDatabase(bench, dynamo, paused, AWS_BOUNDS);

    console.log(
      `Revocation with the authorizer cache on (TTL 300 s), flushed by the handler that commits the change (node ${process.version})\n`,
    );
    const ref = summary(reference);
    console.log(
      `For reference, one request the authorizer runs for (cache just flushed, ${reference.length} samples): median ${fmt(ref.median, 1)} ms   p99 ${fmt(ref.p99, 1)} ms\n`,
    );
    printCase(
      '1 member removal',
      '1. member removal, one at a time',
      removal,
      'DELETE /members/{id} 204 → first 401',
    );
    printCase(
      '2 burst',
      `2. burst of ${BURST} concurrent token deletes, ${BURST_ROUNDS} rounds`,
      burstSamples,
      "each DELETE /tokens/{id} 204 → that token's first 401",
    );

    printStall(
      '3a stall, local bounds',
      `3a. stalled database, the local stack's authorizer bounds (${config.authorizerReadTimeoutMs()} ms per attempt, ${config.authorizerReadBudgetMs()} ms budget, breaker ${config.authorizerBreakerMs()} ms)`,
      localStalls,
      config.authorizerReadBudgetMs(),
    );
    printStall(
      '3b stall, AWS bounds',
      `3b. stalled database, the authorizer's bounds on AWS (${AWS_BOUNDS.AUTHORIZER_READ_TIMEOUT_MS} ms per attempt, ${AWS_BOUNDS.AUTHORIZER_READ_BUDGET_MS} ms budget, breaker ${config.authorizerBreakerMs()} ms)`,
      awsStalls,
      Number(AWS_BOUNDS.AUTHORIZER_READ_BUDGET_MS),
    );
  } finally {
    resume();
    await stack?.stop();
    await dynamo.stop();
  }
}

runBenchmark(main);
