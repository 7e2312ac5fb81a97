/**
 * Revocation benchmark, against a local stack with a 300 s authorizer cache: how long a cached
 * token keeps working after the API answered the change that revoked it. The handler that commits
 * a change of rights flushes the cache before it answers (the stream handlers are the backstop),
 * so the goal is p99 ≤ 100 ms from the 2xx to the first refusal, in every case:
 *
 * 1. member removal: `DELETE /members/{id}`, one at a time → that member's cached token's first 401;
 * 2. burst: 30 concurrent `DELETE /tokens/{id}` on 30 cached tokens → each token's first 401;
 * 3. stalled database: DynamoDB Local paused (SIGSTOP) for 5 s right after `DELETE /members/{id}`
 *    answered 204 → the member's cached token must never get a 200; every answer during the
 *    stall must be a fast 503 (bounded by DYNAMODB_TIMEOUT_MS × DYNAMODB_MAX_ATTEMPTS), not a hang.
 *
 * Prints medians and p99 with PASS/MISS, and exits non-zero on a MISS.
 * Run: npm run bench:revocation
 */
import { type DynamoLocal, startDynamoLocal } from '../infra/local/dynamodb-local.js';
import { LocalStack } from '../infra/local/stack.js';
import { config } from '../shared/config/config.js';
import { logger } from '../shared/http/logger.js';
import { fmt, percentile } from './support.js';

const GOAL_MS = 100;
const MEMBER_TRIALS = 40;
const BURST = 30;
const BURST_ROUNDS = 3;
const STALL_TRIALS = 3;
const STALL_MS = 5000;
/** While the database is paused, a probe is sent this often (without waiting for the previous one). */
const STALL_PROBE_EVERY_MS = 100;

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
}

/** Case 3: DynamoDB Local paused right after `DELETE /members/{id}` answered 204. */
async function stalledDatabase(
  bench: Bench,
  dynamo: DynamoLocal,
  paused: { now: boolean },
): Promise<StallTrial[]> {
  const trials: StallTrial[] = [];
  for (let trial = 0; trial < STALL_TRIALS; trial++) {
    const member = await bench.member(`stall-${trial}@example.com`);
    await bench.cached([member.token]);
    await bench.remove(member.id);
    const start = performance.now();
    process.kill(dynamo.pid, 'SIGSTOP');
    paused.now = true;
    const probes: Promise<Probe>[] = [];
    const probe = () => {
      const sentMs = performance.now() - start;
      probes.push(
        call(`${bench.api}/projects`, member.token).then((reply) => ({
          sentMs,
          answeredMs: performance.now() - start,
          status: reply.status,
        })),
      );
    };
    try {
      while (performance.now() - start < STALL_MS) {
        probe();
        await sleep(STALL_PROBE_EVERY_MS);
      }
    } finally {
      process.kill(dynamo.pid, 'SIGCONT');
      paused.now = false;
    }
    trials.push({ probes: await Promise.all(probes) });
    // Once the database is back, the member's token is 401 (the member is gone).
    await untilStatus(`${bench.api}/projects`, member.token, 401);
  }
  return trials;
}

function summary(samples: readonly number[]): { median: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

let missed = false;
function verdict(pass: boolean): string {
  if (!pass) missed = true;
  return pass ? 'PASS' : 'MISS';
}

function printCase(title: string, samples: readonly Refusal[], what: string): void {
  const s = summary(samples.map((r) => r.ms));
  const honoured = samples.reduce((sum, r) => sum + r.honoured, 0);
  console.log(`${title} (${samples.length} samples)`);
  console.log(
    `  ${what}: median ${fmt(s.median, 1)} ms   p99 ${fmt(s.p99, 1)} ms   max ${fmt(s.max, 1)} ms   goal p99 ≤ ${GOAL_MS} ms: ${verdict(s.p99 <= GOAL_MS)}`,
  );
  console.log(
    `  requests still answered 200 after the 2xx: ${honoured} (must be 0; the first request after it is refused): ${verdict(honoured === 0)}`,
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
    const stalls = await stalledDatabase(bench, dynamo, paused);

    const bound = config.dynamoTimeoutMs() * config.dynamoMaxAttempts();
    console.log(
      `Revocation with the authorizer cache on (TTL 300 s), flushed by the handler that commits the change (node ${process.version})\n`,
    );
    const ref = summary(reference);
    console.log(
      `For reference, one request the authorizer runs for (cache just flushed, ${reference.length} samples): median ${fmt(ref.median, 1)} ms   p99 ${fmt(ref.p99, 1)} ms\n`,
    );
    printCase('1. member removal, one at a time', removal, 'DELETE /members/{id} 204 → first 401');
    printCase(
      `2. burst of ${BURST} concurrent token deletes, ${BURST_ROUNDS} rounds`,
      burstSamples,
      "each DELETE /tokens/{id} 204 → that token's first 401",
    );

    const all = stalls.flatMap((t) => t.probes);
    // A trial whose probes were all honoured has no refusal: it counts as never refused.
    const never: Probe = {
      sentMs: Number.POSITIVE_INFINITY,
      answeredMs: Number.POSITIVE_INFINITY,
      status: 200,
    };
    const firstRefusal = stalls.map(
      (t) => t.probes.filter((p) => p.status !== 200).sort((a, b) => a.sentMs - b.sentMs)[0] ?? never,
    );
    const unavailable = all.filter((p) => p.status === 503);
    const answerMs = unavailable.map((p) => p.answeredMs - p.sentMs);
    const honoured = all.filter((p) => p.status === 200).length;
    const other = all.filter((p) => ![401, 503, 200].includes(p.status)).map((p) => p.status);
    console.log(
      `3. stalled database: DynamoDB Local paused ${STALL_MS / 1000} s right after DELETE /members/{id} answered 204, ${STALL_TRIALS} trials, a probe every ${STALL_PROBE_EVERY_MS} ms (${all.length} probes)`,
    );
    console.log(
      `  probes answered 200 after the 204: ${honoured} (must be 0): ${verdict(honoured === 0 && other.length === 0)}${other.length ? `; unexpected statuses ${other.join(', ')}` : ''}`,
    );
    const refusedSent = summary(firstRefusal.map((p) => p.sentMs));
    console.log(
      `  204 → first refused request (sent): median ${fmt(refusedSent.median, 1)} ms   p99 ${fmt(refusedSent.p99, 1)} ms   goal p99 ≤ ${GOAL_MS} ms: ${verdict(refusedSent.p99 <= GOAL_MS)}`,
    );
    const refusedAnswered = summary(firstRefusal.map((p) => p.answeredMs));
    console.log(
      `  204 → first refusal answered (${firstRefusal.map((p) => p.status).join('/')}): median ${fmt(refusedAnswered.median, 0)} ms   p99 ${fmt(refusedAnswered.p99, 0)} ms   (a fail-closed answer waits for the DynamoDB timeout: bounded below by DYNAMODB_TIMEOUT_MS ${config.dynamoTimeoutMs()} ms)`,
    );
    const fast = summary(answerMs.length > 0 ? answerMs : [Number.NaN]);
    console.log(
      `  503 answer time during the stall (${unavailable.length} answers): median ${fmt(fast.median, 0)} ms   p99 ${fmt(fast.p99, 0)} ms   max ${fmt(fast.max, 0)} ms   goal: every one ≤ timeout × attempts + 500 ms = ${bound + 500} ms, not the ${STALL_MS} ms stall: ${verdict(unavailable.length > 0 && fast.max <= bound + 500)}`,
    );
    console.log(
      `\n${missed ? 'MISS' : 'PASS'}: goal p99 ≤ ${GOAL_MS} ms from the 2xx to the first refusal, never a 200 after it, fast 503s`,
    );
  } finally {
    resume();
    await stack?.stop();
    await dynamo.stop();
  }
  process.exitCode = missed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
