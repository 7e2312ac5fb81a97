import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler } from '../../infra/constructs/bundling.js';
import { accessTokenFormat } from '../../shared/domain/token-format.js';

// The authorizer's bundle, as it deploys, run as Lambda runs it (its environment variables, an
// X-Ray daemon address, a trace header) against a DynamoDB that refuses connections: what reaches
// X-Ray and what reaches the log as EMF. Nothing here is mocked: the daemon is a UDP socket.
const run = promisify(execFile);
let dir: string;
let bundle: string;
let daemon: Socket;
const received: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telemetry-'));
  bundle = join(dir, 'authorizer.mjs');
  await bundleHandler('functions/authorizer/handler.ts', bundle);
  daemon = createSocket('udp4');
  daemon.on('message', (message) => received.push(message.toString('utf8')));
  await new Promise<void>((bound) => daemon.bind(0, '127.0.0.1', bound));
});

afterAll(() => {
  daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Calls the bundled authorizer once in a fresh Node process; its stdout lines. */
async function invoke(token: string, env: Record<string, string> = {}): Promise<string[]> {
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const event = { type: 'REQUEST', methodArn: 'arn:aws:execute-api:us-east-1:1:api/prod/GET/x',
      headers: { Authorization: ${JSON.stringify(token)} }, requestContext: { requestId: 'r' } };
    await handler(event).catch(() => undefined);
    await new Promise((done) => setTimeout(done, 200)); // the UDP datagrams leave
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_LAMBDA_FUNCTION_NAME: 'authorizer',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: dir,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      POWERTOOLS_SERVICE_NAME: 'access-tokens',
      POWERTOOLS_METRICS_NAMESPACE: 'AccessTokens/test',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      TOKENS_TABLE: 'tokens',
      MEMBERS_TABLE: 'members',
      ROLES_TABLE: 'roles',
      ...env,
    },
  });
  return stdout.split('\n').filter(Boolean);
}

const emf = (lines: string[]) =>
  lines.map((line) => JSON.parse(line)).filter((entry) => entry._aws?.CloudWatchMetrics !== undefined);

describe('the authorizer on Lambda', () => {
  it('writes its decision as one EMF line in the stage namespace, with outcome and reason, and never the token', async () => {
    const token = accessTokenFormat.generate();
    const lines = await invoke(token);
    const [decision, ...others] = emf(lines);
    expect(others).toEqual([]);
    expect(decision).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: 'AccessTokens/test', Dimensions: [['service', 'outcome', 'reason']] },
        ],
      },
      service: 'access-tokens',
      outcome: 'error',
      reason: 'database_unavailable',
      Authorizations: 1,
    });
    expect(lines.join('\n')).not.toContain(token);
  });

  it('sends each DynamoDB call to X-Ray as a subsegment of the invocation, unless tracing is off', async () => {
    received.length = 0;
    await invoke(accessTokenFormat.generate());
    const subsegments = received.map((datagram) => JSON.parse(datagram.slice(datagram.indexOf('\n') + 1)));
    expect(subsegments).toContainEqual(
      expect.objectContaining({
        name: 'DynamoDB',
        namespace: 'aws',
        trace_id: '1-5759e988-bd862e3fe1be46a994272793',
        aws: expect.objectContaining({ operation: 'GetItem', table_name: 'tokens' }),
      }),
    );

    received.length = 0;
    await invoke(accessTokenFormat.generate(), { POWERTOOLS_TRACE_ENABLED: 'false' });
    expect(received).toEqual([]);
  });
});
