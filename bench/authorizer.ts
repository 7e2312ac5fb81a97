/**
 * Authorizer benchmark, in one run against DynamoDB Local (in memory): the median and p99 of a
 * bare strongly consistent GetItem, of an uncached authorizer decision, and their ratio; the
 * median of a gateway-cache hit; and requests per second of authenticated GET /api/v2/projects
 * through the local gateway over HTTP (autocannon), with its error count. Goals: the decision
 * ≤ 2.5× the GetItem at the median and at p99, also for a token bound to 20 source ranges (IP
 * binding, checked against the request's address), and 0 errors under load; each is printed with
 * PASS or MISS, and a miss exits non-zero.
 *
 * Run: npm run bench:authorizer (`-- --quick`: a few iterations, to check it end to end)
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import autocannon from 'autocannon';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { handler as authorizer } from '../functions/authorizer/handler.js';
import { LocalStack } from '../infra/local/stack.js';
import { config } from '../shared/config/config.js';
import { dynamo } from '../shared/data/clients.js';
import { keys } from '../shared/data/keys.js';
import { hashSecret } from '../shared/domain/token-format.js';
import { logger } from '../shared/http/logger.js';
import { fmt, iterations, percentile, runBenchmark, verdict } from './support.js';

const TRIALS = iterations(2000, 200);
const RATIO_GOAL = 2.5;
const LOAD_SECONDS = iterations(10, 2);

function event(token: string): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:local:000000000000:local/local/GET/api/v2/projects',
    headers: { Authorization: token },
    requestContext: { requestId: 'bench', identity: { sourceIp: '127.0.0.1' } },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/**
 * The worst case IP binding allows: 20 ranges, IPv6 and IPv4, the caller's (127.0.0.1) in the last
 * one, so every range of its family is in the list the check walks.
 */
const BOUND_RANGES = [
  ...Array.from({ length: 10 }, (_, i) => `2001:db8:${i.toString(16)}::/48`),
  ...Array.from({ length: 9 }, (_, i) => `10.${i}.0.0/16`),
  '127.0.0.1/32',
];

async function boundToken(stack: LocalStack, owner: string): Promise<string> {
  const made = await stack.gateway.handle({
    method: 'POST',
    path: '/api/v2/tokens',
    headers: { authorization: owner, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-bound', role: 'admin', allowedCidrs: BOUND_RANGES }),
  });
  if (made.status !== 201) throw new Error(`could not create the bound token: ${made.body}`);
  return (JSON.parse(made.body) as { token: string }).token;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main() {
  logger.setLogLevel('SILENT');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const stack = await LocalStack.start({ port: 0, cacheTtlSeconds: 300 });
  try {
    const token = stack.ownerToken!;
    const bound = await boundToken(stack, token);
    const key = keys.hash(hashSecret(token));

    // Count the DynamoDB requests one uncached decision makes.
    let requests = 0;
    dynamo().middlewareStack.add(
      (next) => async (args) => {
        requests++;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );

    const getItem = () =>
      dynamo().send(new GetCommand({ TableName: config.tables.tokens(), Key: key, ConsistentRead: true }));
    for (let i = 0; i < iterations(200, 50); i++) {
      await getItem();
      await authorizer(event(token));
      await authorizer(event(bound));
    }
    requests = 0;
    await authorizer(event(token));
    const perDecision = requests;

    const bare: number[] = [];
    const decision: number[] = [];
    const boundDecision: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      // Interleaved, so drift on a shared machine hits all alike.
      bare.push(await timed(getItem));
      decision.push(await timed(() => authorizer(event(token))));
      boundDecision.push(await timed(() => authorizer(event(bound))));
    }
    const b = stats(bare);
    const d = stats(decision);
    const db = stats(boundDecision);

    const hits: number[] = [];
    const misses: number[] = [];
    const request = { method: 'GET', path: '/api/v2/caller-identity', headers: { authorization: token } };
    for (let i = 0; i < iterations(500, 50); i++) {
      stack.gateway.flushAuthorizerCache();
      misses.push(await timed(() => stack.gateway.handle(request)));
      hits.push(await timed(() => stack.gateway.handle(request)));
    }

    const load = await autocannon({
      url: `${stack.url}/api/v2/projects`,
      headers: { authorization: token },
      connections: 10,
      duration: LOAD_SECONDS,
    });

    console.log(
      `Authorizer against DynamoDB Local (node ${process.version}), ${TRIALS} interleaved trials\n`,
    );
    console.log(`bare GetItem (consistent)        median ${fmt(b.median)} ms   p99 ${fmt(b.p99)} ms`);
    console.log(`uncached authorizer decision     median ${fmt(d.median)} ms   p99 ${fmt(d.p99)} ms`);
    const ratio = (value: number) => `${fmt(value)}×`;
    const atMedian = verdict(
      'uncached decision / bare GetItem, median',
      d.median / b.median,
      RATIO_GOAL,
      ratio,
    );
    const atP99 = verdict('uncached decision / bare GetItem, p99', d.p99 / b.p99, RATIO_GOAL, ratio);
    console.log(
      `ratio decision / GetItem         median ${ratio(d.median / b.median)} ${atMedian}   p99 ${ratio(d.p99 / b.p99)} ${atP99}   (goal ≤ ${RATIO_GOAL}×)`,
    );
    console.log(
      `DynamoDB requests per decision   ${perDecision} (GetItem of the hash item carrying the token, then GetItem of the member)`,
    );
    console.log(
      `\nuncached decision, token bound to ${BOUND_RANGES.length} ranges   median ${fmt(db.median)} ms   p99 ${fmt(db.p99)} ms`,
    );
    const boundAtMedian = verdict(
      'uncached bound-token decision / bare GetItem, median',
      db.median / b.median,
      RATIO_GOAL,
      ratio,
    );
    const boundAtP99 = verdict(
      'uncached bound-token decision / bare GetItem, p99',
      db.p99 / b.p99,
      RATIO_GOAL,
      ratio,
    );
    console.log(
      `ratio bound decision / GetItem   median ${ratio(db.median / b.median)} ${boundAtMedian}   p99 ${ratio(db.p99 / b.p99)} ${boundAtP99}   (goal ≤ ${RATIO_GOAL}×)`,
    );
    console.log(`\ngateway request, authorizer cache miss  median ${fmt(stats(misses).median, 3)} ms`);
    console.log(`gateway request, authorizer cache hit   median ${fmt(stats(hits).median, 3)} ms`);
    console.log(
      `\nGET /api/v2/projects through the local gateway over HTTP (autocannon, 10 connections, ${LOAD_SECONDS} s):` +
        `\n  ${fmt(load.requests.average, 0)} requests/s average, latency median ${load.latency.p50} ms, p99 ${load.latency.p99} ms;` +
        ` ${load.errors} errors, ${load.non2xx} non-2xx of ${load.requests.total}`,
    );
    verdict(
      `failed requests (errors and non-2xx) of ${load.requests.total} under load`,
      load.errors + load.non2xx,
      0,
      (n) => fmt(n, 0),
    );
  } finally {
    await stack.stop();
  }
}

runBenchmark(main);
